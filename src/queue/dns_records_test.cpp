#include "queue/dns_records.hpp"

#include <gtest/gtest.h>

namespace facteur::queue {
namespace {

DnsRecordsInput input() {
  DnsRecordsInput in;
  in.domain = "Example.test";
  in.hostname = "mx.example.test";
  in.dkim = {{"facteur", "v=DKIM1; k=rsa; p=" + std::string(400, 'A')}};
  in.submission = 587;
  in.submissions = 465;
  in.imaps = 993;
  return in;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(DnsRecords, EveryRecordAMailDomainNeeds) {
  auto text = format_dns_records(input());
  EXPECT_TRUE(has_line(text, "example.test. MX 10 mx.example.test.")) << text;
  EXPECT_TRUE(has_line(text, "example.test. TXT \"v=spf1 mx -all\"")) << text;
  // RFC 6376 §3.6.2.1: selector._domainkey.domain, long TXT split at 255 octets.
  auto dkim = text.find("\nfacteur._domainkey.example.test. TXT \"v=DKIM1; k=rsa; p=");
  ASSERT_NE(dkim, std::string::npos) << text;
  EXPECT_NE(text.find("\" \"AAAA", dkim), std::string::npos);
  EXPECT_NE(text.find("\n_dmarc.example.test. TXT \"v=DMARC1; p="), std::string::npos);
  EXPECT_NE(text.find("\n_mta-sts.example.test. TXT \"v=STSv1; id="), std::string::npos);
  EXPECT_NE(text.find("\n_smtp._tls.example.test. TXT \"v=TLSRPTv1; rua=mailto:"),
            std::string::npos);
  // RFC 6186 §3 / RFC 8314 §5.1 SRV; a role that is off says "not offered" (target ".").
  EXPECT_TRUE(has_line(text, "_submissions._tcp.example.test. SRV 0 1 465 mx.example.test."));
  EXPECT_TRUE(has_line(text, "_submission._tcp.example.test. SRV 10 1 587 mx.example.test."));
  EXPECT_TRUE(has_line(text, "_imaps._tcp.example.test. SRV 0 1 993 mx.example.test."));
  EXPECT_TRUE(has_line(text, "_pop3._tcp.example.test. SRV 0 0 0 ."));
  EXPECT_TRUE(has_line(text, "autoconfig.example.test. CNAME mx.example.test."));
}

TEST(DnsRecords, MtaStsIdFollowsThePolicy) {
  auto a = format_dns_records(input());
  auto in = input();
  in.hostname = "mx2.example.test";
  auto b = format_dns_records(in);
  auto id = [](const std::string& t) {
    auto p = t.find("v=STSv1; id=");
    return t.substr(p, t.find('"', p) - p);
  };
  EXPECT_NE(id(a), id(b));
  EXPECT_EQ(id(a), id(format_dns_records(input())));
}

TEST(DnsRecords, QuoteTxt) {
  EXPECT_EQ(quote_txt("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote_txt(""), "\"\"");
  auto long_text = quote_txt(std::string(300, 'x'));
  EXPECT_EQ(long_text, "\"" + std::string(255, 'x') + "\" \"" + std::string(45, 'x') + "\"");
}

}  // namespace
}  // namespace facteur::queue
