#include "dns/cache.hpp"

#include <gtest/gtest.h>

namespace facteur::dns {
namespace {

Answer answer_with_ttl(std::uint32_t ttl, Status status = Status::ok) {
  Answer a;
  a.status = status;
  a.ttl = ttl;
  if (status == Status::ok) {
    a.records.push_back({"x.test", 1, 1, ttl, boost::asio::ip::make_address_v4("192.0.2.1")});
  }
  return a;
}

TEST(DnsCache, ExpiresAfterTtlAndAgesRecords) {
  Cache cache;
  auto t0 = Cache::Clock::time_point{} + std::chrono::hours(1);
  cache.put("X.test.", RType::a, answer_with_ttl(100), t0);
  auto hit = cache.get("x.test", RType::a, t0 + std::chrono::seconds(40));
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->ttl, 60u);
  EXPECT_EQ(hit->records[0].ttl, 60u);
  EXPECT_FALSE(cache.get("x.test", RType::aaaa, t0));
  EXPECT_FALSE(cache.get("x.test", RType::a, t0 + std::chrono::seconds(100)));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(DnsCache, KeepsNegativeAnswersNotFailures) {
  Cache cache(CacheLimits{10, 86400, 50});
  auto t0 = Cache::Clock::time_point{} + std::chrono::hours(1);
  cache.put("nx.test", RType::a, answer_with_ttl(3600, Status::nxdomain), t0);
  cache.put("tf.test", RType::a, answer_with_ttl(3600, Status::temp_failure), t0);
  cache.put("zero.test", RType::a, answer_with_ttl(0), t0);
  EXPECT_TRUE(cache.get("nx.test", RType::a, t0 + std::chrono::seconds(49)));
  EXPECT_FALSE(cache.get("nx.test", RType::a, t0 + std::chrono::seconds(50)));  // capped
  EXPECT_FALSE(cache.get("tf.test", RType::a, t0));
  EXPECT_FALSE(cache.get("zero.test", RType::a, t0));
}

TEST(DnsCache, EvictsLeastRecentlyUsed) {
  Cache cache(CacheLimits{2, 86400, 3600});
  auto t0 = Cache::Clock::time_point{} + std::chrono::hours(1);
  cache.put("a.test", RType::a, answer_with_ttl(100), t0);
  cache.put("b.test", RType::a, answer_with_ttl(100), t0);
  EXPECT_TRUE(cache.get("a.test", RType::a, t0));  // a is now the most recent
  cache.put("c.test", RType::a, answer_with_ttl(100), t0);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.get("a.test", RType::a, t0));
  EXPECT_FALSE(cache.get("b.test", RType::a, t0));
  EXPECT_TRUE(cache.get("c.test", RType::a, t0));
}

}  // namespace
}  // namespace facteur::dns
