// Submission fix-ups (RFC 6409 §8) applied to a message an authenticated user submitted on port
// 587/465, before it is stored or queued: Date and Message-ID added when missing (§8.2,
// §8.3), From added from the account when missing, every Bcc (and Resent-Bcc) field removed from
// the copy that is kept and transmitted (RFC 5322 §3.6.3: the Bcc recipients stay in the
// envelope only), and the authorship check: each From (and Sender) address must be one of the
// account's own addresses (553 5.7.1 otherwise). Everything else, Disposition-Notification-To
// (RFC 8098) and 8-bit header fields included, is passed through byte for byte.
// TRUST: the submitter is authenticated but not trusted with other people's addresses; the
// message is parsed with the mail library's bounds, in linear time, whole (it is in memory).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mail/address.hpp"
#include "mail/header.hpp"

namespace facteur::submission {

struct SubmissionOptions {
  std::string hostname;  // right side of the Message-ID we add
  std::string unique;    // left side: a random token (letters, digits, '.', '-'), from the caller
  std::chrono::sys_seconds now{};
  int utc_offset_minutes = 0;  // zone written in the Date we add
  // The account's addresses: its own and its aliases ("alice@example.org"), or "@example.org"
  // for a whole domain (a domain administrator). Compared without case; a "+tag" suffix of the
  // local part (recipient_delimiter) is ignored.
  std::vector<std::string> allowed_senders;
  std::string recipient_delimiter = "+";
  std::string account_address;                // the From: we add when there is none
  std::optional<mail::Path> envelope_sender;  // MAIL FROM, checked too when set (<> passes)
  mail::HeaderLimits header_limits;
};

struct Rejection {  // the reply the session sends (message_rejected)
  int code = 0;
  std::string enhanced;
  std::string text;
};

struct SubmissionOutcome {
  std::optional<Rejection> rejection;  // set: refuse the message, `message` is empty
  std::string message;                 // the copy to store and transmit
  std::string message_id;              // its Message-ID, without angle brackets
  bool added_message_id = false;
  bool added_date = false;
  bool added_from = false;
  std::size_t removed_bcc = 0;            // Bcc and Resent-Bcc fields taken out
  std::vector<std::string> unauthorized;  // From/Sender/envelope addresses not allowed

  bool accepted() const { return !rejection.has_value(); }
};

SubmissionOutcome fix_submission(std::string_view message, const SubmissionOptions& options);

// Is `address` ("local@domain") one of `allowed` (see SubmissionOptions::allowed_senders)?
bool sender_allowed(std::string_view address, const std::vector<std::string>& allowed,
                    std::string_view recipient_delimiter = "+");

}  // namespace facteur::submission
