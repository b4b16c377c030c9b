// delivery::LocalDelivery: the MDA. Takes a received message and the routes of its recipients,
// computes the cached IMAP metadata once (mail library), gives every local account its own trace
// lines (Return-Path:, Delivered-To:) over ONE shared blob, and hands everything to the store's
// group commit. The internet-facing sessions never write mailboxes themselves.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "delivery/router.hpp"
#include "store/store.hpp"

namespace facteur::delivery {

struct InboundMessage {
  std::string reverse_path;   // the envelope sender as "local@domain"; "" for the null path <>
  std::vector<Route> routes;  // one per accepted recipient
  std::unique_ptr<store::BlobWriter> blob;
  std::int64_t internal_date = 0;  // unix seconds; 0 = now
};

// One copy per account, however many recipients lead to it (aliases, plus-addresses): the
// delivery targets in the order the store receives them, each with the index of the first route
// (accepted RCPT) that named the account, so a per-target outcome maps back to a recipient.
struct LocalCopy {
  store::AccountId account = 0;
  std::string address;    // the account's address (Delivered-To:)
  std::size_t route = 0;  // index into the routes
};
std::vector<LocalCopy> local_copies(const std::vector<Route>& routes);

class LocalDelivery {
 public:
  explicit LocalDelivery(store::Store& store) : store_(store) {}

  // Parses the message (CPU work: call it on the worker pool) and queues it in the store.
  // `done` runs later on the store's committer thread, with success only once the message is
  // durable for every target; errors: io_error (answer 451 4.3.0), per-target errors in the
  // receipt (quota, account deleted meanwhile).
  void deliver(InboundMessage message, store::DeliveryCallback done);

  // The per-recipient header prefix prepended to the shared blob.
  static std::string trace_prefix(const std::string& reverse_path, const std::string& recipient);

 private:
  store::Store& store_;
};

}  // namespace facteur::delivery
