#include "server/greylist.hpp"

#include <gtest/gtest.h>

namespace facteur::server {
namespace {

using namespace std::chrono_literals;
namespace ip = boost::asio::ip;

const Greylist::Clock::time_point kT0 = Greylist::Clock::time_point{} + 1000h;

GreylistSettings settings() {
  GreylistSettings s;
  s.enabled = true;
  s.delay = 300s;
  s.retry_window = 4h;
  s.expiry = 36 * 24h;
  s.max_entries = 1000;
  return s;
}

TEST(Greylist, ClientNetworks) {
  // RFC 6647 §4.2: a sender's retries may come from another address of its pool.
  EXPECT_EQ(Greylist::client_network(ip::make_address("192.0.2.77")), "192.0.2.0/24");
  EXPECT_EQ(Greylist::client_network(ip::make_address("::ffff:192.0.2.77")), "192.0.2.0/24");
  EXPECT_EQ(Greylist::client_network(ip::make_address("2001:db8:0:7:1::5")), "2001:db8:0:7::/64");
}

TEST(Greylist, FirstSightRefusedRetryAfterTheDelayPasses) {
  Greylist g(settings());
  auto r = g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0);
  ASSERT_TRUE(r);
  // RFC 6647 §2.1: a temporary failure; 451 4.7.1 as is common practice.
  EXPECT_EQ(r->code, 451);
  EXPECT_EQ(r->enhanced, "4.7.1");
  r = g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0 + 299s);  // too early
  ASSERT_TRUE(r);
  EXPECT_NE(r->text.find("1 seconds"), std::string::npos) << r->text;
  EXPECT_FALSE(g.check("192.0.2.0/24", "A@B.example", "U@a.test", kT0 + 300s));
  // Passed: no more delay for this triplet, for as long as it is used within the expiry.
  EXPECT_FALSE(g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0 + 301s));
  EXPECT_FALSE(g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0 + 30 * 24h));
  EXPECT_FALSE(g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0 + 60 * 24h));
  EXPECT_TRUE(g.check("192.0.2.0/24", "a@b.example", "u@a.test", kT0 + 100 * 24h));  // expired
  // Each part of the triplet counts.
  EXPECT_TRUE(g.check("198.51.100.0/24", "a@b.example", "u@a.test", kT0 + 301s));
  EXPECT_TRUE(g.check("192.0.2.0/24", "c@b.example", "u@a.test", kT0 + 301s));
  EXPECT_TRUE(g.check("192.0.2.0/24", "a@b.example", "v@a.test", kT0 + 301s));
}

TEST(Greylist, RetryTooLateStartsOver) {
  Greylist g(settings());
  EXPECT_TRUE(g.check("n", "s", "r", kT0));
  EXPECT_TRUE(g.check("n", "s", "r", kT0 + 5h));  // past the retry window: a new first sight
  EXPECT_TRUE(g.check("n", "s", "r", kT0 + 5h + 10s));
  EXPECT_FALSE(g.check("n", "s", "r", kT0 + 5h + 300s));
}

TEST(Greylist, TheSeparatorCannotBeForged) {
  Greylist g(settings());
  EXPECT_TRUE(g.check("n", "a", "b", kT0));
  EXPECT_FALSE(g.check("n", "a", "b", kT0 + 300s));
  EXPECT_TRUE(g.check("n", "", std::string_view("a\0b", 3), kT0 + 300s));
  EXPECT_TRUE(g.check("na", "", "b", kT0 + 300s));
}

TEST(Greylist, BoundedMemory) {
  auto s = settings();
  s.max_entries = 50;
  Greylist g(s);
  for (int i = 0; i < 10000; ++i)
    g.check("n", "spray" + std::to_string(i) + "@x.example", "u@a.test", kT0);
  EXPECT_EQ(g.size(), 50u);
  // The most recent ones are still known.
  EXPECT_FALSE(g.check("n", "spray9999@x.example", "u@a.test", kT0 + 300s));
  EXPECT_TRUE(g.check("n", "spray0@x.example", "u@a.test", kT0 + 300s));
}

}  // namespace
}  // namespace facteur::server
