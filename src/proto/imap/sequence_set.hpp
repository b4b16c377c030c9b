// IMAP sequence sets (RFC 3501 §9 / RFC 9051 §9 sequence-set, RFC 5182 "$"): parsing, compact
// formatting, normalisation into sorted disjoint intervals, and resolution against a mailbox view
// (message sequence numbers 1..exists, or a sorted vector of UIDs).
//
// "*" is the largest number in use (the last sequence number, the highest UID); "n:m" equals
// "m:n"; "5:*" on a mailbox whose highest UID is 3 means "3" (RFC 9051 §6.4.8 example).
//
// TRUST: parses client input; every operation is O(n log n) in the set or mailbox size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace facteur::imap {

// "*" inside a SeqRange (0 is never a valid nz-number).
inline constexpr std::uint32_t kStar = 0;

struct SeqRange {
  std::uint32_t first = 0;  // kStar for "*"
  std::uint32_t last = 0;   // == first for a single number
  bool operator==(const SeqRange&) const = default;
};

struct SequenceSet {
  std::vector<SeqRange> ranges;  // as written, in order
  bool saved = false;            // "$": the saved search result (RFC 5182); ranges is empty
  bool operator==(const SequenceSet&) const = default;
};

// A closed interval of numbers, lo <= hi.
struct Interval {
  std::uint32_t lo = 0;
  std::uint32_t hi = 0;
  bool operator==(const Interval&) const = default;
};

// Parses "1,3:5,7:*" or "$". Errc::parse_error for empty elements, 0, numbers above
// 4294967295, or anything else. Limits the element count (hostile input).
Result<SequenceSet> parse_sequence_set(std::string_view text, std::size_t max_ranges = 100'000);

// The wire form ("$" for a saved reference).
std::string to_string(const SequenceSet& set);

// Sorted, merged intervals with "*" replaced by `star`. With star == 0 (an empty mailbox) a
// range naming "*" is dropped.
std::vector<Interval> normalize(const SequenceSet& set, std::uint32_t star);

// Intervals as a sequence-set string ("1:3,5"); "" for none.
std::string format_intervals(std::span<const Interval> intervals);

// Compact form of a list of numbers in the given order, runs of +1 collapsed: {1,2,3,7,6} ->
// "1:3,7,6". Used for COPYUID/APPENDUID where source and destination order must correspond
// (RFC 4315 §3), and for VANISHED/ESEARCH ALL with sorted input.
std::string format_number_set(std::span<const std::uint32_t> numbers);

// Numbers as a sorted interval list (input need not be sorted or unique).
std::vector<Interval> intervals_of(std::vector<std::uint32_t> numbers);

bool contains(std::span<const Interval> intervals, std::uint32_t n) noexcept;
std::uint64_t count(std::span<const Interval> intervals) noexcept;

// Message sequence numbers of the set on a mailbox of `exists` messages, ascending. Errors
// (Errc::invalid_argument) when a number is above `exists` or "*" is used on an empty mailbox:
// RFC 9051 §6.4 — the session answers BAD/NO. `set.saved` must be resolved by the caller.
Result<std::vector<std::uint32_t>> resolve_sequence_numbers(const SequenceSet& set,
                                                            std::uint32_t exists);

// Indexes (0-based) into `uids` (sorted ascending) of the messages the UID set names. UIDs that
// do not exist are ignored (RFC 9051 §6.4.9); "*" is the highest UID.
std::vector<std::size_t> resolve_uids(const SequenceSet& set, std::span<const std::uint32_t> uids);

}  // namespace facteur::imap
