#include "delivery/local_delivery.hpp"

namespace facteur::delivery {

std::string trace_prefix(const std::string& reverse_path, const std::string& recipient) {
  // RFC 5321 §4.4: the delivering server adds Return-Path with the envelope sender. Delivered-To
  // (Postfix's and Dovecot's convention) records the final recipient and breaks forwarding loops.
  std::string prefix;
  prefix.reserve(32 + reverse_path.size() + recipient.size());
  prefix += "Return-Path: <";
  prefix += reverse_path;
  prefix += ">\r\nDelivered-To: ";
  prefix += recipient;
  prefix += "\r\n";
  return prefix;
}

std::vector<LocalCopy> local_copies(const std::vector<Route>& routes) {
  std::vector<LocalCopy> copies;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    for (const auto& target : routes[i].targets) {
      bool seen = false;
      for (const auto& c : copies)
        seen = seen || c.account == target.account;
      if (!seen) copies.push_back(LocalCopy{target.account, target.address, i});
    }
  }
  return copies;
}

}  // namespace facteur::delivery
