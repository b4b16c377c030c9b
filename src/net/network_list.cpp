#include "net/network_list.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace facteur::net {
namespace {

namespace ip = boost::asio::ip;

ip::address_v6 as_v6(const ip::address& a) {
  return a.is_v4() ? ip::make_address_v6(ip::v4_mapped, a.to_v4()) : a.to_v6();
}

bool prefix_equal(const ip::address_v6& a, const ip::address_v6& b, unsigned prefix) {
  auto x = a.to_bytes();
  auto y = b.to_bytes();
  for (unsigned i = 0; i < 16 && prefix > 0; ++i) {
    unsigned bits = prefix >= 8 ? 8 : prefix;
    unsigned mask = (0xffu << (8 - bits)) & 0xffu;
    if ((x[i] & mask) != (y[i] & mask)) return false;
    prefix -= bits;
  }
  return true;
}

}  // namespace

Result<NetworkList> NetworkList::parse(const std::vector<std::string>& cidrs) {
  NetworkList list;
  for (const auto& text : cidrs) {
    auto slash = text.find('/');
    boost::system::error_code ec;
    auto addr = ip::make_address(text.substr(0, slash), ec);
    if (ec) return make_error(Errc::invalid_argument, fmt::format("bad network '{}'", text));
    unsigned max_bits = addr.is_v4() ? 32 : 128;
    unsigned bits = max_bits;
    if (slash != std::string::npos) {
      auto digits = std::string_view(text).substr(slash + 1);
      auto [p, err] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
      if (err != std::errc{} || p != digits.data() + digits.size() || bits > max_bits)
        return make_error(Errc::invalid_argument, fmt::format("bad prefix in '{}'", text));
    }
    list.blocks_.push_back(Block{as_v6(addr), addr.is_v4() ? bits + 96 : bits});
  }
  return list;
}

bool NetworkList::contains(const ip::address& addr) const {
  auto v6 = as_v6(addr);
  for (const auto& b : blocks_)
    if (prefix_equal(b.network, v6, b.prefix)) return true;
  return false;
}

boost::asio::ip::address client_network(const boost::asio::ip::address& addr) {
  if (addr.is_v4()) return addr;
  auto v6 = addr.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6);
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes);
}

}  // namespace facteur::net
