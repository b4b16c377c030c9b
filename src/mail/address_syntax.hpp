// Character classes and small validators shared by the address parsers (internal to src/mail).
#pragma once

#include <cstddef>
#include <string_view>

namespace facteur::mail::detail {

constexpr bool is_alpha(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_digit(unsigned char c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr bool is_alnum(unsigned char c) noexcept {
  return is_alpha(c) || is_digit(c);
}
constexpr bool is_hex(unsigned char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 5322 §3.2.3 atext (ASCII only).
constexpr bool is_atext(unsigned char c) noexcept {
  if (is_alnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

// A header value handed to us may run past its field: a line break not followed by WSP ends
// the field (RFC 5322 §2.2), so the text before it is all we look at.
constexpr std::string_view field_extent(std::string_view v) noexcept {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\r' && v[i] != '\n') continue;
    std::size_t j = i;
    if (v[j] == '\r' && j + 1 < v.size() && v[j + 1] == '\n') ++j;
    if (j + 1 >= v.size() || (v[j + 1] != ' ' && v[j + 1] != '\t')) return v.substr(0, i);
    i = j;
  }
  return v;
}

// IPv4-address-literal of RFC 5321 §4.1.3: four Snum (1*3DIGIT, 0-255).
bool is_ipv4_literal(std::string_view s) noexcept;
// IPv6-addr of RFC 5321 §4.1.3 (full, comp, v4-full, v4-comp), without the "IPv6:" tag.
bool is_ipv6_literal(std::string_view s) noexcept;

}  // namespace facteur::mail::detail
