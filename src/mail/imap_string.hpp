// IMAP string output (RFC 3501 §4.3, RFC 9051 §4.3): quoted strings when the bytes allow it,
// literals otherwise, NIL for absent values. Used to precompute ENVELOPE and BODYSTRUCTURE.
// Trust: writes bytes that came from the internet into protocol responses; never lets CR, LF,
// 8-bit bytes or NUL into a quoted string.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace facteur::mail {

// True when `s` can be sent as a quoted string: 7-bit, no NUL, CR or LF.
bool is_quotable(std::string_view s) noexcept;

// Appends `s` as a quoted string ("..." with \" and \\ escaped) when is_quotable(s), else as a
// synchronizing literal {n}CRLF followed by the bytes. NUL bytes are dropped: IMAP4rev1
// literals cannot carry them (CHAR8 excludes %x00).
void append_string(std::string& out, std::string_view s);

// append_string, or NIL when the value is absent.
void append_nstring(std::string& out, std::optional<std::string_view> s);

// append_string, or NIL when the value is empty (ENVELOPE and BODYSTRUCTURE fields that are
// NIL when missing and never meaningfully empty).
void append_nstring_or_nil_if_empty(std::string& out, std::string_view s);

std::string imap_string(std::string_view s);

}  // namespace facteur::mail
