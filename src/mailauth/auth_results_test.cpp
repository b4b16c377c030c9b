#include "mailauth/auth_results.hpp"

#include <gtest/gtest.h>

namespace facteur::mailauth {
namespace {

// RFC 8601 Appendix B examples.
TEST(AuthResultsParse, Rfc8601Examples) {
  auto none = parse_authentication_results(" example.org 1; none");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(none->authserv_id, "example.org");
  EXPECT_TRUE(none->results.empty());

  auto spf = parse_authentication_results(" example.com;\r\n\tspf=pass smtp.mailfrom=example.net");
  ASSERT_TRUE(spf);
  ASSERT_EQ(spf->results.size(), 1u);
  EXPECT_EQ(spf->results[0].method, "spf");
  EXPECT_EQ(spf->results[0].result, AuthResult::pass);
  ASSERT_EQ(spf->results[0].properties.size(), 1u);
  EXPECT_EQ(spf->results[0].properties[0].ptype, "smtp");
  EXPECT_EQ(spf->results[0].properties[0].property, "mailfrom");
  EXPECT_EQ(spf->results[0].properties[0].value, "example.net");

  auto two = parse_authentication_results(
      " example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
      "          spf=pass smtp.mailfrom=example.net");
  ASSERT_TRUE(two);
  ASSERT_EQ(two->results.size(), 2u);
  EXPECT_EQ(two->results[0].comment, "cram-md5");
  EXPECT_EQ(two->results[0].properties[0].value, "sender@example.net");

  auto reasons = parse_authentication_results(
      " example.com;\r\n              dkim=pass reason=\"good signature\"\r\n"
      "                header.i=@mail-router.example.net;\r\n"
      "              dkim=fail reason=\"bad signature\"\r\n"
      "                header.i=@newyork.example.com");
  ASSERT_TRUE(reasons) << reasons.error().message;
  ASSERT_EQ(reasons->results.size(), 2u);
  EXPECT_EQ(reasons->results[0].reason, "good signature");
  EXPECT_EQ(reasons->results[1].result, AuthResult::fail);
  EXPECT_EQ(reasons->results[1].properties[0].value, "@newyork.example.com");

  auto b = parse_authentication_results(
      " mail-router.example.net;\r\n     dkim=pass (good signature) "
      "header.d=newyork.example.com\r\n"
      "           header.b=oINEO8hg;\r\n     dkim=fail (bad signature) "
      "header.d=mail-router.example.net\r\n"
      "           header.b=EToRSuvU");
  ASSERT_TRUE(b);
  ASSERT_EQ(b->results.size(), 2u);
  EXPECT_EQ(b->results[1].properties[1].value, "EToRSuvU");
}

TEST(AuthResultsParse, RejectsMalformed) {
  EXPECT_FALSE(parse_authentication_results(""));
  EXPECT_FALSE(parse_authentication_results("example.com; spf"));
  EXPECT_FALSE(parse_authentication_results("example.com; spf=maybe"));
  EXPECT_FALSE(parse_authentication_results("example.com; spf=pass mailfrom=x"));
  EXPECT_FALSE(parse_authentication_results("example.com; spf=pass smtp.mailfrom=\"open"));
  EXPECT_FALSE(parse_authentication_results("example.com; spf=pass (unclosed"));
}

TEST(AuthResultsFormat, RoundTrips) {
  AuthenticationResults ar;
  ar.authserv_id = "mx.example.net";
  SpfOutcome spf;
  spf.result = AuthResult::pass;
  spf.domain = "example.com";
  spf.sender = "alice@example.com";
  spf.mechanism = "ip4:192.0.2.0/24";
  ar.results.push_back(spf_result(spf));
  DkimVerdict dkim;
  dkim.result = AuthResult::fail;
  dkim.reason = "body hash did not verify";
  dkim.domain = "example.com";
  dkim.selector = "s1";
  dkim.identity = "@example.com";
  dkim.algorithm = "rsa-sha256";
  dkim.signature_b64 = "abcdefghijklmnopqrstuvwxyz";
  for (auto& r : dkim_results({dkim}))
    ar.results.push_back(std::move(r));
  DmarcOutcome dmarc;
  dmarc.result = AuthResult::pass;
  dmarc.from_domain = "example.com";
  dmarc.record = DmarcRecord{};
  dmarc.policy = DmarcPolicy::reject;
  ar.results.push_back(dmarc_result(dmarc));
  ArcOutcome arc;
  ar.results.push_back(arc_result(arc));
  std::string field = format_authentication_results(ar);
  EXPECT_TRUE(field.starts_with("Authentication-Results: mx.example.net;\r\n\tspf=pass"));
  EXPECT_TRUE(field.ends_with("\r\n"));
  EXPECT_NE(field.find("smtp.mailfrom=alice@example.com"), std::string::npos) << field;
  EXPECT_NE(field.find("reason=\"body hash did not verify\""), std::string::npos) << field;
  EXPECT_NE(field.find("header.b=abcdefghijkl;"), std::string::npos) << field;
  EXPECT_NE(field.find("dmarc=pass (p=reject dis=none) header.from=example.com"), std::string::npos)
      << field;

  auto parsed = parse_authentication_results(std::string_view(field).substr(23, field.size() - 25));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->authserv_id, "mx.example.net");
  ASSERT_EQ(parsed->results.size(), 4u);
  EXPECT_EQ(parsed->results[0].comment, "example.com: matched ip4:192.0.2.0/24");
  EXPECT_EQ(parsed->results[1].reason, "body hash did not verify");
  EXPECT_EQ(parsed->results[1].properties[0].value, "example.com");
  EXPECT_EQ(parsed->results[2].result, AuthResult::pass);
  EXPECT_EQ(parsed->results[3].method, "arc");
  EXPECT_EQ(parsed->results[3].result, AuthResult::none);

  AuthenticationResults nothing;
  nothing.authserv_id = "mx.example.net";
  EXPECT_EQ(format_authentication_results(nothing),
            "Authentication-Results: mx.example.net; none\r\n");
}

TEST(AuthResultsFormat, QuotesHostileValues) {
  AuthenticationResults ar;
  ar.authserv_id = "mx.example.net";
  MethodResult r;
  r.method = "spf";
  r.result = AuthResult::fail;
  r.comment = "evil) injected (";
  r.properties.push_back({"smtp", "mailfrom", "a b\"c\r\nX-Injected: 1"});
  ar.results.push_back(r);
  std::string field = format_authentication_results(ar);
  EXPECT_EQ(field.find("\r\nX-Injected"), std::string::npos) << field;
  auto parsed = parse_authentication_results(field.substr(23));
  ASSERT_TRUE(parsed) << parsed.error().message << "\n" << field;
  EXPECT_EQ(parsed->results[0].comment, "evil) injected (");
  EXPECT_EQ(parsed->results[0].properties[0].value, "a b\"cX-Injected: 1");
}

}  // namespace
}  // namespace facteur::mailauth
