// SORT and THREAD (RFC 5256): base-subject extraction (§2.1), sorting by the SORT criteria
// (§3) and the ORDEREDSUBJECT and REFERENCES threading algorithms (§4), over data the session
// supplies per message. Output is the wire form of the THREAD response's data.
//
// TRUST: subjects and message ids come from the internet (stored decoded). REFERENCES is
// O(n log n + total references); loops and duplicate ids are handled as §4 says.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/imap/command.hpp"

namespace facteur::imap {

// RFC 5256 §2.1: "Re: [list] Fwd: Subject (fwd)" -> "Subject". Whitespace runs collapse to one
// space. `reply_or_forward` (optional) is set when a leader or trailer was removed.
std::string base_subject(std::string_view subject, bool* reply_or_forward = nullptr);

// One message for SORT (the session fills the fields the criteria need).
struct SortMessage {
  std::uint32_t number = 0;  // what the response lists: sequence number or UID
  std::uint32_t seq = 0;     // final tie-break (RFC 5256 §3)
  std::int64_t arrival = 0;  // INTERNALDATE
  std::int64_t date = 0;     // Date: header (or INTERNALDATE when absent, §3)
  std::uint64_t size = 0;    // RFC822.SIZE
  std::string subject;       // base_subject() of the decoded subject
  std::string from, to, cc;  // addr-mailbox of the first address, "" when none
};
// The numbers in sorted order.
std::vector<std::uint32_t> sort_messages(std::span<const SortCriterion> criteria,
                                         std::vector<SortMessage> messages);

// The SORT keys RFC 5256 §3 takes from the ENVELOPE: the addr-mailbox (local part) of the
// first From, To and Cc address. Read from the stored ENVELOPE wire form (quoted strings,
// literals, NIL); missing or malformed parts give "".
struct EnvelopeSortKeys {
  std::string from, to, cc;
};
EnvelopeSortKeys envelope_sort_keys(std::string_view envelope);

// One message for THREAD.
struct ThreadMessage {
  std::uint32_t number = 0;             // sequence number or UID, as the response lists them
  std::string message_id;               // without brackets, "" when absent
  std::vector<std::string> references;  // References ids oldest first (In-Reply-To if none)
  std::int64_t date = 0;                // sent date (INTERNALDATE when absent)
  std::string subject;                  // decoded subject (base_subject is applied inside)
};
// The THREAD response data: "(2)(3 6 (4 23)(44 7 96))"; "" for no messages.
std::string thread_messages(ThreadAlgorithm algorithm, std::vector<ThreadMessage> messages);

}  // namespace facteur::imap
