#include "net/connection_limiter.hpp"

#include "net/network_list.hpp"

namespace facteur::net {

ConnectionLimiter::Admission ConnectionLimiter::try_admit(const boost::asio::ip::address& client,
                                                          bool exempt) {
  const auto addr = client_network(client);
  std::lock_guard lock(mutex_);
  if (total_ >= max_total_) return {nullptr, Refusal::total};
  auto& count = per_address_[addr];
  if (!exempt && count >= max_per_address_) {
    if (count == 0) per_address_.erase(addr);
    return {nullptr, Refusal::per_address};
  }
  ++count;
  ++total_;
  return {std::make_unique<Ticket>(shared_from_this(), addr), Refusal::none};
}

void ConnectionLimiter::release(const boost::asio::ip::address& addr) {
  std::lock_guard lock(mutex_);
  --total_;
  auto it = per_address_.find(addr);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::size_t ConnectionLimiter::active() const {
  std::lock_guard lock(mutex_);
  return total_;
}

}  // namespace facteur::net
