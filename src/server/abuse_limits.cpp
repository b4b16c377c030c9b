#include "server/abuse_limits.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "net/network_list.hpp"

namespace facteur::server {

using namespace std::chrono_literals;

std::string client_key(const boost::asio::ip::address& address) {
  auto network = net::client_network(address);
  return network.is_v4() ? network.to_string() : network.to_string() + "/64";
}

KeyedBuckets::KeyedBuckets(std::size_t capacity, std::chrono::seconds period, std::size_t max_keys)
    : capacity_(static_cast<double>(capacity)),
      per_second_(static_cast<double>(capacity) /
                  static_cast<double>(std::max<long long>(1, period.count()))),
      max_keys_(std::max<std::size_t>(1, max_keys)) {}

bool KeyedBuckets::take(std::string_view key, AbuseClock::time_point now) {
  if (capacity_ <= 0) return true;
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) {
      // Forgetting a bucket only ever gives its key a fresh allowance: safe to drop.
      entries_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.emplace_front(key);
    it = entries_.emplace(lru_.front(), Entry{capacity_, now, lru_.begin()}).first;
  } else {
    auto& e = it->second;
    auto elapsed = std::chrono::duration<double>(now - e.updated).count();
    e.tokens = std::min(capacity_, e.tokens + std::max(0.0, elapsed) * per_second_);
    e.updated = std::max(e.updated, now);
    lru_.splice(lru_.begin(), lru_, e.lru);
  }
  auto& e = it->second;
  if (e.tokens < 1.0) return false;
  e.tokens -= 1.0;
  return true;
}

bool KeyedBuckets::available(std::string_view key, AbuseClock::time_point now) const {
  if (capacity_ <= 0) return true;
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) return true;
  auto elapsed = std::chrono::duration<double>(now - it->second.updated).count();
  return it->second.tokens + std::max(0.0, elapsed) * per_second_ >= 1.0;
}

AbuseLimiter::AbuseLimiter(const RateLimitSettings& settings)
    : settings_(settings),
      connections_(settings.connections_per_minute, 60s, settings.max_tracked),
      client_minute_(settings.messages_per_minute, 60s, settings.max_tracked),
      client_hour_(settings.messages_per_hour, 3600s, settings.max_tracked),
      senders_(settings.sender_messages_per_hour, 3600s, settings.max_tracked),
      recipients_(settings.recipient_messages_per_hour, 3600s, settings.max_tracked) {}

std::optional<smtp::Reply> AbuseLimiter::on_connect(const std::string& client,
                                                    AbuseClock::time_point now) {
  std::lock_guard lock(mutex_);
  if (connections_.take(client, now)) return std::nullopt;
  strike_locked(client, now);
  return smtp::Reply{421, "4.7.0",
                     fmt::format("Too many connections from {}, try again later", client)};
}

std::optional<smtp::Reply> AbuseLimiter::on_mail(const std::string& client, std::string_view sender,
                                                 AbuseClock::time_point now) {
  std::lock_guard lock(mutex_);
  // Every bucket is checked before any is charged: a refusal costs no allowance.
  if (!client_minute_.available(client, now) || !client_hour_.available(client, now)) {
    strike_locked(client, now);
    return smtp::Reply{450, "4.7.1", fmt::format("Too much mail from {}, try again later", client)};
  }
  std::string sender_key = to_lower(sender);
  if (!sender.empty() && !senders_.available(sender_key, now)) {
    strike_locked(client, now);
    return smtp::Reply{450, "4.7.1", "Too much mail from this sender, try again later"};
  }
  client_minute_.take(client, now);
  client_hour_.take(client, now);
  if (!sender.empty()) senders_.take(sender_key, now);
  return std::nullopt;
}

std::optional<smtp::Reply> AbuseLimiter::on_rcpt(const std::string& client,
                                                 std::string_view recipient,
                                                 AbuseClock::time_point now) {
  std::lock_guard lock(mutex_);
  if (recipients_.take(to_lower(recipient), now)) return std::nullopt;
  strike_locked(client, now);
  return smtp::Reply{
      450, "4.7.1",
      fmt::format("<{}>: Too much mail for this recipient, try again later", recipient)};
}

void AbuseLimiter::strike(const std::string& client, AbuseClock::time_point now) {
  std::lock_guard lock(mutex_);
  strike_locked(client, now);
}

void AbuseLimiter::strike_locked(const std::string& client, AbuseClock::time_point now) {
  auto it = strikes_.find(client);
  if (it == strikes_.end()) {
    if (strikes_.size() >= settings_.max_tracked) {
      strikes_.erase(strike_lru_.back());
      strike_lru_.pop_back();
    }
    strike_lru_.emplace_front(client);
    it = strikes_.emplace(client, Strikes{0, now, strike_lru_.begin()}).first;
  } else {
    strike_lru_.splice(strike_lru_.begin(), strike_lru_, it->second.lru);
  }
  auto& s = it->second;
  if (now - s.last > settings_.tarpit_forget) s.count = 0;
  s.count = std::min(s.count + 1, 64u);
  s.last = std::max(s.last, now);
}

std::chrono::milliseconds AbuseLimiter::tarpit_delay(const std::string& client,
                                                     AbuseClock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = strikes_.find(client);
  if (it == strikes_.end()) return 0ms;
  const auto& s = it->second;
  if (s.count == 0 || now - s.last > settings_.tarpit_forget) {
    strike_lru_.erase(s.lru);
    strikes_.erase(it);
    return 0ms;
  }
  auto delay = settings_.tarpit_delay;
  for (unsigned i = 1; i < s.count && delay < settings_.tarpit_max_delay; ++i)
    delay *= 2;
  return std::min(delay, settings_.tarpit_max_delay);
}

std::size_t AbuseLimiter::tracked() const {
  std::lock_guard lock(mutex_);
  return connections_.size() + client_minute_.size() + client_hour_.size() + senders_.size() +
         recipients_.size() + strikes_.size();
}

}  // namespace facteur::server
