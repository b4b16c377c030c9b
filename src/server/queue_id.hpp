// Queue ids: short, unique, sortable-ish identifiers for messages in logs, Received: fields and
// "250 Ok: queued as ..." replies.
#pragma once

#include <string>

namespace facteur::server {

// 16 characters: microseconds since the epoch and a per-process counter, base-32.
std::string make_queue_id();

}  // namespace facteur::server
