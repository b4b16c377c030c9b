// SMTP paths (RFC 5321 §4.1.2) and the syntax helpers shared by the other address parsers.
#include "mail/address.hpp"

#include "base/strings.hpp"
#include "mail/address_syntax.hpp"
#include "mail/charset.hpp"

namespace facteur::mail {

using detail::is_alnum;
using detail::is_atext;
using detail::is_digit;
using detail::is_hex;

namespace detail {

bool is_ipv4_literal(std::string_view s) noexcept {
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t begin = i;
    unsigned value = 0;
    while (i < s.size() && is_digit(static_cast<unsigned char>(s[i])) && i - begin < 3) {
      value = value * 10 + unsigned(s[i] - '0');
      ++i;
    }
    if (i == begin || value > 255) return false;
    ++parts;
    if (i == s.size()) return parts == 4;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
}

namespace {

// 1*4HEXDIG groups separated by ':'; returns the count, or -1 when malformed. "" gives 0.
int hex_groups(std::string_view s) noexcept {
  if (s.empty()) return 0;
  int groups = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t begin = i;
    while (i < s.size() && is_hex(static_cast<unsigned char>(s[i])) && i - begin < 4)
      ++i;
    if (i == begin) return -1;
    ++groups;
    if (i == s.size()) return groups;
    if (s[i] != ':') return -1;
    ++i;
  }
}

}  // namespace

bool is_ipv6_literal(std::string_view s) noexcept {
  bool v4 = s.find('.') != std::string_view::npos;
  if (v4) {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos || !is_ipv4_literal(s.substr(colon + 1))) return false;
    s = s.substr(0, colon + 1);
    // "...::1.2.3.4" keeps its "::"; otherwise drop the ':' before the IPv4 part.
    if (!s.ends_with("::")) s.remove_suffix(1);
  }
  auto dc = s.find("::");
  if (dc == std::string_view::npos) return hex_groups(s) == (v4 ? 6 : 8);
  if (s.find("::", dc + 1) != std::string_view::npos) return false;
  int left = hex_groups(s.substr(0, dc));
  int right = hex_groups(s.substr(dc + 2));
  if (left < 0 || right < 0) return false;
  return left + right <= (v4 ? 4 : 6);  // "::" stands for at least two groups (§4.1.3)
}

}  // namespace detail

namespace {

bool is_utf8_byte(unsigned char c) {
  return c >= 0x80;
}

bool is_atext_ex(unsigned char c, bool utf8) {
  return is_atext(c) || (utf8 && is_utf8_byte(c));
}

// Quoted-string of RFC 5321 §4.1.2 at s[0] == '"'; returns the length consumed (0 on error)
// and the unquoted value.
std::size_t parse_quoted_smtp(std::string_view s, bool utf8, std::string& value) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (++i >= s.size()) return 0;
      c = static_cast<unsigned char>(s[i]);
      if (!(c >= 32 && c <= 126) && !(utf8 && is_utf8_byte(c))) return 0;
    } else if (!(c >= 32 && c <= 126) && !(utf8 && is_utf8_byte(c))) {
      return 0;
    }
    value.push_back(char(c));
  }
  return 0;
}

enum class PathKind { reverse, forward };

std::unexpected<Error> syntax(std::string_view why) {
  return make_error(Errc::parse_error, "Bad address syntax (" + std::string(why) + ")");
}

// A-d-l of §4.1.2 (source route): "@a,@b:", accepted and dropped (Appendix C).
bool skip_source_route(std::string_view& s, bool utf8) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view route = s.substr(0, colon);
  while (true) {
    auto comma = route.find(',');
    std::string_view hop = route.substr(0, comma);
    if (hop.size() < 2 || hop.front() != '@' || !is_valid_domain_name(hop.substr(1), utf8))
      return false;
    if (comma == std::string_view::npos) break;
    route.remove_prefix(comma + 1);
  }
  s.remove_prefix(colon + 1);
  return true;
}

