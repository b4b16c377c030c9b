#include "delivery/local_delivery.hpp"

#include <ctime>

#include "delivery/metadata.hpp"

namespace facteur::delivery {

std::string LocalDelivery::trace_prefix(const std::string& reverse_path,
                                        const std::string& recipient) {
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

void LocalDelivery::deliver(InboundMessage message, store::DeliveryCallback done) {
  store::Delivery delivery;
  auto bytes = message.blob->finish();
  if (!bytes) {
    done(std::unexpected(bytes.error()));
    return;
  }
  auto parsed = build_metadata(*bytes);
  delivery.metadata = std::move(parsed.metadata);
  delivery.search_text = std::move(parsed.search_text);
  delivery.blob = std::move(message.blob);
  delivery.internal_date = message.internal_date ? message.internal_date : std::time(nullptr);

  for (const auto& copy : local_copies(message.routes)) {
    store::DeliveryTarget t;
    t.account = copy.account;
    t.header_prefix = trace_prefix(message.reverse_path, copy.address);
    delivery.targets.push_back(std::move(t));
  }
  store_.deliver(std::move(delivery), std::move(done));
}

}  // namespace facteur::delivery
