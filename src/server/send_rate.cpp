#include "server/send_rate.hpp"

#include <algorithm>

namespace facteur::server {

bool SendRateLimiter::take(std::unordered_map<std::string, Bucket>& buckets, std::size_t per_hour,
                           const std::string& account, double count, Clock::time_point now) {
  if (per_hour == 0) return true;
  const double capacity = static_cast<double>(per_hour);
  std::lock_guard lock(mutex_);
  if (buckets.size() > 100'000) {
    // Full buckets carry no information: forget them.
    std::erase_if(buckets, [&](const auto& kv) {
      auto idle = std::chrono::duration<double>(now - kv.second.updated).count();
      return kv.second.tokens + idle * capacity / 3600.0 >= capacity;
    });
  }
  auto [it, fresh] = buckets.try_emplace(account, Bucket{capacity, now});
  auto& b = it->second;
  if (!fresh) {
    auto elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(capacity, b.tokens + std::max(0.0, elapsed) * capacity / 3600.0);
    b.updated = now;
  }
  if (b.tokens < count) return false;
  b.tokens -= count;
  return true;
}

bool SendRateLimiter::take_message(const std::string& account, Clock::time_point now) {
  return take(messages_, messages_per_hour_, account, 1.0, now);
}

bool SendRateLimiter::take_recipients(const std::string& account, std::size_t count,
                                      Clock::time_point now) {
  return take(recipients_, recipients_per_hour_, account, static_cast<double>(count), now);
}

}  // namespace facteur::server
