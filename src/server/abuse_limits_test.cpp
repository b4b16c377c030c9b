#include "server/abuse_limits.hpp"

#include <gtest/gtest.h>

namespace facteur::server {
namespace {

using namespace std::chrono_literals;
namespace ip = boost::asio::ip;

const AbuseClock::time_point kT0 = AbuseClock::time_point{} + 100h;

RateLimitSettings settings() {
  RateLimitSettings s;
  s.connections_per_minute = 3;
  s.messages_per_minute = 4;
  s.messages_per_hour = 10;
  s.sender_messages_per_hour = 0;
  s.recipient_messages_per_hour = 0;
  s.max_tracked = 1000;
  s.tarpit_delay = 100ms;
  s.tarpit_max_delay = 1000ms;
  s.tarpit_forget = 60s;
  return s;
}

TEST(ClientKey, Ipv4AsIsIpv6ByItsSlash64) {
  EXPECT_EQ(client_key(ip::make_address("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(client_key(ip::make_address("::ffff:192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(client_key(ip::make_address("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key(ip::make_address("2001:db8:1:2:bbbb::9")),
            client_key(ip::make_address("2001:db8:1:2::1")));
  EXPECT_NE(client_key(ip::make_address("2001:db8:1:3::1")),
            client_key(ip::make_address("2001:db8:1:2::1")));
}

TEST(KeyedBuckets, BurstThenContinuousRefill) {
  KeyedBuckets b(6, 60s, 10);  // 6 per minute: one every 10 s
  for (int i = 0; i < 6; ++i)
    EXPECT_TRUE(b.take("a", kT0)) << i;
  EXPECT_FALSE(b.take("a", kT0));
  EXPECT_FALSE(b.available("a", kT0 + 9s));
  EXPECT_TRUE(b.available("a", kT0 + 10s));
  EXPECT_TRUE(b.take("a", kT0 + 10s));
  EXPECT_FALSE(b.take("a", kT0 + 10s));
  EXPECT_TRUE(b.take("b", kT0));  // per key
  // Never more than the capacity, however long the pause.
  for (int i = 0; i < 6; ++i)
    EXPECT_TRUE(b.take("a", kT0 + 10h));
  EXPECT_FALSE(b.take("a", kT0 + 10h));
}

TEST(KeyedBuckets, ZeroCapacityIsNoLimit) {
  KeyedBuckets b(0, 60s, 10);
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(b.take("a", kT0));
  EXPECT_EQ(b.size(), 0u);
}

TEST(KeyedBuckets, BoundedByForgettingTheLeastRecentlyUsed) {
  KeyedBuckets b(1, 3600s, 3);
  EXPECT_TRUE(b.take("a", kT0));
  EXPECT_TRUE(b.take("b", kT0));
  EXPECT_TRUE(b.take("c", kT0));
  EXPECT_FALSE(b.take("a", kT0));  // touches a: b is now the oldest
  EXPECT_TRUE(b.take("d", kT0));   // evicts b
  EXPECT_EQ(b.size(), 3u);
  EXPECT_FALSE(b.take("a", kT0));  // still tracked
  EXPECT_TRUE(b.take("b", kT0));   // forgotten: a fresh allowance (evicts c)
  // A spray of a million keys never holds more than the cap.
  for (int i = 0; i < 100000; ++i)
    b.take("spray" + std::to_string(i), kT0);
  EXPECT_EQ(b.size(), 3u);
}

TEST(AbuseLimiter, ConnectionRateGives421) {
  AbuseLimiter l(settings());
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(l.on_connect("192.0.2.1", kT0));
  auto refusal = l.on_connect("192.0.2.1", kT0);
  ASSERT_TRUE(refusal);
  // RFC 5321 §3.8 (421 then close), RFC 3463 §3.8 (X.7.0 security or policy status).
  EXPECT_EQ(refusal->code, 421);
  EXPECT_EQ(refusal->enhanced, "4.7.0");
  EXPECT_FALSE(l.on_connect("192.0.2.2", kT0));  // another client is not affected
  EXPECT_FALSE(l.on_connect("192.0.2.1", kT0 + 20s));
}

TEST(AbuseLimiter, MessageRatePerMinuteAndPerHour) {
  AbuseLimiter l(settings());
  auto t = kT0;
  int accepted = 0;
  // 4 a minute, 10 an hour: a client trying every 11 s for nearly an hour (last try at 3509 s)
  // gets the hour's 10 through, then one more per 6 minutes as the bucket refills: 9 more.
  for (int i = 0; i < 320; ++i, t += 11s) {
    auto r = l.on_mail("198.51.100.1", "a@b.example", t);
    if (!r) {
      ++accepted;
    } else {
      // RFC 5321 §4.2.5 (450: transient, try later), RFC 3463 §3.8 (X.7.1 not authorized).
      EXPECT_EQ(r->code, 450);
      EXPECT_EQ(r->enhanced, "4.7.1");
    }
  }
  EXPECT_EQ(accepted, 10 + 9);
  // The minute window alone: 4 at once, then refused.
  AbuseLimiter m(settings());
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(m.on_mail("c", "", kT0));
  EXPECT_TRUE(m.on_mail("c", "", kT0));
  EXPECT_FALSE(m.on_mail("d", "", kT0));
  EXPECT_FALSE(m.on_mail("c", "", kT0 + 15s));
}

TEST(AbuseLimiter, RefusalsCostNoAllowance) {
  auto s = settings();
  s.messages_per_minute = 2;
  s.messages_per_hour = 3;
  AbuseLimiter l(s);
  EXPECT_FALSE(l.on_mail("c", "", kT0));
  EXPECT_FALSE(l.on_mail("c", "", kT0));
  for (int i = 0; i < 50; ++i)
    EXPECT_TRUE(l.on_mail("c", "", kT0));  // minute window empty: the hour one is not charged
  EXPECT_FALSE(l.on_mail("c", "", kT0 + 60s));
  EXPECT_TRUE(l.on_mail("c", "", kT0 + 60s));  // the hour's 3rd was the last
}

TEST(AbuseLimiter, SenderAndRecipientRates) {
  auto s = settings();
  s.messages_per_minute = 0;
  s.messages_per_hour = 0;
  s.sender_messages_per_hour = 2;
  s.recipient_messages_per_hour = 3;
  AbuseLimiter l(s);
  EXPECT_FALSE(l.on_mail("c1", "Bomber@Evil.example", kT0));
  EXPECT_FALSE(l.on_mail("c2", "bomber@evil.example", kT0));  // across clients, case-blind
  auto r = l.on_mail("c3", "bomber@evil.example", kT0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, 450);
  EXPECT_FALSE(l.on_mail("c3", "", kT0));  // the null reverse-path has no sender bucket
  EXPECT_FALSE(l.on_mail("c3", "other@evil.example", kT0));

  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(l.on_rcpt("c" + std::to_string(i), "victim@a.test", kT0));
  auto rr = l.on_rcpt("c9", "Victim@A.test", kT0);
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->code, 450);
  EXPECT_EQ(rr->enhanced, "4.7.1");
  EXPECT_FALSE(l.on_rcpt("c9", "someone-else@a.test", kT0));
}

TEST(AbuseLimiter, TarpitGrowsWithRefusalsIsCappedAndFades) {
  AbuseLimiter l(settings());
  const std::string c = "203.0.113.5";
  EXPECT_EQ(l.tarpit_delay(c, kT0), 0ms);
  for (int i = 0; i < 4; ++i)
    l.on_mail(c, "", kT0);  // within the allowance: no delay
  EXPECT_EQ(l.tarpit_delay(c, kT0), 0ms);
  l.on_mail(c, "", kT0);  // 1st refusal
  EXPECT_EQ(l.tarpit_delay(c, kT0), 100ms);
  l.on_mail(c, "", kT0);
  EXPECT_EQ(l.tarpit_delay(c, kT0), 200ms);
  l.on_mail(c, "", kT0);
  EXPECT_EQ(l.tarpit_delay(c, kT0), 400ms);
  for (int i = 0; i < 100; ++i)
    l.strike(c, kT0);
  EXPECT_EQ(l.tarpit_delay(c, kT0), 1000ms);           // capped
  EXPECT_EQ(l.tarpit_delay("203.0.113.6", kT0), 0ms);  // others are not slowed
  EXPECT_EQ(l.tarpit_delay(c, kT0 + 59s), 1000ms);
  EXPECT_EQ(l.tarpit_delay(c, kT0 + 61s), 0ms);  // forgiven after a quiet minute
  l.strike(c, kT0 + 62s);
  EXPECT_EQ(l.tarpit_delay(c, kT0 + 62s), 100ms);  // and starts over
}

TEST(AbuseLimiter, TarpitEntriesAreBounded) {
  auto s = settings();
  s.max_tracked = 10;
  AbuseLimiter l(s);
  for (int i = 0; i < 5000; ++i) {
    auto c = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    for (int j = 0; j < 5; ++j)
      l.on_connect(c, kT0);
    l.on_mail(c, "x" + std::to_string(i) + "@spray.example", kT0);
    l.on_rcpt(c, "r" + std::to_string(i) + "@a.test", kT0);
  }
  EXPECT_LE(l.tracked(), 6u * 10u);
}

}  // namespace
}  // namespace facteur::server
