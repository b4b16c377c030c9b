#include "mailauth/authenticate.hpp"

#include <gtest/gtest.h>

#include "dns/fake_resolver.hpp"
#include "mailauth/test_util.hpp"

namespace facteur::mailauth {
namespace {

constexpr std::string_view kSeed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

std::string message() {
  return "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hi\r\n"
         "Date: Thu, 26 Nov 2026 09:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello\r\n";
}

TEST(Authenticate, EverythingPasses) {
  auto key = DkimPrivateKey::load(kSeed);
  ASSERT_TRUE(key);
  dns::FakeResolver zone;
  zone.add_txt("example.com", "v=spf1 ip4:192.0.2.0/24 -all");
  zone.add_txt("s1._domainkey.example.com", key->dns_record());
  zone.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  DkimSignOptions sign;
  sign.domain = "example.com";
  sign.selector = "s1";
  auto signature = dkim_sign(message(), *key, sign);
  ASSERT_TRUE(signature);
  const std::string signed_message = *signature + message();
  SpfRequest envelope;
  envelope.ip = boost::asio::ip::make_address("192.0.2.10");
  envelope.mail_from = "bounce@mail.example.com";
  envelope.helo = "mx.example.com";
  zone.add_txt("mail.example.com", "v=spf1 ip4:192.0.2.0/24 -all");
  AuthenticateOptions options;
  options.authserv_id = "mx.example.net";
  auto out = testing::run(authenticate_message(zone, signed_message, envelope, options));
  EXPECT_EQ(out.spf.result, AuthResult::pass);
  ASSERT_EQ(out.dkim.size(), 1u);
  EXPECT_EQ(out.dkim[0].result, AuthResult::pass);
  EXPECT_EQ(out.dmarc.result, AuthResult::pass);
  EXPECT_TRUE(out.dmarc.spf_aligned);  // mail.example.com aligns with example.com (relaxed)
  EXPECT_TRUE(out.dmarc.dkim_aligned);
  EXPECT_EQ(out.arc.chain, ArcChain::none);
  const std::string field = format_authentication_results(out.results);
  EXPECT_NE(field.find("spf=pass"), std::string::npos) << field;
  EXPECT_NE(field.find("dkim=pass"), std::string::npos) << field;
  EXPECT_NE(field.find("dmarc=pass"), std::string::npos) << field;
  EXPECT_NE(field.find("arc=none"), std::string::npos) << field;
}

TEST(Authenticate, SpoofedFromFailsDmarc) {
  dns::FakeResolver zone;
  zone.add_txt("evil.test", "v=spf1 +all");
  zone.add_txt("_dmarc.example.com", "v=DMARC1; p=quarantine");
  SpfRequest envelope;
  envelope.ip = boost::asio::ip::make_address("203.0.113.5");
  envelope.mail_from = "x@evil.test";
  envelope.helo = "evil.test";
  AuthenticateOptions options;
  options.authserv_id = "mx.example.net";
  auto out = testing::run(authenticate_message(zone, message(), envelope, options));
  EXPECT_EQ(out.spf.result, AuthResult::pass);  // for evil.test, not aligned with example.com
  EXPECT_TRUE(out.dkim.empty());
  EXPECT_EQ(out.dmarc.result, AuthResult::fail);
  EXPECT_EQ(out.dmarc.disposition, DmarcPolicy::quarantine);
  const std::string field = format_authentication_results(out.results);
  EXPECT_NE(field.find("dkim=none"), std::string::npos) << field;
  EXPECT_NE(field.find("dmarc=fail"), std::string::npos) << field;
}

}  // namespace
}  // namespace facteur::mailauth
