// Base64 (RFC 4648 §4, standard alphabet) for SASL payloads (POP3, IMAP, SMTP AUTH), SCRAM
// attributes and the PHC strings of password hashes. Strict decoder: no whitespace, nothing outside
// the alphabet.
//
// TRUST: decodes client-supplied SASL data; linear time, no allocation beyond the output.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace facteur {

enum class Base64Padding { required, none };  // "none": PHC strings (no '=' at all)

std::string base64_encode(std::string_view bytes, Base64Padding padding = Base64Padding::required);
std::optional<std::string> base64_decode(std::string_view text,
                                         Base64Padding padding = Base64Padding::required);

}  // namespace facteur
