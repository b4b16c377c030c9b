// Greylist: RFC 6647 greylisting of the MX listener ([greylist], off by default). The first
// delivery attempt of an unknown (client network, envelope sender, recipient) triplet is refused
// with 451 4.7.1; a retry after `delay` (and within `retry_window`) passes, and the triplet is
// then let through at once for `expiry` after its last use. Client networks: IPv4 /24, IPv6 /64
// (RFC 6647 §4.2: senders retry from pool addresses). Bounded: at most `max_entries` triplets,
// the least recently used forgotten first.
// Persistence: with a `state_file` the table is loaded at start and its changes are written to
// that SQLite database (WAL) in batches by a background thread, never by check(): a reply never
// waits for a disk. A crash loses the last `flush_interval` of changes (those senders retry once
// more); a database that cannot be opened or written is logged and the table stays in memory.
// Times are wall-clock (they outlive the process); the caller passes them (sans-I/O core).
// Trust: sees internet input (client addresses, envelope addresses); thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

#include "base/config.hpp"
#include "proto/smtp/reply.hpp"

namespace facteur::server {

class Greylist {
 public:
  using Clock = std::chrono::system_clock;

  // Loads settings.state_file when set (entries stale at `now` are dropped).
  explicit Greylist(const GreylistSettings& settings, Clock::time_point now = Clock::now());
  ~Greylist();  // writes what is pending
  Greylist(const Greylist&) = delete;
  Greylist& operator=(const Greylist&) = delete;

  // The network part a client is greylisted under ("192.0.2.0/24", "2001:db8::/64").
  static std::string client_network(const boost::asio::ip::address& address);

  // RCPT TO: nullopt when the triplet may pass, else the 451 4.7.1 reply to give.
  std::optional<smtp::Reply> check(std::string_view network, std::string_view sender,
                                   std::string_view recipient,
                                   Clock::time_point now = Clock::now());
  std::size_t size() const;

  // True while changes go to the state file (false: memory only, or it failed).
  bool persistent() const;
  // Writes the pending changes and removes stale rows now (the background thread does it
  // every flush_interval). Returns false when nothing could be written.
  bool flush();

  class Db;  // the SQLite side (greylist.cpp)

 private:
  struct Entry {
    Clock::time_point first{};
    Clock::time_point last{};
    bool passed = false;
    std::list<std::string>::iterator lru;
  };
  struct Row {
    Clock::time_point first{};
    Clock::time_point last{};
    bool passed = false;
  };
  void changed(const std::string& key, const Entry* entry);  // nullptr: forgotten
  void load(Clock::time_point now);
  void writer();

  GreylistSettings settings_;
  mutable std::mutex mutex_;
  std::list<std::string> lru_;  // most recently used first
  std::unordered_map<std::string, Entry> entries_;
  Clock::time_point latest_{};  // the latest `now` seen: stale rows are judged by it

  // Persistence: changes since the last flush (nullopt: delete), written by writer().
  std::unordered_map<std::string, std::optional<Row>> pending_;
  std::mutex db_mutex_;  // one flush at a time; taken before mutex_, never inside it
  std::unique_ptr<Db> db_;
  bool persistent_ = false;     // under mutex_
  bool stop_ = false;           // under mutex_
  bool write_failing_ = false;  // under mutex_: the last flush failed (logged once)
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace facteur::server
