#include "proto/imap/mailbox_name.hpp"

#include <algorithm>
#include <vector>

#include "base/strings.hpp"

namespace facteur::imap {
namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

void put_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

// Next code point of UTF-8 text; U+FFFD (consuming one byte) on invalid input. `ok` reports it.
char32_t next_utf8(std::string_view s, std::size_t& i, bool& ok) {
  const auto b = static_cast<unsigned char>(s[i]);
  ok = true;
  if (b < 0x80) {
    ++i;
    return b;
  }
  int len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b & 0xE0) == 0xC0) {
    len = 2, cp = b & 0x1F, min = 0x80;
  } else if ((b & 0xF0) == 0xE0) {
    len = 3, cp = b & 0x0F, min = 0x800;
  } else if ((b & 0xF8) == 0xF0) {
    len = 4, cp = b & 0x07, min = 0x10000;
  } else {
    ++i;
    ok = false;
    return 0xFFFD;
  }
  if (i + std::size_t(len) > s.size()) {
    ++i;
    ok = false;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + std::size_t(k)]);
    if ((c & 0xC0) != 0x80) {
      ++i;
      ok = false;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    ok = false;
    return 0xFFFD;
  }
  i += std::size_t(len);
  return cp;
}

void flush_run(std::string& out, const std::vector<char16_t>& units) {
  out += '&';
  std::uint32_t bits = 0;
  int nbits = 0;
  for (char16_t u : units) {
    bits = (bits << 16) | u;
    nbits += 16;
    while (nbits >= 6) {
      nbits -= 6;
      out += kB64[(bits >> nbits) & 0x3F];
    }
  }
  if (nbits > 0) out += kB64[(bits << (6 - nbits)) & 0x3F];
  out += '-';
}

bool is_inbox_prefix(std::string_view s) {
  return s.size() >= 5 && iequals(s.substr(0, 5), "INBOX") && (s.size() == 5 || s[5] == '/');
}

}  // namespace

Result<std::string> mutf7_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  bool last_was_run = false;
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x20 || c > 0x7E) return make_error(Errc::parse_error, "8-bit or control octet");
    if (c != '&') {
      out += char(c);
      ++i;
      last_was_run = false;
      continue;
    }
    ++i;
    if (i < in.size() && in[i] == '-') {
      out += '&';
      ++i;
      last_was_run = false;
      continue;
    }
    if (last_was_run) return make_error(Errc::parse_error, "adjacent encoded runs");
    std::uint32_t bits = 0;
    int nbits = 0;
    char16_t high = 0;
    bool any = false;
    for (;;) {
      if (i >= in.size()) return make_error(Errc::parse_error, "unterminated encoded run");
      const char d = in[i++];
      if (d == '-') break;
      const int v = b64_value(d);
      if (v < 0) return make_error(Errc::parse_error, "bad modified base64");
      bits = (bits << 6) | std::uint32_t(v);
      nbits += 6;
      if (nbits >= 16) {
        nbits -= 16;
        const auto u = char16_t((bits >> nbits) & 0xFFFF);
        bits &= (1u << nbits) - 1;
        any = true;
        if (high) {
          if (u < 0xDC00 || u > 0xDFFF) return make_error(Errc::parse_error, "bad surrogate");
          put_utf8(out, 0x10000 + ((char32_t(high) - 0xD800) << 10) + (u - 0xDC00));
          high = 0;
        } else if (u >= 0xD800 && u <= 0xDBFF) {
          high = u;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
          return make_error(Errc::parse_error, "bad surrogate");
        } else if (u >= 0x20 && u <= 0x7E) {
          return make_error(Errc::parse_error, "encoded printable ASCII");
        } else {
          put_utf8(out, u);
        }
      }
    }
    if (!any || high || nbits >= 6 || bits != 0)
      return make_error(Errc::parse_error, "bad encoded run");
    last_was_run = true;
  }
  return out;
}

