// What every local copy of a received message gets: one copy per account however many
// recipients lead to it, and its own trace lines (Return-Path:, Delivered-To:) in front of the
// ONE shared blob. queue::accept_message (src/queue/submit.hpp) builds the store delivery with
// these; the SMTP session maps the store's per-copy outcomes back to recipients with them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "delivery/router.hpp"
#include "store/store.hpp"

namespace facteur::delivery {

// One copy per account, however many recipients lead to it (aliases, plus-addresses): the
// delivery targets in the order the store receives them, each with the index of the first route
// (accepted RCPT) that named the account, so a per-target outcome maps back to a recipient.
struct LocalCopy {
  store::AccountId account = 0;
  std::string address;    // the account's address (Delivered-To:)
  std::size_t route = 0;  // index into the routes
};
std::vector<LocalCopy> local_copies(const std::vector<Route>& routes);

// The per-recipient header prefix prepended to the shared blob.
std::string trace_prefix(const std::string& reverse_path, const std::string& recipient);

}  // namespace facteur::delivery
