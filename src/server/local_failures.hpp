// What the SMTP session answers, and owes the sender, when the store could not write some local
// copies of a message (store::DeliveryReceipt: a mailbox full or smaller than the message, an
// account deleted during the transaction). Sans-I/O: the session looks accounts up and sends.
//
// Quotas follow Dovecot's split: a full mailbox is a temporary condition (452 4.2.2, RFC 3463
// §3.3 X.2.2: the user can delete messages, the sender retries, RFC 5321 §4.2.5), a message
// larger than the whole quota never fits (552 5.2.2, RFC 5321 §4.2.2 "exceeded storage
// allocation"). Once other recipients have the message (the one reply to DATA is 250), the
// failed copies get a failure DSN instead: there is no local retry queue, so a mailbox that is
// merely full is bounced then too (5.2.2), as Postfix does with Dovecot's default
// quota_full_tempfail = no. No notice for a copy the filter filed as junk (backscatter to forged
// senders).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "proto/smtp/envelope.hpp"
#include "proto/smtp/reply.hpp"
#include "queue/dsn.hpp"
#include "store/store.hpp"

namespace facteur::server {

// Room in the accounts a local recipient leads to, at RCPT time.
enum class QuotaRoom {
  fits,       // at least one account can take the message (or a lookup failed: DATA decides)
  full,       // none can now: each is at or over its quota, or too small (452 4.2.2)
  too_small,  // none ever can: the declared SIZE= (RFC 1870) exceeds every whole quota (552)
};

// `accounts`: the recipient's accounts (nullopt where the lookup failed); `declared`: SIZE=.
QuotaRoom quota_room(const std::vector<std::optional<store::Account>>& accounts,
                     std::optional<std::uint64_t> declared);

// The RCPT reply for a recipient whose accounts have no room; nullopt when it fits.
std::optional<smtp::Reply> quota_refusal(QuotaRoom room, const std::string& address);

// One local copy the store did not write, with the RCPT that led to it.
struct FailedCopy {
  std::string account_address;  // the account (logs)
  smtp::Path recipient;         // as the client gave it in RCPT TO: Final-Recipient
  smtp::RcptParams params;      // its NOTIFY= and ORCPT=
  Error error;                  // from the receipt
  bool junk = false;            // the filter filed this copy as junk: no notice
};

// The reply to the end of data when no copy was written and nothing was queued: 552 5.2.2 when
// every copy was too large for its account, 452 4.2.2 when a mailbox was full, else 451 4.3.0.
smtp::Reply no_copy_written_reply(const std::vector<FailedCopy>& failed);

// The failure-DSN recipients for copies that failed while the message went elsewhere: those
// whose NOTIFY= asks for failures (RFC 3461 §4.1) and that were not junk, one per RCPT.
// Final-Recipient is the address the client gave, not the account an alias expanded it to (the
// members of a role address stay private); Original-Recipient is ORCPT= as received (§4.2).
std::vector<queue::DsnRecipient> failure_notice_recipients(const std::vector<FailedCopy>& failed);

}  // namespace facteur::server
