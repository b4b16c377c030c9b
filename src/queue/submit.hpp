// queue::accept_message: the one hand-over point of a received message (SMTP end of data) to
// storage: local recipients get their copies and remote ones their queue entries, over one
// shared blob, in one store transaction (so a 250 never leaves a message half-accepted).
// Called by the SMTP session for the MX role (local delivery, alias forwarding) and the
// submission roles (local and remote recipients); the session itself never writes a mailbox.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "delivery/router.hpp"
#include "store/store.hpp"

namespace facteur::queue {

struct AcceptedMessage {
  std::vector<delivery::Route> local;            // accepted local recipients
  std::vector<store::NewQueueRecipient> remote;  // recipients on other hosts
  store::QueueEnvelope envelope;                 // reverse path, DSN parameters, submitter
  std::unique_ptr<store::BlobWriter> blob;
  std::int64_t internal_date = 0;  // unix seconds; 0 = now
};

// Parses the message when it has local recipients (CPU work: call it on the worker pool), then
// queues everything in the store; `done` runs on the store's committer thread (see
// store::Store::deliver). Local copies get Return-Path/Delivered-To trace lines.
void accept_message(store::Store& store, AcceptedMessage message, store::DeliveryCallback done);

}  // namespace facteur::queue
