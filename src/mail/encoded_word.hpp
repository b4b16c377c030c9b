// RFC 2047 encoded words ("=?charset?Q?...?=") in header fields: decoding to UTF-8 for display,
// search and filtering, and encoding for messages we build. Also RFC 2231 §5 language tags
// ("=?utf-8*en?Q?...?="). Raw 8-bit UTF-8 in headers (RFC 6532) passes through.
// Trust: sees internet input (any header value). Linear time, never fails.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace facteur::mail {

struct DecodeOptions {
  // Charset assumed for raw 8-bit bytes that are not valid UTF-8 (e.g. "windows-1252");
  // empty: such bytes become U+FFFD.
  std::string_view fallback_charset = {};
  // Output cap in bytes; decoding stops there (hostile headers). Default 1 MiB.
  std::size_t max_output = 1u << 20;
};

// Decodes every encoded word of a header value into UTF-8:
//  - B and Q encodings (RFC 2047 §4), any charset to_utf8() knows;
//  - whitespace between adjacent encoded words is dropped (§6.2);
//  - adjacent words with the same charset and encoding are joined before conversion, so a
//    multibyte character split across two words survives;
//  - malformed words and words in unknown charsets are left as written;
//  - encoded words glued to other text are decoded too (lenient, as most MUAs are).
// The value is not unfolded: CRLF and tabs are kept as they are (unfold first if you want).
// The result is always valid UTF-8.
std::string decode_encoded_words(std::string_view value, const DecodeOptions& options = {});

// True when the value contains "=?" (a cheap test to skip decoding).
bool may_contain_encoded_words(std::string_view value) noexcept;

// Encodes an unstructured header value (Subject:, Comments:) for a message we build: pure
// printable ASCII is returned as is; otherwise the runs of words that need it become UTF-8
// encoded words (Q or B, whichever is shorter), each at most 75 characters (§2) and never
// splitting a UTF-8 character, separated by single spaces (the caller folds at spaces).
std::string encode_header_value(std::string_view utf8);

// Encodes a display name for an address header (RFC 5322 phrase): returned as is when it is a
// sequence of atoms, as a quoted-string when that is enough (ASCII), otherwise as encoded words
// restricted to the phrase alphabet of RFC 2047 §5(3).
std::string encode_display_name(std::string_view utf8);

}  // namespace facteur::mail
