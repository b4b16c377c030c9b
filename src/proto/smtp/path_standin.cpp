// Stand-in for mail::parse_reverse_path / parse_forward_path until src/mail provides them.
#include <arpa/inet.h>

#include "base/strings.hpp"
#include "proto/smtp/arguments.hpp"

namespace facteur::smtp {

namespace {

bool is_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_atext(unsigned char c) {
  return is_alnum(c) || c >= 0x80 ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(char(c)) != std::string_view::npos;
}

// Domain (§4.1.2): sub-domains of let-dig [ldh-str], UTF-8 allowed (U-labels, RFC 6531).
bool is_domain(std::string_view d) {
  if (d.empty() || d.size() > 255) return false;
  for (auto label : split(d, '.')) {
    if (label.empty() || label.size() > 63) return false;
    auto first = static_cast<unsigned char>(label.front());
    auto last = static_cast<unsigned char>(label.back());
    if (!is_alnum(first) && first < 0x80) return false;
    if (!is_alnum(last) && last < 0x80) return false;
    for (char c : label) {
      auto u = static_cast<unsigned char>(c);
      if (!is_alnum(u) && u != '-' && u < 0x80) return false;
    }
  }
  return true;
}

bool is_address_literal(std::string_view d) {
  if (d.size() < 3 || d.front() != '[' || d.back() != ']') return false;
  std::string inner(d.substr(1, d.size() - 2));
  unsigned char buf[16];
  if (istarts_with(inner, "IPv6:")) return inet_pton(AF_INET6, inner.c_str() + 5, buf) == 1;
  auto colon = inner.find(':');
  if (colon == std::string::npos) return inet_pton(AF_INET, inner.c_str(), buf) == 1;
  // General-address-literal: Standardized-tag ":" 1*dcontent
  if (colon == 0 || colon + 1 == inner.size()) return false;
  for (std::size_t i = 0; i < inner.size(); ++i) {
    auto c = static_cast<unsigned char>(inner[i]);
    if (i < colon ? !(is_alnum(c) || c == '-') : (c < 33 || c > 126 || c == '[' || c == '\\'))
      return false;
  }
  return true;
}

}  // namespace

std::expected<Path, Reply> parse_path(std::string_view text, PathKind kind, bool smtputf8) {
  const Reply bad = kind == PathKind::reverse ? Reply{501, "5.1.7", "Bad sender address syntax"}
                                              : Reply{501, "5.1.3", "Bad recipient address syntax"};
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80 && !smtputf8)
      return std::unexpected(Reply{553, "5.6.7", "Non-ASCII address needs SMTPUTF8"});
  if (text.size() < 2 || text.front() != '<' || text.back() != '>' || text.size() > 256 + 2)
    return std::unexpected(bad);
  std::string_view s = text.substr(1, text.size() - 2);
  Path out;
  if (s.empty()) {
    if (kind == PathKind::reverse) return out;
    return std::unexpected(bad);
  }
  if (kind == PathKind::forward && iequals(s, "postmaster")) {
    out.local_part = std::string(s);
    return out;
  }
  // Source route (§4.1.2 A-d-l), obsolete: parsed and ignored (Appendix C).
  if (s.front() == '@') {
    auto colon = s.find(':');
    if (colon == std::string_view::npos) return std::unexpected(bad);
    for (auto hop : split(s.substr(0, colon), ',')) {
      if (hop.size() < 2 || hop.front() != '@' || !is_domain(hop.substr(1)))
        return std::unexpected(bad);
    }
    s.remove_prefix(colon + 1);
  }
  std::size_t i = 0;
  if (!s.empty() && s.front() == '"') {
    for (i = 1; i < s.size() && s[i] != '"'; ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c == '\\') {
        if (++i >= s.size()) return std::unexpected(bad);
        c = static_cast<unsigned char>(s[i]);
        if ((c < 32 || c > 126) && c < 0x80) return std::unexpected(bad);
      } else if ((c < 32 || c == 127) && c < 0x80) {
        return std::unexpected(bad);
      }
      out.local_part += char(c);
    }
    if (i >= s.size()) return std::unexpected(bad);
    ++i;
  } else {
    while (i < s.size() && s[i] != '@') {
      if (s[i] != '.' && !is_atext(static_cast<unsigned char>(s[i]))) return std::unexpected(bad);
      ++i;
    }
    out.local_part = std::string(s.substr(0, i));
    if (out.local_part.empty() || out.local_part.front() == '.' || out.local_part.back() == '.' ||
        out.local_part.find("..") != std::string::npos)
      return std::unexpected(bad);
  }
  if (i >= s.size() || s[i] != '@' || i > 64 + 2) return std::unexpected(bad);
  auto domain = s.substr(i + 1);
  if (!is_domain(domain) && !is_address_literal(domain)) return std::unexpected(bad);
  out.domain = std::string(domain);
  return out;
}

}  // namespace facteur::smtp
