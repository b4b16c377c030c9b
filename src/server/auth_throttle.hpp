// AuthThrottle: slows down password guessing. Every failed login from a client address (and for
// an account name) adds delay to the next attempts from it, doubling up to a cap; the record fades
// after a quiet period. Thread-safe; keeps a bounded number of entries.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace facteur::server {

class AuthThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit AuthThrottle(std::chrono::milliseconds base_delay = std::chrono::milliseconds(1000),
                        std::chrono::milliseconds max_delay = std::chrono::seconds(15),
                        std::size_t max_entries = 100000)
      : base_delay_(base_delay), max_delay_(max_delay), max_entries_(max_entries) {}

  // How long to wait before answering a login attempt from `client` for `user`.
  std::chrono::milliseconds delay_for(const std::string& client, const std::string& user);
  void record_failure(const std::string& client, const std::string& user);
  void record_success(const std::string& client, const std::string& user);

 private:
  struct Entry {
    unsigned failures = 0;
    Clock::time_point last{};
  };
  std::chrono::milliseconds delay_of(const std::string& key, Clock::time_point now);
  void bump(const std::string& key, Clock::time_point now);

  std::chrono::milliseconds base_delay_;
  std::chrono::milliseconds max_delay_;
  std::size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace facteur::server
