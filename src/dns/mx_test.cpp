// MX routing per RFC 5321 §5.1 and RFC 7505 over the FakeResolver.
#include "dns/mx.hpp"

#include <random>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "dns/fake_resolver.hpp"

namespace facteur::dns {
namespace {

Result<std::vector<MxHost>> route(
    FakeResolver& resolver, std::string domain, RandomSource random = [] { return 0u; }) {
  boost::asio::io_context io;
  Result<std::vector<MxHost>> out = make_error(Errc::internal, "not run");
  boost::asio::co_spawn(
      io, [&]() -> net::awaitable<void> { out = co_await resolve_mx(resolver, domain, random); },
      boost::asio::detached);
  io.run();
  return out;
}

std::vector<std::string> hosts(const std::vector<MxHost>& list) {
  std::vector<std::string> out;
  for (const auto& h : list)
    out.push_back(h.host);
  return out;
}

TEST(MxRouting, OrdersByPreference) {
  FakeResolver r;
  r.add_mx("example.test", 20, "backup.example.test");
  r.add_mx("example.test", 10, "mx.example.test");
  r.add_mx("example.test", 30, "last.example.test.");
  auto route_list = route(r, "example.test");
  ASSERT_TRUE(route_list) << route_list.error().message;
  EXPECT_EQ(hosts(*route_list), (std::vector<std::string>{"mx.example.test", "backup.example.test",
                                                          "last.example.test"}));
  EXPECT_FALSE((*route_list)[0].implicit);
}

// RFC 7672 §2.2.1: DANE applies only when the MX RRset (or its denial) was validated.
TEST(MxRouting, CarriesDnssecStatus) {
  FakeResolver r;
  r.add_mx("signed.test", 10, "mx.signed.test");
  r.add_a("implicit.signed.test", "192.0.2.1");
  r.add_mx("plain.test", 10, "mx.signed.test");
  r.sign_zone("signed.test");
  auto secure = route(r, "signed.test");
  ASSERT_TRUE(secure);
  EXPECT_TRUE((*secure)[0].secure);
  auto implicit = route(r, "implicit.signed.test");
  ASSERT_TRUE(implicit);
  EXPECT_TRUE((*implicit)[0].implicit);
  EXPECT_TRUE((*implicit)[0].secure);
  auto insecure = route(r, "plain.test");
  ASSERT_TRUE(insecure);
  EXPECT_FALSE((*insecure)[0].secure);
}

// §5.1: hosts of equal preference are tried in random order.
TEST(MxRouting, ShufflesEqualPreferences) {
  std::vector<MxData> records{{10, "a"}, {10, "b"}, {10, "c"}, {5, "first"}, {20, "z"}};
  std::set<std::string> seen_first;
  std::mt19937 engine(42);
  for (int i = 0; i < 50; ++i) {
    auto ordered = order_mx(records, [&] { return static_cast<std::uint32_t>(engine()); });
    ASSERT_EQ(ordered.size(), 5u);
    EXPECT_EQ(ordered[0].host, "first");
    EXPECT_EQ(ordered[4].host, "z");
    seen_first.insert(ordered[1].host);
  }
  EXPECT_EQ(seen_first.size(), 3u);
}

TEST(MxRouting, ImplicitMxFromAddress) {
  FakeResolver r;
  r.add_a("bare.test", "192.0.2.7");
  auto list = route(r, "bare.test");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_TRUE((*list)[0].implicit);
  EXPECT_EQ((*list)[0].host, "bare.test");

  FakeResolver v6;
  v6.add_a("six.test", "2001:db8::25");
  EXPECT_TRUE(route(v6, "six.test"));
}

// RFC 7505 §3: "0 ." means the domain takes no mail: a permanent failure.
TEST(MxRouting, NullMxIsPermanent) {
  FakeResolver r;
  r.add_mx("nomail.test", 0, ".");
  r.add_a("nomail.test", "192.0.2.1");
  auto list = route(r, "nomail.test");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, Errc::permission_denied);
  EXPECT_FALSE(list.error().is_temporary());
}

TEST(MxRouting, ErrorClasses) {
  FakeResolver r;
  r.add_txt("noaddress.test", "hello");
  r.fail("flaky.test", RType::mx);
  r.fail("flakya.test", RType::a);
  r.add_name("flakya.test");

  auto nx = route(r, "missing.test");
  ASSERT_FALSE(nx);
  EXPECT_EQ(nx.error().code, Errc::not_found);
  EXPECT_FALSE(nx.error().is_temporary());

  auto none = route(r, "noaddress.test");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::not_found);

  auto temp = route(r, "flaky.test");
  ASSERT_FALSE(temp);
  EXPECT_TRUE(temp.error().is_temporary());

  auto temp_a = route(r, "flakya.test");
  ASSERT_FALSE(temp_a);
  EXPECT_TRUE(temp_a.error().is_temporary());

  auto bad = route(r, "bad..name");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
}

TEST(MxRouting, NullMxAmongOthersIsIgnoredAndDuplicatesDropped) {
  auto ordered = order_mx({{0, ""}, {10, "mx.test"}, {20, "MX.test"}}, [] { return 0u; });
  ASSERT_EQ(ordered.size(), 1u);
  EXPECT_EQ(ordered[0].host, "mx.test");
}

}  // namespace
}  // namespace facteur::dns
