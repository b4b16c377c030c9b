// Queue policy: what happens to a queue entry after a delivery attempt (RFC 5321 §4.5.4.1 retry
// strategy, §4.5.5 and RFC 3461 §4.1 / §6 for the notices owed), and the small routing helpers
// the queue runner needs: fixed routes ([routes]), grouping recipients by destination domain.
// Pure logic: no I/O, no clock (the caller passes `now`).
// TRUST: remote replies pass through here as data (into DSNs and last_error strings, where
// dsn.hpp and the store treat them as text).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.hpp"
#include "base/result.hpp"
#include "proto/smtp/reply.hpp"
#include "queue/dsn.hpp"
#include "store/store.hpp"

namespace facteur::queue {

// ---- Routing

struct FixedRoute {
  std::string host;  // name or IP literal (IPv6 without brackets)
  std::uint16_t port = 25;
};

// "host:port", "[v6]:port", or "host" (port 25). Errc::invalid_argument otherwise.
Result<FixedRoute> parse_route(std::string_view text);

// The [routes] entry for `domain`: exact (case-insensitive), else "*", else nullopt (MX lookup).
// Errc::invalid_argument when the configured value does not parse.
Result<std::optional<FixedRoute>> fixed_route(const std::map<std::string, std::string>& routes,
                                              std::string_view domain);

// Recipients grouped by their domain (lower-cased), in first-seen order; duplicates (compared
// as mail::Path::canonical would: domain without case) are dropped.
std::vector<store::NewQueueEntry> group_by_domain(std::vector<store::NewQueueRecipient> recipients);

// The domain of "local@domain" (after the last '@'); "" when there is none.
std::string_view domain_of(std::string_view address);

// ---- After an attempt

enum class RecipientStatus { delivered, temporary, permanent };

struct RecipientOutcome {
  store::QueueRecipientId id = 0;
  RecipientStatus status = RecipientStatus::temporary;
  smtp::Reply reply;       // the peer's (remote) or ours
  bool remote = false;     // reply came from the peer
  std::string_view stage;  // "RCPT TO", "end of data"... ("" for our decisions)
  bool peer_dsn = true;    // delivered to a peer that took the DSN parameters
};

// What one attempt at an entry gave. Recipients without an outcome (the connection never got
// that far) count as temporary failures with `error` as the reason.
struct AttemptReport {
  std::string remote_mta;  // the host that answered ("" when none did)
  std::string error;       // entry-wide trouble: DNS, connection, TLS policy ("" when none)
  bool permanent = false;  // `error` is permanent (null MX, no such domain, 5xx greeting)
  std::optional<smtp::Reply> error_reply;  // the peer reply behind `error`, if any
  std::vector<RecipientOutcome> recipients;
};

struct Decision {
  store::QueueAttempt attempt;  // to record in the store
  // Notices owed to the sender (one DSN per non-empty list; none when the sender is <>).
  std::vector<DsnRecipient> failed;
  std::vector<DsnRecipient> delayed;
  std::vector<DsnRecipient> relayed;  // NOTIFY=SUCCESS to a peer without DSN (RFC 3461 §4.1)
  std::size_t delivered = 0;
};

// When to try again after `attempts` attempts (1 = the first one just failed): the schedule's
// wait for that attempt, the last one repeating.
std::int64_t next_attempt_after(std::uint32_t attempts,
                                const std::vector<std::chrono::seconds>& schedule,
                                std::int64_t now);

// Applies RFC 5321 §4.5.4.1 and RFC 3461: delivered and permanently failed recipients leave
// the entry (the failed ones, and NOTIFY=SUCCESS ones relayed to a non-DSN peer, in the
// notices); temporary failures stay until `settings.expiry` after arrival, then fail with
// 4.4.7; past `settings.delay_notice` one "delayed" notice goes out for the recipients that
// ask for it (or give no NOTIFY). Never a notice when the sender is <> (RFC 3461 §6.2).
Decision decide(const store::QueueEntry& entry, const AttemptReport& report,
                const QueueSettings& settings, std::int64_t now);

// The RFC 3464 request for one kind of notice about `entry`, without the message bytes and the
// clock (the caller fills original_message, now, utc_offset_minutes, unique).
DsnRequest dsn_request(const store::QueueEntry& entry, std::string reporting_mta,
                       std::vector<DsnRecipient> recipients);

// "451 4.3.0 text" one line, for last_error and logs.
std::string describe(const smtp::Reply& reply);

}  // namespace facteur::queue
