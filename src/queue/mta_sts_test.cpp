// MTA-STS records, policies, MX matching and the cache (RFC 8461).
#include "queue/mta_sts.hpp"

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

namespace facteur::queue {
namespace {

// RFC 8461 §3.1 (the example record and the grammar: v first, id 1*32 alphanumerics).
TEST(MtaSts, TxtRecord) {
  auto r = parse_sts_record("v=STSv1; id=20160831085700Z;");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->id, "20160831085700Z");
  EXPECT_TRUE(parse_sts_record("v=STSv1;id=abc"));
  EXPECT_TRUE(parse_sts_record("v=STSv1; id=abc; ext=whatever"));  // extensions ignored
  EXPECT_FALSE(parse_sts_record("id=abc; v=STSv1"));               // v must come first
  EXPECT_FALSE(parse_sts_record("v=STSv2; id=abc"));
  EXPECT_FALSE(parse_sts_record("v=STSv1;"));
  EXPECT_FALSE(parse_sts_record("v=STSv1; id=a-b"));
  EXPECT_FALSE(parse_sts_record("v=STSv1; id=" + std::string(33, 'a')));
  EXPECT_TRUE(parse_sts_record("v=STSv1; id=" + std::string(32, 'a')));
}

// §3.1: records not starting with "v=STSv1" are discarded; anything but exactly one left means
// no policy.
TEST(MtaSts, FindsTheOneRecord) {
  auto one = find_sts_record({"v=spf1 -all", "v=STSv1; id=1"});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->id, "1");
  EXPECT_FALSE(find_sts_record({"v=STSv1; id=1", "v=STSv1; id=2"}));
  EXPECT_FALSE(find_sts_record({"something else"}));
  EXPECT_FALSE(find_sts_record({"v=STSv1; broken"}));
}

// §3.2, the example policy.
TEST(MtaSts, ParsesPolicy) {
  auto p = parse_sts_policy(
      "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
      "mx: backupmx.example.com\r\nmax_age: 604800\r\n");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->mode, StsMode::enforce);
  EXPECT_EQ(p->max_age, 604800u);
  EXPECT_EQ(p->mx, (std::vector<std::string>{"mail.example.com", "*.example.net",
                                             "backupmx.example.com"}));
  // LF line ends, unknown keys, blank lines, spaces around values.
  auto lf = parse_sts_policy(
      "version: STSv1\nmode:testing\n\nfoo: bar\nmx:  MX.Example.COM \n"
      "max_age: 86400");
  ASSERT_TRUE(lf) << lf.error().message;
  EXPECT_EQ(lf->mode, StsMode::testing);
  EXPECT_EQ(lf->mx, std::vector<std::string>{"mx.example.com"});
  auto none = parse_sts_policy("version: STSv1\nmode: none\nmax_age: 0\n");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->mode, StsMode::none);
}

TEST(MtaSts, RefusesBadPolicies) {
  const char* bad[] = {
      "mode: enforce\nmx: a.test\nmax_age: 1\n",                            // no version
      "version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n",            // wrong version
      "version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n",             // unknown mode
      "version: STSv1\nmode: enforce\nmx: a.test\n",                        // no max_age
      "version: STSv1\nmode: enforce\nmax_age: 1\n",                        // no mx
      "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -1\n",           // not digits
      "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 12345678901\n",  // > 10 digits
      "version: STSv1\nmode: enforce\nmx: *.*.test\nmax_age: 1\n",          // wildcard not leftmost
      "version: STSv1\nmode: enforce\nmx: a..test\nmax_age: 1\n",
      "version: STSv1\nmode: enforce\nno colon here\nmax_age: 1\n",
  };
  for (const char* b : bad)
    EXPECT_FALSE(parse_sts_policy(b)) << b;
  // §3.2: max_age is at most 31557600 (one year).
  auto year = parse_sts_policy("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 99999999\n");
  ASSERT_TRUE(year);
  EXPECT_EQ(year->max_age, 31557600u);
  // §3.3: bodies over 64 KiB are refused.
  std::string big = "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 1\n";
  big += "x-pad: " + std::string(70 * 1024, 'a') + "\n";
  EXPECT_FALSE(parse_sts_policy(big));
}

