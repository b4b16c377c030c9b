// NetworkList: a set of CIDR blocks ("127.0.0.0/8", "::1/128", "192.0.2.7") to match client
// addresses against, e.g. the trusted networks exempt from rate limits.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "base/result.hpp"

namespace facteur::net {

// The unit a per-client limit counts: an IPv4 address (v4-mapped IPv6 unwrapped), or an IPv6
// address's /64, since one host or customer usually gets a whole /64 and could otherwise rotate
// through 2^64 addresses to escape a per-address cap.
boost::asio::ip::address client_network(const boost::asio::ip::address& addr);

class NetworkList {
 public:
  static Result<NetworkList> parse(const std::vector<std::string>& cidrs);
  bool contains(const boost::asio::ip::address& addr) const;

 private:
  struct Block {
    boost::asio::ip::address_v6 network;  // IPv4 kept as v4-mapped
    unsigned prefix = 0;                  // in v6 bits
  };
  std::vector<Block> blocks_;
};

}  // namespace facteur::net
