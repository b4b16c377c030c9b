#include "proto/smtp/envelope.hpp"

#include "base/strings.hpp"

namespace facteur::smtp {

namespace {

// atext of RFC 5321 §4.1.2 (RFC 5322 §3.2.3), plus UTF-8 (RFC 6531 §3.3).
bool is_atext(unsigned char c) {
  if (c >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(char(c)) != std::string_view::npos;
}

bool is_dot_string(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_atext(static_cast<unsigned char>(c))) {
      return false;
    }
    prev = c;
  }
  return true;
}

}  // namespace

bool Path::is_postmaster() const {
  return iequals(local_part, "postmaster");
}

std::string Path::address() const {
  std::string out;
  if (is_dot_string(local_part)) {
    out = local_part;
  } else {
    out += '"';
    for (char c : local_part) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  if (!domain.empty()) {
    out += '@';
    out += domain;
  } else if (local_part.empty()) {
    return {};
  }
  return out;
}

}  // namespace facteur::smtp
