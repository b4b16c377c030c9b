// Greylist: RFC 6647 greylisting of the MX listener ([greylist], off by default). The first
// delivery attempt of an unknown (client network, envelope sender, recipient) triplet is refused
// with 451 4.7.1; a retry after `delay` (and within `retry_window`) passes, and the triplet is
// then let through at once for `expiry` after its last use. Client networks: IPv4 /24, IPv6 /64
// (RFC 6647 §4.2: senders retry from pool addresses). Held in memory, bounded: at most
// `max_entries` triplets, the least recently used forgotten first (a restart forgets them all;
// senders then retry once more). Sans-I/O: the caller passes the time.
// Trust: sees internet input (client addresses, envelope addresses); thread-safe.
#pragma once

#include <chrono>
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

class Greylist {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Greylist(const GreylistSettings& settings) : settings_(settings) {}

  // The network part a client is greylisted under ("192.0.2.0/24", "2001:db8::/64").
  static std::string client_network(const boost::asio::ip::address& address);

  // RCPT TO: nullopt when the triplet may pass, else the 451 4.7.1 reply to give.
  std::optional<smtp::Reply> check(std::string_view network, std::string_view sender,
                                   std::string_view recipient,
                                   Clock::time_point now = Clock::now());
  std::size_t size() const;

 private:
  struct Entry {
    Clock::time_point first{};
    Clock::time_point last{};
    bool passed = false;
    std::list<std::string>::iterator lru;
  };
  GreylistSettings settings_;
  mutable std::mutex mutex_;
  std::list<std::string> lru_;  // most recently used first
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace facteur::server
