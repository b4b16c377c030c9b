// Charset conversion to UTF-8 (MIME charsets, RFC 2046 §4.1.2 / RFC 2978 names) and UTF-8
// validation (RFC 3629). Backed by glibc iconv, with fast paths for us-ascii, utf-8 and latin-1.
// Trust: sees internet input (header and body bytes of any message); never fails on bad bytes.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace facteur::mail {

// Converts `bytes` in `charset` to UTF-8. Charset names are matched case-insensitively with the
// usual aliases ("latin1", "utf8", "us-ascii", "cp1252", "x-unknown" ...). Invalid or
// truncated sequences become U+FFFD; they are never an error.
// Errors: Errc::not_found when the charset is unknown or not supported by iconv.
// Thread-safe (iconv descriptors are cached per thread).
Result<std::string> to_utf8(std::string_view bytes, std::string_view charset);

// As to_utf8 but appends to `out` (no allocation when `out` has room); returns false (and
// appends nothing) when the charset is unknown.
bool append_utf8(std::string& out, std::string_view bytes, std::string_view charset);

// True when the charset name is known (after alias resolution).
bool is_known_charset(std::string_view charset);

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view bytes) noexcept;

// Returns `bytes` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view bytes);

// Appends the UTF-8 encoding of a code point (U+FFFD for surrogates and values > U+10FFFF).
void append_code_point(std::string& out, char32_t cp);

}  // namespace facteur::mail
