#include "filter/url.hpp"

#include <array>

#include "base/strings.hpp"
#include "filter/text_norm.hpp"

namespace facteur::filter {
namespace {

int hex_value(char c) noexcept {
  if (ascii_digit(c)) return c - '0';
  return (ascii_lower(c) - 'a') + 10;
}

// Characters that may appear in a host name as written in a link (UTF-8 bytes included).
bool is_host_char(char c) noexcept {
  return ascii_alpha(c) || ascii_digit(c) || c == '-' || c == '.' || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Second-level labels under which registrations happen one level down ("example.co.uk").
constexpr std::array<std::string_view, 16> kSecondLevel = {
    "co", "com", "net", "org", "ac",  "gov", "edu",  "ne",
    "or", "go",  "gob", "nic", "ltd", "plc", "gouv", "asso"};

bool is_dotted_ipv4(std::string_view h) noexcept {
  int parts = 0, digits = 0;
  for (char c : h) {
    if (ascii_digit(c)) {
      if (++digits > 3) return false;
    } else if (c == '.') {
      if (digits == 0) return false;
      ++parts;
      digits = 0;
    } else {
      return false;
    }
  }
  return digits > 0 && parts == 3;
}

}  // namespace

bool is_ip_host(std::string_view h) noexcept {
  if (h.empty()) return false;
  if (h.front() == '[') return true;
  if (is_dotted_ipv4(h)) return true;
  // Whole-number hosts: decimal, or hex with 0x (also dotted mixes of them).
  bool any = false;
  for (std::size_t i = 0; i < h.size();) {
    std::size_t j = h.find('.', i);
    if (j == std::string_view::npos) j = h.size();
    std::string_view part = h.substr(i, j - i);
    if (part.empty()) return false;
    if (part.size() > 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
      for (char c : part.substr(2))
        if (!ascii_xdigit(c)) return false;
    } else {
      for (char c : part)
        if (!ascii_digit(c)) return false;
    }
    any = true;
    i = j + 1;
  }
  return any;
}

std::string_view registrable_domain(std::string_view host) noexcept {
  if (host.empty() || is_ip_host(host)) return host;
  std::size_t last = host.rfind('.');
  if (last == std::string_view::npos || last == 0) return host;
  std::size_t second = host.rfind('.', last - 1);
  if (second == std::string_view::npos) return host;
  std::string_view sld = host.substr(second + 1, last - second - 1);
  std::string_view tld = host.substr(last + 1);
  bool two_level = false;
  if (tld.size() == 2) {
    for (auto s : kSecondLevel)
      if (sld == s) two_level = true;
  }
  if (!two_level) return host.substr(second + 1);
  if (second == 0) return host;
  std::size_t third = host.rfind('.', second - 1);
  if (third == std::string_view::npos) return host;
  return host.substr(third + 1);
}

std::string without_tabs(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '\t' && c != '\r' && c != '\n') out.push_back(c);
  return out;
}

std::string decode_percent(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && ascii_xdigit(s[i + 1]) && ascii_xdigit(s[i + 2])) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(plus_is_space && s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

std::optional<Url> parse_url(std::string_view t) {
  // Browsers delete tabs and line breaks anywhere in a URL (WHATWG URL, "basic URL parser"):
  // "https://www.paypal.com&#9;.evil.example/" goes to www.paypal.com.evil.example.
  std::string without;
  if (t.find_first_of("\t\r\n") != std::string_view::npos) {
    without = without_tabs(t);
    t = without;
  }
  // Browsers also strip control characters and spaces at both ends ("&#1;https://...").
  while (!t.empty() && static_cast<unsigned char>(t.front()) <= 0x20)
    t.remove_prefix(1);
  while (!t.empty() && static_cast<unsigned char>(t.back()) <= 0x20)
    t.remove_suffix(1);
  // Strip surrounding quotes/brackets as found in text.
  while (!t.empty() && (t.front() == '<' || t.front() == '"' || t.front() == '\''))
    t.remove_prefix(1);
  Url u;
  std::size_t i = 0;
  // Scheme.
  std::size_t colon = t.find(':');
  bool has_scheme = false;
  if (colon != std::string_view::npos && colon > 0 && colon < 16 && ascii_alpha(t[0])) {
    has_scheme = true;
    for (std::size_t k = 0; k < colon; ++k) {
      char c = t[k];
      if (!ascii_alpha(c) && !ascii_digit(c) && c != '+' && c != '-' && c != '.')
        has_scheme = false;
    }
  }
  if (has_scheme) {
    u.scheme = to_lower(t.substr(0, colon));
    i = colon + 1;
    if (u.scheme == "mailto") {
      std::string_view rest = t.substr(i);
      std::size_t at = rest.find('@');
      if (at == std::string_view::npos) return std::nullopt;
      std::size_t end = at + 1;
      while (end < rest.size() && is_host_char(rest[end]))
        ++end;
      u.host = to_lower(rest.substr(at + 1, end - at - 1));
    } else {
      // Browsers accept any number of slashes and backslashes after the scheme.
      std::size_t slashes = 0;
      while (i < t.size() && (t[i] == '/' || t[i] == '\\')) {
        ++i;
        ++slashes;
      }
      if (slashes == 0) return std::nullopt;  // "javascript:", "cid:", "tel:"
    }
  } else if (istarts_with(t, "www.")) {
    i = 0;
  } else if (t.starts_with("//")) {
    i = 2;
  } else {
    return std::nullopt;
  }
  if (u.host.empty()) {
    // The authority ends only where a browser ends it (WHATWG URL): at / \\ ? or #; the host
    // is after its last '@' ("www.paypal.com&quot;@evil.example" goes to evil.example).
    std::size_t end = i;
    while (end < t.size() && t[end] != '/' && t[end] != '\\' && t[end] != '?' && t[end] != '#')
      ++end;
    std::string_view authority = t.substr(i, end - i);
    std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      u.has_userinfo = true;
      u.userinfo = to_lower(authority.substr(0, at));
      authority.remove_prefix(at + 1);
    }
    // What text puts after a host without '@' ("<http://x.example>") is not in it; quotes
    // are (a browser keeps them in the host: "www.paypal.com'.evil.example" is evil's).
    if (auto stop = authority.find_first_of(" <>"); stop != std::string_view::npos)
      authority = authority.substr(0, stop);
    std::string host;
    if (!authority.empty() && authority.front() == '[') {
      std::size_t close = authority.find(']');
      host = std::string(
          authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
    } else {
      std::size_t port = authority.find(':');
      if (port != std::string_view::npos) authority = authority.substr(0, port);
      host = to_lower(decode_percent(authority));
    }
    while (!host.empty() && host.back() == '.')
      host.pop_back();
    u.host = std::move(host);
    u.path = to_lower(t.substr(end, 256));
  }
  if (u.host.empty()) return std::nullopt;
  u.host_is_ip = is_ip_host(u.host);
  return u;
}

// The length of the letter at byte `i` when it is one a written host name may contain beside
// ASCII: Latin with accents, IPA, Greek, Cyrillic, Armenian (two-byte UTF-8, U+00C0-U+058F but
// × and ÷), which is what look-alike hosts are made of; else 0. Spaces, punctuation and the
// scripts written without spaces (a Chinese or Japanese word right after a link) end it.
std::size_t host_letter_at(std::string_view s, std::size_t i) noexcept {
  std::size_t next = i;
  char32_t cp = next_code_point(s, next);
  // (Two bytes: an over-long encoding of the same letter is no letter.)
  if (next - i != 2 || cp < 0xC0 || cp > 0x58F || cp == 0xD7 || cp == 0xF7) return 0;
  return 2;
}

std::vector<std::string> find_urls_in_text(std::string_view text, std::size_t max) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size() && out.size() < max) {
    std::size_t p = text.find_first_of("hHwW", i);
    if (p == std::string_view::npos) break;
    bool at_word_start = p == 0 || !(ascii_alpha(text[p - 1]) || ascii_digit(text[p - 1]));
    std::size_t start = std::string_view::npos;
    if (at_word_start) {
      std::string_view rest = text.substr(p);
      if (istarts_with(rest, "http://") || istarts_with(rest, "https://") ||
          (istarts_with(rest, "www.") && rest.size() > 4 && is_host_char(rest[4])))
        start = p;
    }
    if (start == std::string_view::npos) {
      i = p + 1;
      continue;
    }
    std::size_t end = start;
    // Letters of other scripts are part of a written host name ("https://pаypal.com/" with a
    // Cyrillic "а", as mail clients show and link it), not of its path, where a non-ASCII
    // byte ends the link as before.
    std::size_t host_from = text.substr(start, 10).find("//");
    host_from = host_from == std::string_view::npos ? start : start + host_from + 2;
    bool in_host = true;
    while (end < text.size()) {
      auto c = static_cast<unsigned char>(text[end]);
      if (c <= ' ' || c == '"' || c == '<' || c == '>' || c == '\'' || c == ')' || c == ']' ||
          c == '}' || c == '|' || c == '^' || c == '`')
        break;
      if (end >= host_from && (c == '/' || c == '?' || c == '#')) in_host = false;
      if (c >= 0x80) {
        std::size_t letter = in_host ? host_letter_at(text, end) : 0;
        if (letter == 0) break;
        end += letter;
        continue;
      }
      ++end;
    }
    std::string_view url = text.substr(start, end - start);
    while (!url.empty() && (url.back() == '.' || url.back() == ',' || url.back() == ';' ||
                            url.back() == ':' || url.back() == '!' || url.back() == '?'))
      url.remove_suffix(1);
    out.emplace_back(url);
    i = end;
  }
  return out;
}

std::optional<std::string> host_in_text(std::string_view text) {
  text = trim(text);
  while (!text.empty() && (text.back() == '/' || text.back() == '.'))
    text.remove_suffix(1);
  if (text.empty() || text.size() > 255) return std::nullopt;
  if (istarts_with(text, "http://") || istarts_with(text, "https://") ||
      istarts_with(text, "www.")) {
    if (text.find(' ') != std::string_view::npos) return std::nullopt;
    auto u = parse_url(text);
    if (!u || u.value().host.find('.') == std::string::npos) return std::nullopt;
    return u->host;
  }
  // A bare "name.tld" with nothing else (no spaces, an alphabetic TLD of 2+ letters).
  std::size_t dots = 0;
  for (char c : text) {
    if (c == '.') {
      ++dots;
    } else if (!is_host_char(c) || static_cast<unsigned char>(c) >= 0x80) {
      return std::nullopt;
    }
  }
  if (dots == 0) return std::nullopt;
  std::size_t last = text.rfind('.');
  std::string_view tld = text.substr(last + 1);
  if (tld.size() < 2) return std::nullopt;
  for (char c : tld)
    if (!ascii_alpha(c)) return std::nullopt;
  return to_lower(text);
}

}  // namespace facteur::filter
