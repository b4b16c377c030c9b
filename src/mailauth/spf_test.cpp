#include "mailauth/spf.hpp"

#include <gtest/gtest.h>

#include "dns/fake_resolver.hpp"
#include "mailauth/spf_record.hpp"
#include "mailauth/test_util.hpp"

namespace facteur::mailauth {
namespace {

// RFC 7208 §7.4: the macro expansion examples.
TEST(SpfMacros, Rfc7208Examples) {
  MacroContext c;
  c.sender = "strong-bad@email.example.com";
  c.local_part = "strong-bad";
  c.sender_domain = "email.example.com";
  c.domain = "email.example.com";
  c.ip = boost::asio::ip::make_address("192.0.2.3");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"%{s}", "strong-bad@email.example.com"},
      {"%{o}", "email.example.com"},
      {"%{d}", "email.example.com"},
      {"%{d4}", "email.example.com"},
      {"%{d3}", "email.example.com"},
      {"%{d2}", "example.com"},
      {"%{d1}", "com"},
      {"%{dr}", "com.example.email"},
      {"%{d2r}", "example.email"},
      {"%{l}", "strong-bad"},
      {"%{l-}", "strong.bad"},
      {"%{lr}", "strong-bad"},
      {"%{lr-}", "bad.strong"},
      {"%{l1r-}", "strong"},
      {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
      {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
      {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
      {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
      {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
  };
  for (const auto& [spec, expected] : cases) {
    auto out = expand_macros(spec, c, false);
    ASSERT_TRUE(out) << spec;
    EXPECT_EQ(*out, expected) << spec;
  }
  c.ip = boost::asio::ip::make_address("2001:db8::cb01");
  EXPECT_EQ(*expand_macros("%{ir}.%{v}._spf.%{d2}", c, false),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
  // c, r, t only in explanations (§7.3).
  EXPECT_FALSE(expand_macros("%{c}", c, false));
  EXPECT_EQ(*expand_macros("%{c} %%%_%-", c, true), "2001:db8::cb01 % %20");
}

TEST(SpfRecord, ParsesTerms) {
  auto r = parse_spf_record(
      "v=spf1 +a mx/24//64 -ip4:192.0.2.0/24 ~ip6:2001:db8::/32 "
      "?include:_spf.example.com ptr exists:%{i}.bl.example.com "
      "redirect=_spf.example.net exp=explain.example.com x-y=z -all");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->mechanisms.size(), 8u);
  EXPECT_EQ(r->mechanisms[1].kind, SpfMechanismKind::mx);
  EXPECT_EQ(r->mechanisms[1].cidr4, 24u);
  EXPECT_EQ(r->mechanisms[1].cidr6, 64u);
  EXPECT_EQ(r->mechanisms[2].qualifier, SpfQualifier::fail);
  EXPECT_EQ(r->mechanisms[2].network.to_string(), "192.0.2.0");
  EXPECT_EQ(r->mechanisms[3].cidr6, 32u);
  EXPECT_EQ(*r->redirect, "_spf.example.net");
  EXPECT_EQ(*r->explanation, "explain.example.com");
  ASSERT_EQ(r->unknown.size(), 1u);
  EXPECT_FALSE(is_spf_record("v=spf10"));
  EXPECT_TRUE(is_spf_record("V=SPF1"));
}

SpfOutcome run_helo(dns::FakeResolver& zone, const std::string& helo, const std::string& ip) {
  SpfRequest request;
  request.ip = boost::asio::ip::make_address(ip);
  request.helo = helo;
  return testing::run(check_spf_helo(zone, request));
}

// RFC 7208 §2.3: the HELO identity is checked as postmaster@helo.
TEST(Spf, HeloIdentity) {
  dns::FakeResolver zone;
  zone.add_txt("mx.example.test", "v=spf1 a -all");
  zone.add_a("mx.example.test", "192.0.2.25");
  auto pass = run_helo(zone, "mx.example.test", "192.0.2.25");
  EXPECT_EQ(pass.result, AuthResult::pass);
  EXPECT_EQ(pass.sender, "postmaster@mx.example.test");
  EXPECT_EQ(pass.mechanism, "a");
  EXPECT_EQ(pass.dns_terms, 1u);
  auto fail = run_helo(zone, "mx.example.test", "198.51.100.1");
  EXPECT_EQ(fail.result, AuthResult::fail);
  EXPECT_EQ(fail.mechanism, "-all");
  EXPECT_EQ(run_helo(zone, "localhost", "192.0.2.25").result, AuthResult::none);
}

TEST(Spf, CustomLimits) {
  dns::FakeResolver zone;
  zone.add_txt("example.test", "v=spf1 a:a.example.test a:b.example.test -all");
  SpfRequest request;
  request.ip = boost::asio::ip::make_address("192.0.2.1");
  request.mail_from = "user@example.test";
  SpfLimits limits;
  limits.max_dns_terms = 1;
  auto out = testing::run(check_spf_mail_from(zone, request, limits));
  EXPECT_EQ(out.result, AuthResult::permerror);
  EXPECT_NE(out.problem.find("too many DNS lookups"), std::string::npos);
}

}  // namespace
}  // namespace facteur::mailauth