std::string mutf7_encode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::vector<char16_t> run;
  std::size_t i = 0;
  while (i < in.size()) {
    bool ok = true;
    const char32_t cp = next_utf8(in, i, ok);
    if (cp >= 0x20 && cp <= 0x7E) {
      if (!run.empty()) {
        flush_run(out, run);
        run.clear();
      }
      if (cp == '&') {
        out += "&-";
      } else {
        out += char(cp);
      }
      continue;
    }
    if (cp >= 0x10000) {
      run.push_back(char16_t(0xD800 + ((cp - 0x10000) >> 10)));
      run.push_back(char16_t(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    } else {
      run.push_back(char16_t(cp));
    }
  }
  if (!run.empty()) flush_run(out, run);
  return out;
}

std::string canonical_name(std::string_view s) {
  std::string out(s);
  if (is_inbox_prefix(s)) out.replace(0, 5, "INBOX");
  return out;
}

Result<std::string> check_mailbox_name(std::string_view s) {
  if (s.empty()) return make_error(Errc::invalid_argument, "empty mailbox name");
  if (s.size() > kMaxMailboxName) return make_error(Errc::invalid_argument, "name too long");
  std::size_t i = 0;
  while (i < s.size()) {
    bool ok = true;
    const char32_t cp = next_utf8(s, i, ok);
    if (!ok) return make_error(Errc::invalid_argument, "invalid UTF-8 in mailbox name");
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
      return make_error(Errc::invalid_argument, "control character in mailbox name");
  }
  return canonical_name(s);
}

Result<std::string> check_new_mailbox_name(std::string_view s) {
  if (s.size() > 1 && s.back() == kDelimiter) s.remove_suffix(1);
  auto name = check_mailbox_name(s);
  if (!name) return name;
  if (name->find_first_of("*%") != std::string::npos)
    return make_error(Errc::invalid_argument, "wildcards are not allowed in mailbox names");
  std::size_t levels = 0;
  for (auto level : split(*name, kDelimiter)) {
    if (level.empty()) return make_error(Errc::invalid_argument, "empty hierarchy level");
    if (level == "." || level == "..")
      return make_error(Errc::invalid_argument, "\".\" and \"..\" are not allowed");
    if (++levels > kMaxMailboxLevels)
      return make_error(Errc::invalid_argument, "too many hierarchy levels");
  }
  return name;
}

std::string list_pattern(std::string_view reference, std::string_view pattern) {
  if (reference.empty()) return std::string(pattern);
  std::string out(reference);
  if (out.back() != kDelimiter && !pattern.empty() && pattern.front() != kDelimiter)
    out += kDelimiter;
  out += pattern;
  return out;
}

namespace {

// Glob with "*" and "%" by dynamic programming over the name: O(|p| * |n|), no recursion.
// prefix_mode: true when the pattern can match name + "/" + something.
bool glob(std::string_view p, std::string_view n, bool prefix_mode) {
  std::string pat = is_inbox_prefix(p) ? canonical_name(p) : std::string(p);
  std::string name = is_inbox_prefix(n) ? canonical_name(n) : std::string(n);
  if (prefix_mode) name += kDelimiter;
  // Fast path: the literal text before the first wildcard must start the name.
  const std::size_t lit = std::min(pat.find_first_of("*%"), pat.size());
  const std::size_t k = std::min(lit, name.size());
  if (name.compare(0, k, pat, 0, k) != 0) return false;
  if (prefix_mode && lit >= name.size()) return true;  // the pattern starts with "name/"
  if (lit == pat.size()) return !prefix_mode && pat == name;
  // cur[j]: pattern[0..i) matches name[0..j)
  std::vector<char> cur(name.size() + 1, 0), next(name.size() + 1, 0);
  cur[0] = 1;
  for (std::size_t i = 0; i < pat.size(); ++i) {
    const char pc = pat[i];
    std::fill(next.begin(), next.end(), 0);
    if (pc == '*') {
      bool any = false;
      for (std::size_t j = 0; j <= name.size(); ++j) {
        any = any || cur[j];
        next[j] = any;
      }
    } else if (pc == '%') {
      bool any = false;
      for (std::size_t j = 0; j <= name.size(); ++j) {
        if (j > 0 && name[j - 1] == kDelimiter) any = false;
        any = any || cur[j];
        next[j] = any;
      }
    } else {
      for (std::size_t j = 0; j < name.size(); ++j)
        if (cur[j] && name[j] == pc) next[j + 1] = 1;
    }
    std::swap(cur, next);
    // Prefix mode: some prefix of the pattern matches "name/"; the rest can match a child.
    if (prefix_mode && cur[name.size()]) return true;
  }
  return cur[name.size()] != 0;
}

}  // namespace

bool list_match(std::string_view pattern, std::string_view name) {
  return glob(pattern, name, false);
}

bool list_match_prefix(std::string_view pattern, std::string_view name) {
  return glob(pattern, name, true);
}

}  // namespace facteur::imap
