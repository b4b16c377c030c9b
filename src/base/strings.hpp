// Small ASCII string helpers shared by every module (protocols are case-insensitive ASCII).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace facteur {

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
}
constexpr char ascii_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? char(c - 32) : c;
}
// ASCII character classes (<cctype>'s depend on the locale and want an unsigned char).
constexpr bool ascii_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr bool ascii_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool ascii_alnum(char c) noexcept {
  return ascii_alpha(c) || ascii_digit(c);
}
constexpr bool ascii_xdigit(char c) noexcept {
  return ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool iequals(std::string_view a, std::string_view b) noexcept;
bool istarts_with(std::string_view text, std::string_view prefix) noexcept;
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
std::string_view trim(std::string_view s) noexcept;  // spaces and tabs
std::vector<std::string_view> split(std::string_view s, char sep);
// A TCP/UDP port written in decimal digits only: 1-65535, or 0 too when allow_zero ("any").
std::optional<std::uint16_t> parse_port(std::string_view text, bool allow_zero = false) noexcept;

}  // namespace facteur
