#include "net/network_list.hpp"

#include <gtest/gtest.h>

#include "net/connection_limiter.hpp"

namespace facteur::net {
namespace {

namespace ip = boost::asio::ip;

TEST(NetworkList, MatchesV4AndV6Blocks) {
  auto list = NetworkList::parse({"127.0.0.0/8", "::1/128", "192.0.2.7", "2001:db8::/32"});
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_TRUE(list->contains(ip::make_address("127.3.4.5")));
  EXPECT_TRUE(list->contains(ip::make_address("::1")));
  EXPECT_TRUE(list->contains(ip::make_address("192.0.2.7")));
  EXPECT_FALSE(list->contains(ip::make_address("192.0.2.8")));
  EXPECT_TRUE(list->contains(ip::make_address("2001:db8:1::5")));
  EXPECT_FALSE(list->contains(ip::make_address("2001:db9::5")));
  EXPECT_TRUE(list->contains(ip::make_address("::ffff:127.0.0.1")));  // v4-mapped
  EXPECT_FALSE(list->contains(ip::make_address("10.0.0.1")));
}

TEST(NetworkList, OddPrefixesAndErrors) {
  auto list = NetworkList::parse({"10.1.128.0/17"});
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->contains(ip::make_address("10.1.200.1")));
  EXPECT_FALSE(list->contains(ip::make_address("10.1.127.1")));
  EXPECT_FALSE(NetworkList::parse({"10.0.0.0/33"}));
  EXPECT_FALSE(NetworkList::parse({"nonsense"}));
  EXPECT_FALSE(NetworkList::parse({"::/129"}));
  auto all = NetworkList::parse({"0.0.0.0/0"});
  EXPECT_TRUE(all->contains(ip::make_address("203.0.113.9")));
}

TEST(ClientNetwork, Ipv6CountsByItsSlash64) {
  using boost::asio::ip::make_address;
  EXPECT_EQ(client_network(make_address("192.0.2.7")), make_address("192.0.2.7"));
  EXPECT_EQ(client_network(make_address("::ffff:192.0.2.7")), make_address("192.0.2.7"));
  EXPECT_EQ(client_network(make_address("2001:db8:1:2:aaaa::1")), make_address("2001:db8:1:2::"));
  EXPECT_EQ(client_network(make_address("2001:db8:1:2:bbbb::9")),
            client_network(make_address("2001:db8:1:2::1")));
  EXPECT_NE(client_network(make_address("2001:db8:1:3::1")),
            client_network(make_address("2001:db8:1:2::1")));
}

TEST(ConnectionLimiter, PerClientCapCoversAWholeIpv6Slash64) {
  using boost::asio::ip::make_address;
  auto limiter = std::make_shared<ConnectionLimiter>(100, 2);
  auto a = limiter->try_admit(make_address("2001:db8::1"), false);
  auto b = limiter->try_admit(make_address("2001:db8::2"), false);
  ASSERT_TRUE(a.ticket && b.ticket);
  // A third address of the same /64 is the same client.
  auto c = limiter->try_admit(make_address("2001:db8::3"), false);
  EXPECT_FALSE(c.ticket);
  EXPECT_EQ(c.refusal, ConnectionLimiter::Refusal::per_address);
  // Another /64 is another client.
  auto other = limiter->try_admit(make_address("2001:db8:0:1::1"), false);
  EXPECT_TRUE(other.ticket);
  // Releasing one slot of the /64 lets the next one in.
  b.ticket.reset();
  auto d = limiter->try_admit(make_address("2001:db8::4"), false);
  EXPECT_TRUE(d.ticket);
  EXPECT_EQ(limiter->active(), 3u);
}

}  // namespace
}  // namespace facteur::net
