#include "mailauth/dmarc.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "dns/fake_resolver.hpp"
#include "mailauth/test_util.hpp"

namespace facteur::mailauth {
namespace {

const PublicSuffixList& test_psl() {
  static const PublicSuffixList psl =
      PublicSuffixList::parse("// test rules\ncom\nuk\nco.uk\n*.ck\n!www.ck\ntest\n");
  return psl;
}

TEST(PublicSuffix, OrganizationalDomains) {
  const auto& psl = test_psl();
  EXPECT_EQ(psl.organizational_domain("mail.Example.COM"), "example.com");
  EXPECT_EQ(psl.organizational_domain("a.b.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl.organizational_domain("example.co.uk."), "example.co.uk");
  EXPECT_EQ(psl.organizational_domain("x.y.foo.ck"), "y.foo.ck");      // *.ck: foo.ck is a suffix
  EXPECT_EQ(psl.organizational_domain("a.www.ck"), "www.ck");          // !www.ck
  EXPECT_EQ(psl.organizational_domain("co.uk"), "co.uk");              // a suffix itself
  EXPECT_EQ(psl.organizational_domain("a.b.unlisted"), "b.unlisted");  // default rule "*"
  PublicSuffixList heuristic;
  EXPECT_EQ(heuristic.organizational_domain("mail.example.co.uk"), "example.co.uk");
  EXPECT_EQ(heuristic.organizational_domain("mail.example.com"), "example.com");
}

TEST(PublicSuffix, SystemListWhenInstalled) {
  if (!std::filesystem::exists(std::string(kPublicSuffixFile))) {
    GTEST_SKIP() << "publicsuffix is not installed";
  }
  const auto& psl = PublicSuffixList::system();
  EXPECT_TRUE(psl.has_rules());
  EXPECT_EQ(psl.organizational_domain("www.bbc.co.uk"), "bbc.co.uk");
  EXPECT_EQ(psl.organizational_domain("mail.example.com"), "example.com");
  EXPECT_EQ(psl.organizational_domain("foo.bar.example.com.au"), "example.com.au");
}

// RFC 7489 §6.3 / §6.6.3.
TEST(DmarcRecord, Parses) {
  auto r = parse_dmarc_record(
      "v=DMARC1; p=quarantine; sp=reject; adkim=s; aspf=r; pct=20; "
      "rua=mailto:a@example.com, mailto:b@example.net; fo=1");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->policy, DmarcPolicy::quarantine);
  EXPECT_EQ(r->subdomain_policy, DmarcPolicy::reject);
  EXPECT_EQ(r->dkim_alignment, Alignment::strict);
  EXPECT_EQ(r->spf_alignment, Alignment::relaxed);
  EXPECT_EQ(r->percent, 20u);
  EXPECT_EQ(r->aggregate_reports.size(), 2u);
  EXPECT_FALSE(parse_dmarc_record("p=reject; v=DMARC1"));  // v= must come first
  EXPECT_FALSE(parse_dmarc_record("v=DMARC1; p=bogus"));
  auto rua_only = parse_dmarc_record("v=DMARC1; p=bogus; rua=mailto:r@example.com");
  ASSERT_TRUE(rua_only);
  EXPECT_EQ(rua_only->policy, DmarcPolicy::none);
  EXPECT_EQ(parse_dmarc_record("v=DMARC1; p=reject; pct=250")->percent, 100u);
}

TEST(Dmarc, AuthorDomain) {
  EXPECT_EQ(*author_domain(mail::parse_header("From: A <a@Example.COM>\r\n\r\n")), "example.com");
  EXPECT_FALSE(author_domain(mail::parse_header("To: b@x.test\r\n\r\n")));
  EXPECT_FALSE(author_domain(mail::parse_header("From: a@x.test\r\nFrom: b@x.test\r\n\r\n")));
  EXPECT_FALSE(author_domain(mail::parse_header("From: a@x.test, b@y.test\r\n\r\n")));
  EXPECT_TRUE(author_domain(mail::parse_header("From: a@x.test, b@X.test\r\n\r\n")));
}

DmarcOutcome run(dns::FakeResolver& zone, DmarcInput input, unsigned roll = 0) {
  return testing::run(check_dmarc(
      zone, std::move(input), [roll] { return roll; }, &test_psl()));
}

DmarcInput input(std::string from, AuthResult spf, std::string spf_domain,
                 std::vector<DmarcInput::Dkim> dkim = {}) {
  DmarcInput in;
  in.from_domain = std::move(from);
  in.spf = spf;
  in.spf_domain = std::move(spf_domain);
  in.dkim = std::move(dkim);
  return in;
}

TEST(Dmarc, AlignmentAndPolicies) {
  dns::FakeResolver zone;
  zone.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine");
  zone.add_txt("_dmarc.strict.com", "v=DMARC1; p=reject; adkim=s; aspf=s");
  zone.add_txt("_dmarc.sub.example.com", "v=DMARC1; p=none");
  zone.add_txt("_dmarc.half.com", "v=DMARC1; p=reject; pct=50");
  zone.add_txt("_dmarc.two.com", "v=DMARC1; p=reject");
  zone.add_txt("_dmarc.two.com", "v=DMARC1; p=none");
  zone.add_txt("_dmarc.junk.com", "v=spf1 -all");
  zone.fail("_dmarc.flaky.com");

  // Relaxed SPF alignment: bounce.example.com aligns with example.com (§3.1.2).
  auto spf_pass = run(zone, input("example.com", AuthResult::pass, "bounce.example.com"));
  EXPECT_EQ(spf_pass.result, AuthResult::pass);
  EXPECT_TRUE(spf_pass.spf_aligned);
  // Relaxed DKIM alignment.
  auto dkim_pass = run(zone, input("example.com", AuthResult::fail, "evil.test",
                                   {{AuthResult::pass, "mail.example.com"}}));
  EXPECT_EQ(dkim_pass.result, AuthResult::pass);
  EXPECT_TRUE(dkim_pass.dkim_aligned);
  // A passing but unaligned DKIM signature does not help.
  auto unaligned = run(
      zone, input("example.com", AuthResult::pass, "evil.test", {{AuthResult::pass, "evil.test"}}));
  EXPECT_EQ(unaligned.result, AuthResult::fail);
  EXPECT_EQ(unaligned.disposition, DmarcPolicy::reject);
  // Strict alignment needs equal domains.
  auto strict = run(zone, input("strict.com", AuthResult::pass, "mail.strict.com",
                                {{AuthResult::pass, "mail.strict.com"}}));
  EXPECT_EQ(strict.result, AuthResult::fail);
  EXPECT_EQ(run(zone, input("strict.com", AuthResult::pass, "STRICT.com")).result,
            AuthResult::pass);
  // A subdomain without its own record takes sp= from the organisational domain.
  auto sub = run(zone, input("x.example.com", AuthResult::fail, "x.example.com"));
  EXPECT_EQ(sub.record_domain, "example.com");
  EXPECT_EQ(sub.policy, DmarcPolicy::quarantine);
  EXPECT_EQ(sub.disposition, DmarcPolicy::quarantine);
  // A subdomain with its own record uses it.
  auto own = run(zone, input("sub.example.com", AuthResult::fail, "sub.example.com"));
  EXPECT_EQ(own.record_domain, "sub.example.com");
  EXPECT_EQ(own.disposition, DmarcPolicy::none);
  // pct= sampling (§6.6.4): outside the sample, reject becomes quarantine.
  EXPECT_EQ(run(zone, input("half.com", AuthResult::fail, "half.com"), 10).disposition,
            DmarcPolicy::reject);
  EXPECT_EQ(run(zone, input("half.com", AuthResult::fail, "half.com"), 70).disposition,
            DmarcPolicy::quarantine);
  // No usable record: none.
  EXPECT_EQ(run(zone, input("nodmarc.com", AuthResult::pass, "nodmarc.com")).result,
            AuthResult::none);
  EXPECT_EQ(run(zone, input("two.com", AuthResult::fail, "two.com")).result, AuthResult::none);
  EXPECT_EQ(run(zone, input("junk.com", AuthResult::fail, "junk.com")).result, AuthResult::none);
  EXPECT_EQ(run(zone, input("flaky.com", AuthResult::pass, "flaky.com")).result,
            AuthResult::temperror);
}

}  // namespace
}  // namespace facteur::mailauth
