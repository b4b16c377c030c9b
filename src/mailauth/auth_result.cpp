#include "mailauth/auth_result.hpp"

#include "base/strings.hpp"

namespace facteur::mailauth {

std::string_view to_string(AuthResult result) noexcept {
  switch (result) {
    case AuthResult::none:
      return "none";
    case AuthResult::pass:
      return "pass";
    case AuthResult::fail:
      return "fail";
    case AuthResult::softfail:
      return "softfail";
    case AuthResult::neutral:
      return "neutral";
    case AuthResult::policy:
      return "policy";
    case AuthResult::temperror:
      return "temperror";
    case AuthResult::permerror:
      return "permerror";
  }
  return "?";
}

std::optional<AuthResult> parse_auth_result(std::string_view text) noexcept {
  for (auto r :
       {AuthResult::none, AuthResult::pass, AuthResult::fail, AuthResult::softfail,
        AuthResult::neutral, AuthResult::policy, AuthResult::temperror, AuthResult::permerror}) {
    if (iequals(text, to_string(r))) return r;
  }
  // RFC 7208 §2.6 / RFC 8601 §2.7.2: the older spellings.
  if (iequals(text, "hardfail")) return AuthResult::fail;
  if (iequals(text, "temperror") || iequals(text, "error")) return AuthResult::temperror;
  if (iequals(text, "unknown")) return AuthResult::permerror;
  return std::nullopt;
}

}  // namespace facteur::mailauth
