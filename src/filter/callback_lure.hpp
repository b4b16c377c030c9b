// Telephone-oriented lures ("callback phishing"): a charge, renewal or order the reader did
// not make, and a number to call to cancel it or get the money back ("If you did not authorize
// this charge, call +1 (833) 555-0148"). There is no link to check: the fraud happens on the
// phone, where the "billing department" takes card details or installs remote-control
// software. Banks write the same sentence about real transactions, so the phishing check
// weighs the lure with the sender: free mail, or a brand it does not speak for.
// Trust: sees internet input (decoded text, normalised words); linear in the text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "filter/text_norm.hpp"

namespace facteur::filter {

// The first telephone number written in `text`, as written (at most 32 bytes), or nullopt:
// 10 to 13 digits in 3 or more groups of at most 4 (a leading "+1"/"+33" counts as a group),
// separated by single spaces, hyphens, dots or parentheses, not glued to letters or other
// digits ("+1 (833) 555-0148", "1-800-555-0199", "01 23 45 67 89", "+44 20 7946 0958").
// Order numbers, dates, prices and card numbers do not have that shape.
std::optional<std::string> find_phone_number(std::string_view text);

struct CallbackLure {
  std::string phone;  // as written, or its digits when only the words show it
};

// A lure in `text` (the decoded text), its words (`body`) or the subject: in one sentence or
// the next, a number of that shape (also spaced out or with other dashes: "+1 - 8 0 5 - 5 5 5
// - 0 1 2 9"), a verb of calling ("call", "contact", "reach", "appelez"), and the reader's
// denial of a charge ("if this wasn't you", "didn't authorize this?", "for any dispute", "si
// vous n'êtes pas à l'origine") or its cancellation for a refund; and an amount of money in the
// text or the subject. Not in the first person: a customer writing to a shop about their own
// charge ("I did not authorize it, call me") is no lure.
std::optional<CallbackLure> find_callback_lure(std::string_view text, const NormalizedText& body,
                                               std::string_view subject,
                                               const NormalizedText& subject_words);

}  // namespace facteur::filter
