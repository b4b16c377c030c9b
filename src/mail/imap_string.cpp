#include "mail/imap_string.hpp"

#include <fmt/format.h>

namespace facteur::mail {

bool is_quotable(std::string_view s) noexcept {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0 || c == '\r' || c == '\n' || c >= 0x80) return false;
  }
  return true;
}

void append_string(std::string& out, std::string_view s) {
  if (is_quotable(s)) {
    out.reserve(out.size() + s.size() + 2);
    out.push_back('"');
    for (char c : s) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
    return;
  }
  std::size_t nuls = 0;
  for (char c : s)
    nuls += c == '\0';
  out += fmt::format("{{{}}}\r\n", s.size() - nuls);
  if (nuls == 0) {
    out.append(s);
    return;
  }
  for (char c : s)
    if (c != '\0') out.push_back(c);
}

void append_nstring(std::string& out, std::optional<std::string_view> s) {
  if (!s) {
    out.append("NIL");
    return;
  }
  append_string(out, *s);
}

void append_nstring_or_nil_if_empty(std::string& out, std::string_view s) {
  if (s.empty()) {
    out.append("NIL");
    return;
  }
  append_string(out, s);
}

std::string imap_string(std::string_view s) {
  std::string out;
  append_string(out, s);
  return out;
}

}  // namespace facteur::mail
