#include "server/auth_throttle.hpp"

#include <algorithm>

namespace facteur::server {
namespace {

constexpr auto kForgetAfter = std::chrono::minutes(15);

}  // namespace

std::chrono::milliseconds AuthThrottle::delay_of(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::chrono::milliseconds(0);
  if (now - it->second.last > kForgetAfter) {
    entries_.erase(it);
    return std::chrono::milliseconds(0);
  }
  unsigned shift = std::min(it->second.failures - 1, 10u);
  return std::min(max_delay_, base_delay_ * (1u << shift));
}

void AuthThrottle::bump(const std::string& key, Clock::time_point now) {
  if (entries_.size() >= max_entries_ && !entries_.contains(key)) {
    // Full: drop stale entries; if none, forget everything rather than grow without bound.
    std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.last > kForgetAfter; });
    if (entries_.size() >= max_entries_) entries_.clear();
  }
  auto& e = entries_[key];
  if (now - e.last > kForgetAfter) e.failures = 0;
  ++e.failures;
  e.last = now;
}

std::chrono::milliseconds AuthThrottle::delay_for(const std::string& client,
                                                  const std::string& user) {
  std::lock_guard lock(mutex_);
  auto now = Clock::now();
  return std::max(delay_of("ip:" + client, now), delay_of("user:" + user, now));
}

void AuthThrottle::record_failure(const std::string& client, const std::string& user) {
  std::lock_guard lock(mutex_);
  auto now = Clock::now();
  bump("ip:" + client, now);
  if (!user.empty()) bump("user:" + user, now);
}

void AuthThrottle::record_success(const std::string& client, const std::string& user) {
  std::lock_guard lock(mutex_);
  entries_.erase("ip:" + client);
  entries_.erase("user:" + user);
}

}  // namespace facteur::server
