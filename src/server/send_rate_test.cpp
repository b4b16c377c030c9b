#include "server/send_rate.hpp"

#include <gtest/gtest.h>

namespace facteur::server {
namespace {

using namespace std::chrono_literals;

TEST(SendRateLimiter, BurstUpToTheHourlyAllowanceThenRefill) {
  SendRateLimiter limiter(3, 0);
  auto t0 = SendRateLimiter::Clock::time_point{} + 10h;
  EXPECT_TRUE(limiter.take_message("alice@a.test", t0));
  EXPECT_TRUE(limiter.take_message("alice@a.test", t0));
  EXPECT_TRUE(limiter.take_message("alice@a.test", t0));
  EXPECT_FALSE(limiter.take_message("alice@a.test", t0));
  EXPECT_TRUE(limiter.take_message("bob@a.test", t0));  // per account
  // 3 per hour: one more every 20 minutes.
  EXPECT_FALSE(limiter.take_message("alice@a.test", t0 + 19min));
  EXPECT_TRUE(limiter.take_message("alice@a.test", t0 + 21min));
  EXPECT_TRUE(limiter.take_recipients("alice@a.test", 1'000'000, t0));  // 0: no limit
}

TEST(SendRateLimiter, RecipientsAreCountedTogether) {
  SendRateLimiter limiter(0, 10);
  auto t0 = SendRateLimiter::Clock::time_point{} + 10h;
  EXPECT_TRUE(limiter.take_recipients("a", 6, t0));
  EXPECT_FALSE(limiter.take_recipients("a", 6, t0));  // nothing taken on refusal
  EXPECT_TRUE(limiter.take_recipients("a", 4, t0));
  EXPECT_FALSE(limiter.take_recipients("a", 1, t0));
}

}  // namespace
}  // namespace facteur::server
