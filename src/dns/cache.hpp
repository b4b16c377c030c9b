// Cache: answers kept for their TTL (RFC 1035 §7.4; negative answers for the SOA minimum,
// RFC 2308 §5), bounded in entries, shared by every thread (one mutex; lookups are short).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "dns/record.hpp"

namespace facteur::dns {

struct CacheLimits {
  std::size_t max_entries = 10'000;  // least recently used entries go first
  std::uint32_t max_ttl = 86'400;    // longer TTLs are cut to this
  std::uint32_t max_negative_ttl = 3'600;
};

class Cache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Cache(CacheLimits limits = {}) : limits_(limits) {}

  // A live entry, its records' TTLs lowered by the time spent in the cache.
  std::optional<Answer> get(std::string_view name, RType type, Clock::time_point now);
  // Keeps ok / nxdomain / no_data answers; temporary failures and zero TTLs are not kept.
  void put(std::string_view name, RType type, const Answer& answer, Clock::time_point now);
  std::size_t size() const;

 private:
  struct Entry {
    Answer answer;
    Clock::time_point stored;
    Clock::time_point expires;
    std::list<std::string>::iterator lru;
  };
  CacheLimits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // front: most recently used
};

}  // namespace facteur::dns