// §4.1: "*.example.com" matches "mx1.example.com" but not "example.com" nor
// "foo.mx1.example.com".
TEST(MtaSts, MxPatterns) {
  EXPECT_TRUE(mx_pattern_matches("mail.example.com", "mail.example.com"));
  EXPECT_TRUE(mx_pattern_matches("mail.example.com", "MAIL.Example.com."));
  EXPECT_FALSE(mx_pattern_matches("mail.example.com", "mail2.example.com"));
  EXPECT_TRUE(mx_pattern_matches("*.example.com", "mx1.example.com"));
  EXPECT_FALSE(mx_pattern_matches("*.example.com", "example.com"));
  EXPECT_FALSE(mx_pattern_matches("*.example.com", "foo.mx1.example.com"));
  EXPECT_FALSE(mx_pattern_matches("*.example.com", "mx1.example.community"));
  EXPECT_FALSE(mx_pattern_matches("*.example.com", ".example.com"));
}

// §4.2 / §5: enforce → CA-valid TLS for matching hosts, non-matching hosts are not used;
// testing → deliver as usual (and report).
TEST(MtaSts, HostPolicy) {
  StsPolicy p;
  p.mode = StsMode::enforce;
  p.mx = {"*.example.test"};
  p.max_age = 3600;
  EXPECT_EQ(sts_host_policy(p, "mx.example.test").level, TlsLevel::pkix);
  EXPECT_EQ(sts_host_policy(p, "mx.evil.test").level, TlsLevel::unreachable);
  p.mode = StsMode::testing;
  EXPECT_EQ(sts_host_policy(p, "mx.evil.test").level, TlsLevel::opportunistic);
  EXPECT_NE(sts_host_policy(p, "mx.evil.test").reason.find("NOT"), std::string::npos);
  p.mode = StsMode::none;
  EXPECT_EQ(sts_host_policy(p, "mx.evil.test").level, TlsLevel::opportunistic);
}

// §3.3 / §5.1: same id and fresh → cache; new or changed id → fetch; record gone → cached
// policy while fresh, else none.
TEST(MtaSts, NextStep) {
  CachedStsPolicy cached;
  cached.id = "one";
  cached.fetched = 1000;
  cached.policy.max_age = 100;
  Result<StsRecord> same = StsRecord{"one"};
  Result<StsRecord> changed = StsRecord{"two"};
  Result<StsRecord> gone = make_error(Errc::not_found, "no record");
  EXPECT_EQ(next_sts_step(same, &cached, 1050), StsStep::use_cache);
  EXPECT_EQ(next_sts_step(changed, &cached, 1050), StsStep::fetch);
  EXPECT_EQ(next_sts_step(same, &cached, 1100), StsStep::fetch);  // expired
  EXPECT_EQ(next_sts_step(same, nullptr, 1050), StsStep::fetch);
  EXPECT_EQ(next_sts_step(gone, &cached, 1050), StsStep::use_cache);
  EXPECT_EQ(next_sts_step(gone, &cached, 1100), StsStep::none);
  EXPECT_EQ(next_sts_step(gone, nullptr, 1050), StsStep::none);
}

TEST(MtaSts, CacheKeepsPoliciesAcrossRestarts) {
  auto dir = std::filesystem::temp_directory_path() /
             ("facteur-mta-sts-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  CachedStsPolicy c;
  c.id = "abc123";
  c.fetched = 1700000000;
  c.body = "version: STSv1\nmode: enforce\nmx: mx.b.test\nmax_age: 86400\n";
  c.policy = *parse_sts_policy(c.body);
  {
    StsCache cache(dir);
    EXPECT_FALSE(cache.get("b.test"));
    cache.put("B.test", c);
    ASSERT_TRUE(cache.get("b.test"));
  }
  StsCache reopened(dir);
  auto back = reopened.get("b.test");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, "abc123");
  EXPECT_EQ(back->fetched, 1700000000);
  EXPECT_EQ(back->policy.mode, StsMode::enforce);
  EXPECT_EQ(back->policy.mx, std::vector<std::string>{"mx.b.test"});
  // A damaged file is no policy, not a crash.
  std::ofstream(dir / "c.test.policy") << "facteur-mta-sts 1 notanumber x\nversion: STSv1\n";
  EXPECT_FALSE(reopened.get("c.test"));
  EXPECT_FALSE(StsCache::deserialize("garbage"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace facteur::queue
