// Punycode (RFC 3492), the ASCII form of internationalised domain labels ("xn--" + this, RFC
// 5890): decoding for the filter's lookalike checks, encoding for DNS blocklist names.
// Trust: sees internet input (host names of links and addresses); linear in the label, which
// is capped at 63 code points so no sum can overflow.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace facteur::mail {

// RFC 3492 §6.2: one label's Punycode part (after "xn--") as UTF-32; nullopt when malformed,
// longer than 256 bytes or over 63 code points.
std::optional<std::u32string> punycode_decode(std::string_view encoded);

// RFC 3492 §6.3: the Punycode of a label's code points (without "xn--"); nullopt over 63.
std::optional<std::string> punycode_encode(std::u32string_view label);

}  // namespace facteur::mail
