// The part of a message's text its author wrote: without lines quoted with ">" and without
// what follows a reply's or a forward's header ("-----Original Message-----", "Begin forwarded
// message:", Outlook's "From: ... Sent:" block, "On ..., X wrote:"). A reply that quotes a
// lure or a hoax to warn about it is not the lure; the author's own words say which it is.
// Trust: sees internet input (decoded text); reads at most 256 KiB, one linear pass per
// marker.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace facteur::filter {

// The author's own lines of `text`, or nullopt when nothing in it is quoted or forwarded.
std::optional<std::string> own_text(std::string_view text);

}  // namespace facteur::filter
