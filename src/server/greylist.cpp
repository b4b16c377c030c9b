#include "server/greylist.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace facteur::server {

std::string Greylist::client_network(const boost::asio::ip::address& address) {
  namespace ip = boost::asio::ip;
  if (address.is_v4() || address.to_v6().is_v4_mapped()) {
    auto v4 =
        address.is_v4() ? address.to_v4() : ip::make_address_v4(ip::v4_mapped, address.to_v6());
    auto bytes = v4.to_bytes();
    bytes[3] = 0;
    return ip::address_v4(bytes).to_string() + "/24";
  }
  auto bytes = address.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return ip::address_v6(bytes).to_string() + "/64";
}

std::optional<smtp::Reply> Greylist::check(std::string_view network, std::string_view sender,
                                           std::string_view recipient, Clock::time_point now) {
  // NUL cannot occur in an address or a network name: an unambiguous separator.
  std::string key(network);
  key += '\0';
  key += to_lower(sender);
  key += '\0';
  key += to_lower(recipient);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    auto& e = it->second;
    lru_.splice(lru_.begin(), lru_, e.lru);
    bool stale =
        e.passed ? now - e.last > settings_.expiry : now - e.first > settings_.retry_window;
    if (!stale) {
      if (e.passed || now - e.first >= settings_.delay) {
        e.passed = true;
        e.last = now;
        return std::nullopt;
      }
      auto wait = std::chrono::ceil<std::chrono::seconds>(settings_.delay - (now - e.first));
      return smtp::Reply{451, "4.7.1",
                         fmt::format("Greylisted, try again in {} seconds", wait.count())};
    }
    e = Entry{now, now, false, e.lru};  // start over
  } else {
    if (entries_.size() >= settings_.max_entries) {
      entries_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    entries_.emplace(std::move(key), Entry{now, now, false, lru_.begin()});
  }
  return smtp::Reply{451, "4.7.1",
                     fmt::format("Greylisted, try again in {} seconds", settings_.delay.count())};
}

std::size_t Greylist::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace facteur::server
