// ConnectionLimiter: caps concurrent connections per listener role and per client (an IPv4
// address or an IPv6 /64, see client_network()), so one client cannot exhaust the server
// (mail-bombing, slowloris). Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>

#include <boost/asio/ip/address.hpp>

namespace facteur::net {

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
 public:
  ConnectionLimiter(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  // Held for the life of a connection; releases its slot when destroyed.
  class Ticket {
   public:
    // addr: already reduced by client_network().
    Ticket(std::shared_ptr<ConnectionLimiter> owner, boost::asio::ip::address addr)
        : owner_(std::move(owner)), addr_(addr) {}
    ~Ticket() { owner_->release(addr_); }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    std::shared_ptr<ConnectionLimiter> owner_;
    boost::asio::ip::address addr_;
  };

  enum class Refusal { none, total, per_address };
  struct Admission {
    std::unique_ptr<Ticket> ticket;  // null when refused
    Refusal refusal = Refusal::none;
  };

  // exempt: the address is in a trusted network and skips the per-address cap.
  Admission try_admit(const boost::asio::ip::address& addr, bool exempt);
  std::size_t active() const;

 private:
  void release(const boost::asio::ip::address& addr);

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  mutable std::mutex mutex_;
  std::size_t total_ = 0;
  std::map<boost::asio::ip::address, std::size_t> per_address_;
};

}  // namespace facteur::net
