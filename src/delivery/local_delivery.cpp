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

  // Several recipients can lead to one account (aliases, plus-addresses): one copy each.
  for (const auto& route : message.routes) {
    for (const auto& target : route.targets) {
      bool seen = false;
      for (const auto& t : delivery.targets)
        seen = seen || t.account == target.account;
      if (seen) continue;
      store::DeliveryTarget t;
      t.account = target.account;
      t.header_prefix = trace_prefix(message.reverse_path, target.address);
      delivery.targets.push_back(std::move(t));
    }
  }
  store_.deliver(std::move(delivery), std::move(done));
}

}  // namespace facteur::delivery
