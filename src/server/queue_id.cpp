#include "server/queue_id.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <unistd.h>

namespace facteur::server {
namespace {

constexpr char kAlphabet[] = "0123456789BCDFGHJKLMNPQRSTVWXYZ";  // no vowels: no words
constexpr std::uint64_t kBase = sizeof kAlphabet - 1;

// Writes `value` as `digits` base-31 characters ending at out[end - 1].
void put(std::string& out, std::size_t end, std::uint64_t value, std::size_t digits) {
  for (std::size_t i = 0; i < digits; ++i) {
    out[end - 1 - i] = kAlphabet[value % kBase];
    value /= kBase;
  }
}

}  // namespace

std::string make_queue_id() {
  static std::atomic<std::uint32_t> counter{static_cast<std::uint32_t>(::getpid()) << 12};
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string id(16, '0');
  put(id, 11, static_cast<std::uint64_t>(micros), 11);
  put(id, 16, counter.fetch_add(1, std::memory_order_relaxed), 5);
  return id;
}

}  // namespace facteur::server
