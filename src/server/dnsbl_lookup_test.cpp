#include "server/dnsbl_lookup.hpp"

#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "dns/fake_resolver.hpp"
#include "filter/message_view.hpp"

namespace facteur::server {
namespace {

namespace asio = boost::asio;
using asio::ip::make_address;
using asio::ip::make_address_v4;

// RFC 5782 §2.1: the IPv4 octets reversed, then the zone.
TEST(DnsblNames, Ipv4OctetsReversed) {
  EXPECT_EQ(dnsbl_client_name(make_address("192.0.2.99"), "bad.example.com"),
            "99.2.0.192.bad.example.com");
  // §5: 127.0.0.2 is the test entry every list must have.
  EXPECT_EQ(dnsbl_client_name(make_address("127.0.0.2"), "zen.example.org"),
            "2.0.0.127.zen.example.org");
}

// RFC 5782 §2.4: 32 nibbles in reverse order, dot-separated (the §2.4 example address).
TEST(DnsblNames, Ipv6NibblesReversed) {
  EXPECT_EQ(dnsbl_client_name(make_address("2001:db8:1:2:3:4:567:89ab"), "ugly.example.com"),
            "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com");
  EXPECT_EQ(dnsbl_client_name(make_address("::1"), "z.test"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.z.test");
  // A v4-mapped address (a dual-stack listener's view of an IPv4 client) is an IPv4 client.
  EXPECT_EQ(dnsbl_client_name(make_address("::ffff:192.0.2.99"), "z.test"), "99.2.0.192.z.test");
}

// RFC 5782 §3: domain lists are asked "domain.zone"; names go in lower case A-label form.
TEST(DnsblNames, DomainNormalisation) {
  struct Case {
    std::string in;
    std::optional<std::string> out;
  };
  const Case cases[] = {
      {"Example.COM", "example.com"},
      {"example.com.", "example.com"},
      {"bücher.example", "xn--bcher-kva.example"},  // RFC 3492 / IDNA A-label
      {"BÜCHER.example", "xn--bcher-kva.example"},  // U-labels are lower case (RFC 5891 §5.3)
      {"xn--bcher-kva.example", "xn--bcher-kva.example"},
      {"пример.испытание", "xn--e1afmkfd.xn--80akhbyknj4f"},
      {"_dmarc.example.com", "_dmarc.example.com"},
      {"", std::nullopt},
      {".", std::nullopt},
      {"a..b", std::nullopt},
      {"exa mple.com", std::nullopt},
      {"evil.example/x", std::nullopt},
      {"192.0.2.1", std::nullopt},  // an address is not a domain
      {"[2001:db8::1]", std::nullopt},
      {"\xff\xfe.example", std::nullopt},      // not UTF-8
      {"\xc0\xae.example", std::nullopt},      // overlong encoding of '.'
      {"\xed\xa0\x80.example", std::nullopt},  // a surrogate
      {std::string(64, 'a') + ".example", std::nullopt},
      {std::string(63, 'a') + ".example", std::string(63, 'a') + ".example"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(dnsbl_normalize_domain(c.in), c.out) << c.in;

  EXPECT_EQ(dnsbl_domain_name("Evil.Example", "dbl.example.org"), "evil.example.dbl.example.org");
  // 253 bytes at most in all (RFC 1035 §3.1 as RFC 5782 §2.1 relies on).
  std::string long_domain;
  for (int i = 0; i < 4; ++i)
    long_domain += std::string(60, 'a' + i) + ".";
  long_domain += "test";
  ASSERT_TRUE(dnsbl_normalize_domain(long_domain));
  EXPECT_FALSE(dnsbl_domain_name(long_domain, "dbl.example.org"));
}

// RFC 5782 §2.3: listings answer with A records in 127.0.0.0/8; the big lists answer
// 127.255.255.x to refused or malformed queries, and URI lists 127.0.0.1 to blocked ones.
TEST(DnsblCodes, OnlyListingCodesCount) {
  DnsblZone any{"bl.test", 1.0, {}, false};
  DnsblZone ranged{"zen.test", 1.0, {{0x7F000002u, 0x7F00000Bu}}, false};
  struct Case {
    const char* code;
    bool any;
    bool ranged;
  };
  const Case cases[] = {
      {"127.0.0.2", true, true},         {"127.0.0.11", true, true},
      {"127.0.0.12", true, false},       {"127.0.1.2", true, false},
      {"127.0.0.1", false, false},       {"127.255.255.254", false, false},
      {"127.255.255.252", false, false}, {"127.255.255.255", false, false},
      {"10.0.0.2", false, false},        {"192.0.2.2", false, false},
      {"0.0.0.0", false, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(dnsbl_code_accepted(make_address_v4(c.code), any), c.any) << c.code;
    EXPECT_EQ(dnsbl_code_accepted(make_address_v4(c.code), ranged), c.ranged) << c.code;
  }
}

std::string message_with_links(const std::vector<std::string>& hosts,
                               std::string_view from = "Spam <spam@sender.example>") {
  std::string m = "From: " + std::string(from) +
                  "\r\nTo: a@example.test\r\nSubject: offers\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: text/html\r\n\r\n<html><body>\r\n";
  for (const auto& h : hosts)
    m += "<p><a href=\"http://" + h + "/offer\">offer</a></p>\r\n";
  m += "</body></html>\r\n";
  return m;
}

TEST(DnsblDomains, RegistrableLinkDomainsOnceEachBounded) {
  std::vector<std::string> hosts = {"www.shop.example",  "cdn.shop.example", "198.51.100.7",
                                    "mail.example.test", "localhost",        "Track.Other.Example"};
  for (int i = 0; i < 40; ++i)
    hosts.push_back("d" + std::to_string(i) + ".many.example" + std::to_string(i));
  auto bytes = message_with_links(hosts);
  auto view = filter::MessageView::analyze(bytes);
  const std::vector<std::string> local = {"example.test"};

  auto domains = dnsbl_message_domains(view, "bounce@envelope.example", false, local, 20);
  ASSERT_EQ(domains.size(), 20u);         // the per-message limit
  EXPECT_EQ(domains[0], "shop.example");  // www. and cdn. are one registrable domain
  EXPECT_EQ(domains[1], "other.example");
  EXPECT_EQ(std::set<std::string>(domains.begin(), domains.end()).size(), domains.size());
  for (const auto& d : domains) {
    EXPECT_NE(d, "198.51.100.7");  // IP hosts go to client lists, not domain lists
    EXPECT_NE(d, "example.test");  // ours
    EXPECT_NE(d, "localhost");     // one label
  }
  EXPECT_EQ(dnsbl_message_domains(view, "", false, local, 3).size(), 3u);
  EXPECT_TRUE(dnsbl_message_domains(view, "", false, local, 0).empty());

  auto with_senders = dnsbl_message_domains(view, "bounce@Envelope.Example", true, local, 20);
  ASSERT_GE(with_senders.size(), 3u);
  EXPECT_EQ(with_senders[0], "envelope.example");
  EXPECT_EQ(with_senders[1], "sender.example");
  EXPECT_EQ(with_senders[2], "shop.example");
}

TEST(DnsblDomains, IdnLinkHostsAsALabels) {
  auto bytes =
      message_with_links({"www.b\xc3\xbc"
                          "cher.example"});
  auto view = filter::MessageView::analyze(bytes);
  auto domains = dnsbl_message_domains(view, "", false, {}, 20);
  ASSERT_EQ(domains.size(), 1u);
  EXPECT_EQ(domains[0], "xn--bcher-kva.example");
}

// Answers nothing for names in `slow` until cancelled (or an hour passes), as an unreachable
// list server would; the rest from a FakeResolver.
class SlowResolver final : public dns::Resolver {
 public:
  dns::FakeResolver zone;
  std::set<std::string> slow;
  net::awaitable<dns::Answer> query(std::string name, dns::RType type) override {
    if (slow.contains(name)) {
      asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(1));
      co_await timer.async_wait(net::use_nothrow);
      co_return dns::Answer{};  // temp_failure
    }
    co_return zone.lookup(name, type);
  }
};

template <class T>
T run(net::awaitable<T> task) {
  asio::io_context io;
  auto future = asio::co_spawn(io, std::move(task), asio::use_future);
  io.run();
  return future.get();
}

struct DnsblCheckerTest : ::testing::Test {
  DnsblCheckerTest() {
    settings.enabled = true;
    settings.client_zones = {{"zen.test", 4.0, {{0x7F000002u, 0x7F00000Bu}}, true},
                             {"bl.test", 1.0, {}, false}};
    settings.domain_zones = {{"dbl.test", 3.0, {}, false}};
    resolver = std::make_shared<SlowResolver>();
  }
  std::vector<filter::DnsblHit> check(const DnsblRequest& request) {
    DnsblChecker checker(settings, resolver);
    return run(checker.check(request));
  }
  DnsblSettings settings;
  std::shared_ptr<SlowResolver> resolver;
};

std::set<std::string> described(const std::vector<filter::DnsblHit>& hits) {
  std::set<std::string> out;
  for (const auto& h : hits)
    out.insert(h.what + " in " + h.zone);
  return out;
}

TEST_F(DnsblCheckerTest, ListedClientAndDomainsScoreTheirZonesPoints) {
  resolver->zone.add_a("2.0.0.127.zen.test", "127.0.0.2");  // RFC 5782 §5 test entry
  resolver->zone.add_a("2.0.0.127.bl.test", "127.0.0.2");
  resolver->zone.add_a("evil.example.dbl.test", "127.0.1.2");
  resolver->zone.add_a("xn--bcher-kva.example.dbl.test", "127.0.1.2");
  DnsblRequest request;
  request.client = make_address("127.0.0.2");
  request.domains = {"Evil.Example", "good.example", "bücher.example"};
  auto hits = check(request);
  EXPECT_EQ(described(hits), (std::set<std::string>{"127.0.0.2 in zen.test", "127.0.0.2 in bl.test",
                                                    "evil.example in dbl.test",
                                                    "xn--bcher-kva.example in dbl.test"}));
  for (const auto& h : hits)
    EXPECT_EQ(h.points, h.zone == "zen.test" ? 4.0 : h.zone == "bl.test" ? 1.0 : 3.0);
}

TEST_F(DnsblCheckerTest, ErrorCodesFailuresAndUnlistedScoreNothing) {
  // Spamhaus-style "query refused" (127.255.255.254) and a code outside the zone's ranges.
  resolver->zone.add_a("9.2.0.192.zen.test", "127.255.255.254");
  resolver->zone.add_a("9.2.0.192.bl.test",
                       "10.0.0.2");  // outside 127/8: a wildcard, not a listing
  resolver->zone.add_a("refused.example.dbl.test", "127.255.255.254");
  resolver->zone.add_a("blocked.example.dbl.test", "127.0.0.1");
  resolver->zone.fail("broken.example.dbl.test");  // SERVFAIL: fail open
  DnsblRequest request;
  request.client = make_address("192.0.2.9");
  request.domains = {"refused.example", "blocked.example", "broken.example", "clean.example"};
  EXPECT_TRUE(check(request).empty());
  EXPECT_EQ(resolver->zone.queries().size(), 6u);  // all were asked
}

TEST_F(DnsblCheckerTest, NoClientNoClientQueries) {
  DnsblRequest request;  // trusted or authenticated: no client address given
  request.domains = {"a.example"};
  EXPECT_TRUE(check(request).empty());
  ASSERT_EQ(resolver->zone.queries().size(), 1u);
  EXPECT_EQ(resolver->zone.queries()[0].first, "a.example.dbl.test");
}

TEST_F(DnsblCheckerTest, DomainsPerMessageAreBounded) {
  settings.max_domains = 5;
  DnsblRequest request;
  for (int i = 0; i < 50; ++i)
    request.domains.push_back("d" + std::to_string(i) + ".example");
  request.domains.insert(request.domains.begin(), 3, "dup.example");  // counted once
  check(request);
  ASSERT_EQ(resolver->zone.queries().size(), 5u);
  EXPECT_EQ(resolver->zone.queries()[0].first, "dup.example.dbl.test");
  EXPECT_EQ(resolver->zone.queries()[4].first, "d3.example.dbl.test");
}

TEST_F(DnsblCheckerTest, DisabledAsksNothing) {
  settings.enabled = false;
  DnsblRequest request;
  request.client = make_address("127.0.0.2");
  request.domains = {"a.example"};
  EXPECT_TRUE(check(request).empty());
  EXPECT_TRUE(resolver->zone.queries().empty());
}

TEST_F(DnsblCheckerTest, AnswersAreCachedBriefly) {
  resolver->zone.add_a("2.0.0.127.zen.test", "127.0.0.2");
  DnsblChecker checker(settings, resolver);
  DnsblRequest request;
  request.client = make_address("127.0.0.2");
  request.domains = {"a.example"};
  EXPECT_EQ(run(checker.check(request)).size(), 1u);
  EXPECT_EQ(resolver->zone.queries().size(), 3u);
  EXPECT_EQ(checker.cached(), 3u);  // listed, unlisted and NXDOMAIN alike
  EXPECT_EQ(run(checker.check(request)).size(), 1u);
  EXPECT_EQ(resolver->zone.queries().size(), 3u);  // nothing asked again

  settings.cache_entries = 2;  // bounded: the least recently used goes
  DnsblChecker small(settings, resolver);
  run(small.check(request));
  EXPECT_EQ(small.cached(), 2u);
}

TEST_F(DnsblCheckerTest, LookupsRunConcurrentlyWithinTheTimeout) {
  settings.timeout = std::chrono::milliseconds(300);
  resolver->zone.add_a("fast.example.dbl.test", "127.0.0.2");
  for (int i = 0; i < 10; ++i)
    resolver->slow.insert("slow" + std::to_string(i) + ".example.dbl.test");
  DnsblRequest request;
  for (int i = 0; i < 10; ++i)
    request.domains.push_back("slow" + std::to_string(i) + ".example");
  request.domains.push_back("fast.example");
  auto start = std::chrono::steady_clock::now();
  DnsblChecker checker(settings, resolver);
  auto hits = run(checker.check(request));
  auto took = std::chrono::steady_clock::now() - start;
  // One timeout for all (not one per query), the slow ones cancelled, the fast answer kept.
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_EQ(described(hits), std::set<std::string>{"fast.example in dbl.test"});
  EXPECT_EQ(checker.cached(), 1u);  // the unanswered are not remembered
}

TEST_F(DnsblCheckerTest, RejectingZoneOnlyForZonesMarkedReject) {
  resolver->zone.add_a("2.0.0.127.zen.test", "127.0.0.2");
  resolver->zone.add_a("3.0.0.127.bl.test", "127.0.0.2");
  DnsblChecker checker(settings, resolver);
  EXPECT_EQ(run(checker.rejecting_zone(make_address("127.0.0.2"))), "zen.test");
  EXPECT_EQ(run(checker.rejecting_zone(make_address("127.0.0.3"))), std::nullopt);  // bl.test
  settings.client_zones[0].reject = false;
  DnsblChecker lenient(settings, resolver);
  resolver->zone.clear_queries();
  EXPECT_EQ(run(lenient.rejecting_zone(make_address("127.0.0.2"))), std::nullopt);
  EXPECT_TRUE(resolver->zone.queries().empty());  // no zone rejects: nothing asked
}

}  // namespace
}  // namespace facteur::server