Result<Path> parse_path(std::string_view text, const PathOptions& options, PathKind kind) {
  text = trim(text);
  bool has_8bit = false;
  for (char c : text)
    if (is_utf8_byte(static_cast<unsigned char>(c))) {
      has_8bit = true;
      break;
    }
  if (has_8bit) {
    if (!options.smtputf8)
      return make_error(Errc::invalid_argument, "Non-ASCII address needs SMTPUTF8");
    if (!is_valid_utf8(text)) return syntax("invalid UTF-8");
  }

  std::string_view s = text;
  std::size_t wire_length = text.size();
  if (!s.empty() && s.front() == '<') {
    if (s.size() < 2 || s.back() != '>') return syntax("missing '>'");
    s = s.substr(1, s.size() - 2);
  } else {
    if (options.require_brackets) return syntax("missing '<'");
    if (s.empty()) return syntax("empty address");
    if (s.back() == '>') return syntax("missing '<'");
    wire_length += 2;
  }
  if (wire_length > options.max_path) return make_error(Errc::limit_exceeded, "Path too long");

  Path path;
  path.is_utf8 = has_8bit;
  if (s.empty()) {
    if (kind == PathKind::forward) return syntax("empty recipient");
    path.is_null = true;
    return path;
  }
  if (kind == PathKind::forward && iequals(s, "postmaster")) {
    path.is_postmaster = true;
    path.local_part = std::string(s);
    return path;
  }
  if (s.front() == '@') {
    if (!skip_source_route(s, options.smtputf8)) return syntax("bad source route");
    path.had_source_route = true;
  }

  // Local-part = Dot-string / Quoted-string
  std::size_t at;
  if (!s.empty() && s.front() == '"') {
    std::size_t n = parse_quoted_smtp(s, options.smtputf8, path.local_part);
    if (n == 0) return syntax("bad quoted local part");
    at = n;
  } else {
    at = s.find('@');
    if (at == std::string_view::npos) return syntax("missing '@'");
    if (!is_dot_atom(s.substr(0, at), options.smtputf8)) return syntax("bad local part");
    path.local_part = std::string(s.substr(0, at));
  }
  if (at >= s.size() || s[at] != '@') return syntax("missing '@'");
  if (at > options.max_local_part) return make_error(Errc::limit_exceeded, "Local part too long");

  std::string_view domain = s.substr(at + 1);
  if (domain.empty()) return syntax("missing domain");
  if (domain.size() > options.max_domain)
    return make_error(Errc::limit_exceeded, "Domain too long");
  if (domain.front() == '[') {
    if (!is_valid_address_literal(domain)) return syntax("bad address literal");
    path.is_domain_literal = true;
  } else if (!is_valid_domain_name(domain, options.smtputf8)) {
    return syntax("bad domain");
  }
  path.domain = std::string(domain);
  return path;
}

}  // namespace

bool is_dot_atom(std::string_view text, bool allow_utf8) noexcept {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  char prev = 0;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_atext_ex(c, allow_utf8)) {
      return false;
    }
    prev = ch;
  }
  return true;
}

bool is_valid_domain_name(std::string_view domain, bool allow_utf8) noexcept {
  if (domain.empty() || domain.size() > 255) return false;
  std::size_t label = 0;
  unsigned char prev = '.';
  for (char ch : domain) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (prev == '.' || prev == '-') return false;
      label = 0;
    } else if (is_alnum(c) || (allow_utf8 && is_utf8_byte(c))) {
      if (++label > 63) return false;
    } else if (c == '-') {
      if (prev == '.') return false;  // Let-dig first
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return prev != '.' && prev != '-';
}

bool is_valid_address_literal(std::string_view literal) noexcept {
  if (literal.size() < 3 || literal.front() != '[' || literal.back() != ']') return false;
  std::string_view inner = literal.substr(1, literal.size() - 2);
  if (istarts_with(inner, "IPv6:")) return detail::is_ipv6_literal(inner.substr(5));
  auto colon = inner.find(':');
  if (colon == std::string_view::npos) return detail::is_ipv4_literal(inner);
  // General-address-literal = Standardized-tag ":" 1*dcontent
  std::string_view tag = inner.substr(0, colon), content = inner.substr(colon + 1);
  if (tag.empty() || content.empty() || tag.back() == '-') return false;
  for (char c : tag)
    if (!is_alnum(static_cast<unsigned char>(c)) && c != '-') return false;
  for (char ch : content) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 33 || c > 126 || c == '[' || c == ']' || c == '\\') return false;
  }
  return true;
}

bool domain_equals(std::string_view a, std::string_view b) noexcept {
  return iequals(a, b);
}

std::string quote_local_part(std::string_view local_part) {
  if (is_dot_atom(local_part, true)) return std::string(local_part);
  std::string out;
  out.reserve(local_part.size() + 4);
  out.push_back('"');
  for (char c : local_part) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string Path::to_string() const {
  if (is_null) return {};
  if (is_postmaster) return local_part;
  std::string out = quote_local_part(local_part);
  out.push_back('@');
  out.append(domain);
  return out;
}

std::string Path::to_path() const {
  // Built by appends: GCC 12 at -O3 reports a false -Wrestrict on "<" + s + ">".
  std::string inner = to_string();
  std::string out;
  out.reserve(inner.size() + 2);
  out += '<';
  out += inner;
  out += '>';
  return out;
}

std::string Path::canonical() const {
  std::string out = to_string();
  if (!is_null && !is_postmaster) {
    for (std::size_t i = out.size() - domain.size(); i < out.size(); ++i)
      out[i] = ascii_lower(out[i]);
  }
  return out;
}

Result<Path> parse_reverse_path(std::string_view text, const PathOptions& options) {
  return parse_path(text, options, PathKind::reverse);
}

Result<Path> parse_forward_path(std::string_view text, const PathOptions& options) {
  return parse_path(text, options, PathKind::forward);
}

}  // namespace facteur::mail
