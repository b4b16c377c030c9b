// Base64 (RFC 4648 §4) for the AUTH exchange (RFC 5034 §4): strict decoding of client lines,
// encoding of "+ " challenges. (directory/ has the same codec; this module links only base.)
//
// TRUST: decodes client input; linear time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace facteur::pop3 {

enum class Base64Padding { required, none };

std::string base64_encode(std::string_view bytes, Base64Padding padding = Base64Padding::required);
std::optional<std::string> base64_decode(std::string_view text,
                                         Base64Padding padding = Base64Padding::required);

}  // namespace facteur::pop3
