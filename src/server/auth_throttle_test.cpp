#include "server/auth_throttle.hpp"

#include <gtest/gtest.h>

namespace facteur::server {
namespace {

using std::chrono::milliseconds;

TEST(AuthThrottle, DelayDoublesPerFailureUpToTheCap) {
  AuthThrottle t(milliseconds(100), milliseconds(350));
  EXPECT_EQ(t.delay_for("192.0.2.1", "alice").count(), 0);
  t.record_failure("192.0.2.1", "alice");
  EXPECT_EQ(t.delay_for("192.0.2.1", "alice").count(), 100);
  t.record_failure("192.0.2.1", "alice");
  EXPECT_EQ(t.delay_for("192.0.2.1", "alice").count(), 200);
  t.record_failure("192.0.2.1", "alice");
  EXPECT_EQ(t.delay_for("192.0.2.1", "alice").count(), 350);
}

TEST(AuthThrottle, CountsPerAddressAndPerAccount) {
  AuthThrottle t(milliseconds(100), milliseconds(1000));
  t.record_failure("192.0.2.1", "alice");
  // Another address guessing the same account is slowed down too, and the same address trying
  // another account as well.
  EXPECT_EQ(t.delay_for("198.51.100.7", "alice").count(), 100);
  EXPECT_EQ(t.delay_for("192.0.2.1", "bob").count(), 100);
  EXPECT_EQ(t.delay_for("198.51.100.7", "bob").count(), 0);
  t.record_success("192.0.2.1", "alice");
  EXPECT_EQ(t.delay_for("192.0.2.1", "alice").count(), 0);
}

TEST(AuthThrottle, StaysBounded) {
  AuthThrottle t(milliseconds(100), milliseconds(1000), 10);
  for (int i = 0; i < 100; ++i)
    t.record_failure("10.0.0." + std::to_string(i), "");
  // The table never grows past its limit; recent entries may be forgotten, never the process.
  EXPECT_LE(t.delay_for("10.0.0.99", "").count(), 100);
}

}  // namespace
}  // namespace facteur::server
