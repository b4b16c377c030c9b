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
// separated by up to three spaces, hyphens, dots or parentheses in a row (also no-break spaces
// and Unicode dashes: "+1 - 8 0 5 - 555 ..."), not glued to letters or other digits ("+1 (833)
// 555-0148", "1-800-555-0199", "01 23 45 67 89", "01.23.45.67.89", "+44 20 7946 0958"). Order
// numbers, dates and times, prices and card numbers do not have that shape.
std::optional<std::string> find_phone_number(std::string_view text);

struct CallbackLure {
  std::string phone;  // as written
  // The reader's denial of the charge; else only a cancellation for a refund, as shops' own
  // terms say too: the caller counts that only from someone posing as a brand.
  bool denial = true;
};

// A lure in `text` (the decoded text) and its words (`body`), or in the subject: within three
// sentences as punctuation ends them (a colon or a line break does not), one of the numbers
// written in the text or the subject, a verb of calling ("call", "contact", "ring", "appelez"),
// and the reader's denial of a charge ("if this wasn't you", "didn't authorize this?", "si vous
// n'êtes pas à l'origine") or a refund waiting for the call, or else a cancellation for a
// refund (CallbackLure::denial false); and an amount of money in the text or the subject. Not
// in the first person: a customer writing to a shop about their own charge ("I did not
// authorize it, call me") is no lure.
std::optional<CallbackLure> find_callback_lure(std::string_view text, const NormalizedText& body,
                                               std::string_view subject,
                                               const NormalizedText& subject_words);

}  // namespace facteur::filter
