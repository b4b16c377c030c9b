// Small ASCII string helpers shared by every module (protocols are case-insensitive ASCII).
#pragma once

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

bool iequals(std::string_view a, std::string_view b) noexcept;
bool istarts_with(std::string_view text, std::string_view prefix) noexcept;
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
std::string_view trim(std::string_view s) noexcept;  // spaces and tabs
std::vector<std::string_view> split(std::string_view s, char sep);

}  // namespace facteur
