#include "dns/cache.hpp"

#include <fmt/format.h>

namespace facteur::dns {
namespace {
std::string key_of(std::string_view name, RType type) {
  return fmt::format("{}/{}", normalize_name(name), static_cast<unsigned>(type));
}
}  // namespace

std::optional<Answer> Cache::get(std::string_view name, RType type, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key_of(name, type));
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.expires) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  Answer out = it->second.answer;
  auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - it->second.stored);
  auto age = static_cast<std::uint32_t>(elapsed.count());
  out.ttl = out.ttl > age ? out.ttl - age : 0;
  for (auto& r : out.records)
    r.ttl = r.ttl > age ? r.ttl - age : 0;
  return out;
}

void Cache::put(std::string_view name, RType type, const Answer& answer, Clock::time_point now) {
  if (answer.status != Status::ok && answer.status != Status::nxdomain &&
      answer.status != Status::no_data)
    return;
  std::uint32_t ttl =
      std::min(answer.ttl, answer.ok() ? limits_.max_ttl : limits_.max_negative_ttl);
  if (ttl == 0 || limits_.max_entries == 0) return;
  std::lock_guard lock(mutex_);
  std::string key = key_of(name, type);
  if (auto it = entries_.find(key); it != entries_.end()) {
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }
  while (entries_.size() >= limits_.max_entries) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  Answer stored = answer;
  stored.ttl = ttl;
  entries_.emplace(std::move(key),
                   Entry{std::move(stored), now, now + std::chrono::seconds(ttl), lru_.begin()});
}

std::size_t Cache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace facteur::dns
