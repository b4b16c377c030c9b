// Mail-bombing protection for the MX listener (port 25): per-client connection and message rates,
// per-envelope-sender and per-recipient message rates (token buckets), and tarpitting (every
// reply to a client that keeps hitting the limits is delayed, longer with each refusal, up to a
// cap). Sans-I/O: the caller passes the time and applies the delay with an asynchronous timer, so
// a tarpitted client never blocks an I/O thread, the victim's mailbox keeps working and other
// senders are not affected.
//
// Replies: 421 4.7.0 at connection time (RFC 5321 §3.8: 421 then close; RFC 3463 §3.8 X.7.0),
// 450 4.7.1 at MAIL/RCPT (RFC 5321 §4.2.5: 450 "mailbox unavailable", transient, the client
// retries later; RFC 3463 §3.8 X.7.1 "delivery not authorized"), as Postfix's anvil limits do.
// Memory is bounded: each kind of key keeps at most `max_tracked` buckets, the least recently
// used is forgotten first, so a spray of addresses cannot exhaust memory.
// Trust: sees internet input (client addresses and envelope addresses); thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

#include "base/config.hpp"
#include "proto/smtp/reply.hpp"

namespace facteur::server {

using AbuseClock = std::chrono::steady_clock;

// The key a client address is counted under: an IPv4 address (or v4-mapped IPv6) as such, an
// IPv6 address by its /64, since one host or customer usually gets a whole /64.
std::string client_key(const boost::asio::ip::address& address);

// Token buckets keyed by string: `capacity` tokens, refilled continuously at capacity per
// `period`. At most `max_keys` keys; the least recently used is dropped beyond. Not thread-safe.
class KeyedBuckets {
 public:
  KeyedBuckets(std::size_t capacity, std::chrono::seconds period, std::size_t max_keys);

  // Takes one token from key's bucket; false (nothing taken) when empty. capacity 0: no limit.
  bool take(std::string_view key, AbuseClock::time_point now);
  // Whether take() would succeed now (nothing taken).
  bool available(std::string_view key, AbuseClock::time_point now) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    double tokens = 0;
    AbuseClock::time_point updated{};
    std::list<std::string>::iterator lru;
  };
  double capacity_;
  double per_second_;
  std::size_t max_keys_;
  std::list<std::string> lru_;  // most recently used first
  std::unordered_map<std::string, Entry> entries_;
};

class AbuseLimiter {
 public:
  explicit AbuseLimiter(const RateLimitSettings& settings);

  // A new connection from `client` (client_key()). A reply (421, then close) when over the rate.
  std::optional<smtp::Reply> on_connect(const std::string& client,
                                        AbuseClock::time_point now = AbuseClock::now());
  // MAIL FROM: the client's per-minute and per-hour message rates and the envelope sender's
  // (`sender` as given; the null reverse-path "" is only counted against the client).
  std::optional<smtp::Reply> on_mail(const std::string& client, std::string_view sender,
                                     AbuseClock::time_point now = AbuseClock::now());
  // RCPT TO of a local recipient: that recipient's rate.
  std::optional<smtp::Reply> on_rcpt(const std::string& client, std::string_view recipient,
                                     AbuseClock::time_point now = AbuseClock::now());

  // How long to hold each reply to `client`: 0 until it is refused, then tarpit_delay doubling
  // with every refusal up to tarpit_max_delay; forgiven after tarpit_forget without refusals.
  std::chrono::milliseconds tarpit_delay(const std::string& client,
                                         AbuseClock::time_point now = AbuseClock::now());
  // A refusal for another reason (e.g. too many errors) that should slow the client down too.
  void strike(const std::string& client, AbuseClock::time_point now = AbuseClock::now());

  std::size_t tracked() const;  // buckets and tarpit entries held, for tests

 private:
  struct Strikes {
    unsigned count = 0;
    AbuseClock::time_point last{};
    std::list<std::string>::iterator lru;
  };
  void strike_locked(const std::string& client, AbuseClock::time_point now);

  RateLimitSettings settings_;
  mutable std::mutex mutex_;
  KeyedBuckets connections_;
  KeyedBuckets client_minute_;
  KeyedBuckets client_hour_;
  KeyedBuckets senders_;
  KeyedBuckets recipients_;
  std::list<std::string> strike_lru_;
  std::unordered_map<std::string, Strikes> strikes_;
};

}  // namespace facteur::server
