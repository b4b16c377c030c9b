// SendRateLimiter: per-account sending limits of the submission service (messages and
// recipients per hour), so a stolen password or a runaway script cannot turn the server into a
// spam cannon. Token buckets: the hourly allowance refills continuously, bursts up to it are
// fine. Thread-safe; entries of idle accounts are dropped once full again.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace facteur::server {

class SendRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // 0 turns a limit off.
  SendRateLimiter(std::size_t messages_per_hour, std::size_t recipients_per_hour)
      : messages_per_hour_(messages_per_hour), recipients_per_hour_(recipients_per_hour) {}

  // Takes one message / `count` recipients from the account's allowance; false (and nothing
  // taken) when it is exhausted.
  bool take_message(const std::string& account, Clock::time_point now = Clock::now());
  bool take_recipients(const std::string& account, std::size_t count,
                       Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated{};
  };
  bool take(std::unordered_map<std::string, Bucket>& buckets, std::size_t per_hour,
            const std::string& account, double count, Clock::time_point now);

  std::size_t messages_per_hour_;
  std::size_t recipients_per_hour_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> messages_;
  std::unordered_map<std::string, Bucket> recipients_;
};

}  // namespace facteur::server
