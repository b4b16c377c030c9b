#include "net/network_list.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace facteur::net
