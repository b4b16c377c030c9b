// The result words shared by SPF, DKIM, DMARC and ARC, as Authentication-Results spells them
// (RFC 8601 §2.7).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace facteur::mailauth {

enum class AuthResult : std::uint8_t {
  none,
  pass,
  fail,
  softfail,  // SPF only
  neutral,
  policy,  // DKIM: valid but unacceptable to local policy
  temperror,
  permerror,
};

std::string_view to_string(AuthResult result) noexcept;
std::optional<AuthResult> parse_auth_result(std::string_view text) noexcept;

}  // namespace facteur::mailauth
