#include "queue/submit.hpp"

#include <ctime>

#include "delivery/local_delivery.hpp"
#include "delivery/metadata.hpp"
#include "queue/policy.hpp"

namespace facteur::queue {

void accept_message(store::Store& store, AcceptedMessage message, store::DeliveryCallback done) {
  store::Delivery delivery;
  auto bytes = message.blob->finish();
  if (!bytes) {
    done(std::unexpected(bytes.error()));
    return;
  }
  std::int64_t now = message.internal_date ? message.internal_date : std::time(nullptr);
  delivery.internal_date = now;
  for (const auto& copy : message.local) {
    store::DeliveryTarget t;
    t.account = copy.account;
    t.header_prefix = delivery::trace_prefix(message.envelope.reverse_path, copy.address);
    t.header_prefix += message.local_headers;
    if (auto it = message.placement.find(copy.account); it != message.placement.end()) {
      t.header_prefix += it->second.headers;
      if (it->second.junk) {
        // RFC 6154 \Junk (created with every account); INBOX if the user deleted it.
        t.mailbox.special_use = store::SpecialUse::junk;
        t.keywords.push_back("$Junk");  // RFC 5788 registry: MUAs show it as junk
      }
    }
    delivery.targets.push_back(std::move(t));
  }
  if (!delivery.targets.empty()) {
    auto parsed = delivery::build_metadata(*bytes);
    delivery.metadata = std::move(parsed.metadata);
    delivery.search_text = std::move(parsed.search_text);
  }
  if (!message.remote.empty()) {
    store::Outbound outbound;
    outbound.envelope = std::move(message.envelope);
    if (outbound.envelope.arrival == 0) outbound.envelope.arrival = now;
    outbound.entries = group_by_domain(std::move(message.remote));
    outbound.first_attempt = now;
    delivery.outbound = std::move(outbound);
  }
  delivery.blob = std::move(message.blob);
  store.deliver(std::move(delivery), std::move(done));
}

}  // namespace facteur::queue
