// queue::accept_message: the one hand-over point of a received message (SMTP end of data) to
// storage: local recipients get their copies and remote ones their queue entries, over one
// shared blob, in one store transaction (so a 250 never leaves a message half-accepted).
// Called by the SMTP session for the MX role (local delivery, alias forwarding) and the
// submission roles (local and remote recipients); the session itself never writes a mailbox.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "delivery/local_delivery.hpp"
#include "store/store.hpp"

namespace facteur::queue {

struct LocalPlacement {
  std::string headers;  // "X-Spam-Status: ...\r\n..." for this account's copy
  bool junk = false;    // filed into the account's \Junk mailbox (RFC 6154), keyword $Junk
};

struct AcceptedMessage {
  // One copy per account (delivery::local_copies of the accepted local recipients' routes); the
  // store's receipt has one outcome per copy, in this order.
  std::vector<delivery::LocalCopy> local;
  std::vector<store::NewQueueRecipient> remote;  // recipients on other hosts
  store::QueueEnvelope envelope;                 // reverse path, DSN parameters, submitter
  std::unique_ptr<store::BlobWriter> blob;
  std::int64_t internal_date = 0;  // unix seconds; 0 = now
  // What the inbound checks (src/server/inbound_checks.hpp) decided for the local copies: header
  // fields every copy gets after its trace lines (Authentication-Results), then per account its
  // verdict fields and mailbox. Accounts not listed: INBOX, nothing more.
  std::string local_headers;
  std::map<store::AccountId, LocalPlacement> placement;
};

// Parses the message when it has local recipients (CPU work: call it on the worker pool), then
// queues everything in the store; `done` runs on the store's committer thread (see
// store::Store::deliver). Local copies get Return-Path/Delivered-To trace lines.
void accept_message(store::Store& store, AcceptedMessage message, store::DeliveryCallback done);

}  // namespace facteur::queue
