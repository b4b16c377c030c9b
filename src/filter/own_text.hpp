// The part of a message's text its author wrote: without lines quoted with ">" and without
// what follows a forward's header ("-----Original Message-----", "Begin forwarded message:",
// Outlook's "From: ... Sent:" block) or an unquoted "On ..., X wrote:". A reply that quotes a
// lure or a hoax to warn about it is not the lure; the author's own words say which it is.
// Trust: sees internet input (decoded text); reads at most 256 KiB, linear in it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace facteur::filter {

enum class QuoteMarks {
  at_line_start,  // only lines that begin with '>'
  indented_too,   // also "  > ..." (a newsletter quoting a hoax); not for the callback check,
                  // where "  > Call 1-800-..." may be a bullet of the author's own
};

// The author's own lines of `text`, or nullopt when nothing in it is quoted or forwarded.
std::optional<std::string> own_text(std::string_view text,
                                    QuoteMarks marks = QuoteMarks::at_line_start);

}  // namespace facteur::filter
