// DANE and MTA-STS decisions per MX host (RFC 7672, RFC 8461 §2).
#include "queue/tls_policy.hpp"

#include <gtest/gtest.h>

namespace facteur::queue {
namespace {

dns::TlsaData tlsa(std::uint8_t usage, std::uint8_t selector, std::uint8_t mtype,
                   std::size_t length) {
  return dns::TlsaData{usage, selector, mtype, std::string(length, '\x5a')};
}

dns::Answer tlsa_answer(std::vector<dns::TlsaData> records, bool secure) {
  dns::Answer a;
  a.status = dns::Status::ok;
  a.secure = secure;
  for (auto& r : records)
    a.records.push_back(dns::Record{"_25._tcp.mx.example.test", 52, 1, 300, std::move(r)});
  return a;
}

TEST(TlsPolicy, TlsaName) {
  EXPECT_EQ(tlsa_name("mx.example.test", 25), "_25._tcp.mx.example.test");
  EXPECT_EQ(tlsa_name("mx.example.test.", 2525), "_2525._tcp.mx.example.test");
}

// RFC 7672 §3.1.3: PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP; RFC 6698 §2.1.2/§2.1.3:
// selectors 0/1, matching types 0 (full), 1 (SHA2-256, 32 bytes), 2 (SHA2-512, 64 bytes).
TEST(TlsPolicy, UsableRecords) {
  struct Case {
    dns::TlsaData record;
    bool usable;
  } cases[] = {
      {tlsa(3, 1, 1, 32), true},  {tlsa(3, 0, 1, 32), true},  {tlsa(2, 0, 1, 32), true},
      {tlsa(3, 1, 2, 64), true},  {tlsa(3, 0, 0, 300), true}, {tlsa(0, 0, 1, 32), false},
      {tlsa(1, 1, 1, 32), false}, {tlsa(4, 1, 1, 32), false}, {tlsa(3, 2, 1, 32), false},
      {tlsa(3, 1, 3, 32), false}, {tlsa(3, 1, 1, 31), false}, {tlsa(3, 1, 2, 32), false},
      {tlsa(3, 1, 0, 0), false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(usable_for_smtp(c.record), c.usable)
        << int(c.record.usage) << " " << int(c.record.selector) << " "
        << int(c.record.matching_type) << " len " << c.record.association.size();
  }
}

// RFC 7672 §2.2.1, §2.2.2: TLSA is looked up only behind a secure MX and secure addresses.
TEST(TlsPolicy, DaneAppliesOnlyWhenTheChainIsSecure) {
  EXPECT_TRUE(dane_applies(true, true));
  EXPECT_FALSE(dane_applies(false, true));
  EXPECT_FALSE(dane_applies(true, false));
}

// RFC 7672 §2.2 / §3: secure usable records → authenticated TLS; secure but all unusable →
// mandatory unauthenticated TLS; insecure or denied → opportunistic; failure → do not deliver.
TEST(TlsPolicy, DanePolicyFromTlsaAnswer) {
  auto usable = dane_policy(tlsa_answer({tlsa(3, 1, 1, 32), tlsa(1, 1, 1, 32)}, true));
  EXPECT_EQ(usable.level, TlsLevel::dane);
  ASSERT_EQ(usable.tlsa.size(), 1u);  // the PKIX-EE record is dropped
  EXPECT_EQ(usable.tlsa[0].usage, kDaneEe);
  EXPECT_TRUE(usable.requires_tls());

  auto unusable = dane_policy(tlsa_answer({tlsa(0, 0, 1, 32)}, true));
  EXPECT_EQ(unusable.level, TlsLevel::encrypt);
  EXPECT_TRUE(unusable.requires_tls());

  auto insecure = dane_policy(tlsa_answer({tlsa(3, 1, 1, 32)}, false));
  EXPECT_EQ(insecure.level, TlsLevel::opportunistic);
  EXPECT_FALSE(insecure.requires_tls());

  dns::Answer denied;
  denied.status = dns::Status::nxdomain;
  denied.secure = true;
  EXPECT_EQ(dane_policy(denied).level, TlsLevel::opportunistic);
  denied.status = dns::Status::no_data;
  EXPECT_EQ(dane_policy(denied).level, TlsLevel::opportunistic);

  dns::Answer failed;
  failed.status = dns::Status::temp_failure;
  failed.detail = "SERVFAIL from 127.0.0.1:53";
  auto unreachable = dane_policy(failed);
  EXPECT_EQ(unreachable.level, TlsLevel::unreachable);
  EXPECT_NE(unreachable.reason.find("SERVFAIL"), std::string::npos);
}

// RFC 8461 §2: DANE wins over MTA-STS where both are published.
TEST(TlsPolicy, DaneTakesPrecedenceOverMtaSts) {
  HostTlsPolicy dane;
  dane.level = TlsLevel::dane;
  HostTlsPolicy sts;
  sts.level = TlsLevel::pkix;
  EXPECT_EQ(combine(dane, sts).level, TlsLevel::dane);
  HostTlsPolicy none;
  EXPECT_EQ(combine(none, sts).level, TlsLevel::pkix);
  HostTlsPolicy failed;
  failed.level = TlsLevel::unreachable;
  EXPECT_EQ(combine(failed, sts).level, TlsLevel::unreachable);
  EXPECT_EQ(combine(none, none).level, TlsLevel::opportunistic);
}

}  // namespace
}  // namespace facteur::queue
