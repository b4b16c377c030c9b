// Delivery status notifications: building the bounces (failed), delay notices (delayed) and
// "relayed" notices the queue sends, and reading DSNs back (tests, and later bounce handling).
// RFCs: 3464 (multipart/report; report-type=delivery-status, message/delivery-status fields),
// 3461 (which DSNs are owed: NOTIFY, RET, ENVID, ORCPT; §6: never a DSN about a DSN), 3462 /
// 6522 (multipart/report), 3463 (status codes), 6533 (message/global-delivery-status,
// message/global and message/global-headers for SMTPUTF8 mail), 3834 (Auto-Submitted).
// TRUST: build_dsn() formats data the queue holds (remote replies included: they are folded and
// stripped of control characters); parse_dsn() reads messages from anywhere: linear, bounded by
// the mail library's limits, never throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "mail/address.hpp"
#include "proto/smtp/envelope.hpp"
#include "proto/smtp/reply.hpp"

namespace facteur::queue {

enum class DsnAction { failed, delayed, delivered, relayed, expanded };
std::string_view to_string(DsnAction action);  // "failed", "delayed", ...

// Does the sender want a DSN with this action for a recipient with these NOTIFY bits
// (RFC 3461 §4.1)? Without NOTIFY: failures only (delays are ours to decide: we send them,
// see `default_delay`). NEVER: nothing. "relayed" answers SUCCESS (§4.1: relayed to a peer
// that does not do DSN).
bool dsn_wanted(unsigned notify, DsnAction action, bool default_delay = true);

struct DsnRecipient {
  mail::Path final_recipient;                       // the address we tried
  std::optional<smtp::OriginalRecipient> original;  // ORCPT, as received
  DsnAction action = DsnAction::failed;
  std::string status;                                        // "5.1.1"; "" -> from the action
  std::string remote_mta;                                    // host that answered; "" when none
  std::optional<smtp::Reply> remote_reply;                   // -> Diagnostic-Code: smtp; ...
  std::string_view remote_stage;                             // "RCPT TO"... for the human text
  std::string explanation;                                   // our reason when no remote reply
  std::optional<std::chrono::sys_seconds> last_attempt;      // Last-Attempt-Date
  std::optional<std::chrono::sys_seconds> will_retry_until;  // delayed only
};

struct DsnLimits {
  // RET=FULL (or none) returns the whole message up to this size; larger: headers only.
  std::size_t max_returned_message = 1024 * 1024;
};

struct DsnRequest {
  std::string reporting_mta;  // our host name: Reporting-MTA, MAILER-DAEMON@, Message-ID
  mail::Path sender;          // the envelope sender of the original message: the DSN goes there
  std::optional<std::string> envid;  // ENVID -> Original-Envelope-Id
  smtp::DsnRet ret = smtp::DsnRet::unspecified;
  std::optional<std::chrono::sys_seconds> arrival_date;
  bool smtputf8 = false;  // the original was SMTPUTF8: message/global* types (RFC 6533)
  std::string_view original_message;
  std::vector<DsnRecipient> recipients;  // all with the same kind of action (one DSN each kind)
  std::chrono::sys_seconds now{};
  int utc_offset_minutes = 0;
  std::string unique;  // random token for Message-ID and the boundary (letters, digits, '.')
  DsnLimits limits;
};

struct Dsn {
  mail::Path envelope_to;  // = the original sender; the envelope sender is always <>
  bool smtputf8 = false;   // send with SMTPUTF8 (a UTF-8 address or message/global*)
  std::string message;     // RFC 5322 bytes, CRLF line ends
};

// Errc::invalid_argument when no DSN may be sent: the original sender was <> (RFC 3461 §6.2,
// RFC 5321 §4.5.5), no recipient, or recipients of different actions mixed (failed and delayed
// go in separate notices).
Result<Dsn> build_dsn(const DsnRequest& request);

// ---- Reading

struct ParsedDsnRecipient {
  std::string final_recipient;     // "rfc822; bob@example.org" as written (unfolded)
  std::string original_recipient;  // "" when absent
  std::string action;              // lower-cased
  std::string status;
  std::string remote_mta;
  std::string diagnostic_code;
  std::string last_attempt_date;
  std::string will_retry_until;
};

struct ParsedDsn {
  std::string reporting_mta;
  std::string original_envelope_id;
  std::string arrival_date;
  std::vector<ParsedDsnRecipient> recipients;
  std::string status_type;        // "message/delivery-status" or "message/global-delivery-status"
  std::string returned_type;      // "message/rfc822", "text/rfc822-headers", ..., "" when absent
  std::string_view returned;      // its body bytes (into the parsed message)
  std::string_view notification;  // the first part's body (human-readable text)
};

// Errc::parse_error when `message` is not a multipart/report; report-type=delivery-status with
// a delivery-status part.
Result<ParsedDsn> parse_dsn(std::string_view message);

}  // namespace facteur::queue
