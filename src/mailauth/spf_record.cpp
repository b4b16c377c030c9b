#include "mailauth/spf_record.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace facteur::mailauth {
namespace {

bool is_delimiter(char c) {
  return std::string_view(".-+,/_=").find(c) != std::string_view::npos;
}

// One macro-expand at text[i] ('%'); returns its length, or 0 when malformed.
struct MacroToken {
  std::size_t length = 0;
  char letter = 0;  // 0 for %% %_ %-
  unsigned digits = 0;
  bool reverse = false;
  std::string delimiters;
};

MacroToken scan_macro(std::string_view text, std::size_t i, bool explanation) {
  MacroToken t;
  if (i + 1 >= text.size()) return t;
  char d = text[i + 1];
  if (d == '%' || d == '_' || d == '-') {
    t.length = 2;
    t.delimiters.assign(1, d);  // letter 0: remembers which of the three
    return t;
  }
  if (d != '{') return t;
  std::size_t j = i + 2;
  if (j >= text.size()) return t;
  char letter = text[j];
  char lower = ascii_lower(letter);
  if (std::string_view("slodiphv").find(lower) == std::string_view::npos &&
      !(explanation && std::string_view("crt").find(lower) != std::string_view::npos)) {
    return t;
  }
  ++j;
  std::size_t digit_start = j;
  while (j < text.size() && ascii_digit(text[j]))
    ++j;
  if (j > digit_start) {
    if (j - digit_start > 3) return t;
    unsigned v = 0;
    for (std::size_t k = digit_start; k < j; ++k)
      v = v * 10 + unsigned(text[k] - '0');
    if (v == 0) return t;  // §7.1: the number of parts must be nonzero
    t.digits = v;
  }
  if (j < text.size() && (text[j] == 'r' || text[j] == 'R')) {
    t.reverse = true;
    ++j;
  }
  while (j < text.size() && is_delimiter(text[j]))
    t.delimiters.push_back(text[j++]);
  if (j >= text.size() || text[j] != '}') return t;
  t.letter = letter;
  t.length = j + 1 - i;
  return t;
}

bool is_toplabel(std::string_view label) {
  if (label.empty() || !ascii_alnum(label.front()) || !ascii_alnum(label.back())) return false;
  bool alpha = false, dash = false;
  for (char c : label) {
    if (c == '-') {
      dash = true;
    } else if (ascii_alpha(c)) {
      alpha = true;
    } else if (!ascii_digit(c)) {
      return false;
    }
  }
  return alpha || dash;
}

// "/N" CIDR digits: no leading zero, at most `max`.
std::optional<unsigned> parse_cidr(std::string_view digits, unsigned max) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  unsigned v = 0;
  for (char c : digits) {
    if (!ascii_digit(c)) return std::nullopt;
    v = v * 10 + unsigned(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), ascii_digit);
}

std::string url_encode(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string ip_dotted(const boost::asio::ip::address& ip) {
  if (ip.is_v4()) return ip.to_string();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto b : ip.to_v6().to_bytes()) {
    if (!out.empty()) out.push_back('.');
    out.push_back(kHex[b >> 4]);
    out.push_back('.');
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

Result<std::string> macro_value(char letter, const MacroContext& c) {
  switch (ascii_lower(letter)) {
    case 's':
      return c.sender;
    case 'l':
      return c.local_part;
    case 'o':
      return c.sender_domain;
    case 'd':
      return c.domain;
    case 'i':
      return ip_dotted(c.ip);
    case 'p':
      return c.validated_name;
    case 'v':
      return std::string(c.ip.is_v4() ? "in-addr" : "ip6");
    case 'h':
      return c.helo;
    case 'c':
      return c.ip.to_string();
    case 'r':
      return c.receiver;
    case 't':
      return fmt::format("{}", c.timestamp);
  }
  return make_error(Errc::parse_error, "bad macro letter");
}

}  // namespace

bool is_spf_record(std::string_view txt) noexcept {
  return istarts_with(txt, "v=spf1") && (txt.size() == 6 || txt[6] == ' ');
}

bool is_valid_macro_string(std::string_view text, bool explanation) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '%') {
      auto t = scan_macro(text, i, explanation);
      if (t.length == 0) return false;
      i += t.length;
      continue;
    }
    auto u = static_cast<unsigned char>(c);
    if (u > 0x7E || u < 0x20 || (u == 0x20 && !explanation)) return false;
    ++i;
  }
  return true;
}

bool is_valid_domain_spec(std::string_view text) noexcept {
  if (text.empty() || !is_valid_macro_string(text, false)) return false;
  // Find the literal run after the last macro-expand.
  std::size_t tail_start = 0;
  bool ends_with_macro = false;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '%') {
      auto t = scan_macro(text, i, false);
      i += t.length;
      tail_start = i;
      ends_with_macro = true;
    } else {
      ends_with_macro = false;
      ++i;
    }
  }
  if (ends_with_macro) return true;
  std::string_view tail = text.substr(tail_start);
  if (!tail.empty() && tail.back() == '.') tail.remove_suffix(1);
  auto dot = tail.rfind('.');
  if (dot == std::string_view::npos) return false;
  return is_toplabel(tail.substr(dot + 1));
}

bool uses_p_macro(std::string_view text) noexcept {
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    if (text[i] == '%' && text[i + 1] == '{' && ascii_lower(text[i + 2]) == 'p') return true;
    if (text[i] == '%' && text[i + 1] == '%') ++i;
  }
  return false;
}

Result<std::string> expand_macros(std::string_view text, const MacroContext& context,
                                  bool explanation) {
  if (!is_valid_macro_string(text, explanation)) {
    return make_error(Errc::parse_error, "bad macro string");
  }
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '%') {
      out.push_back(text[i++]);
      continue;
    }
    auto t = scan_macro(text, i, explanation);
    if (t.length == 0) return make_error(Errc::parse_error, "bad macro");
    i += t.length;
    if (t.letter == 0) {
      char which = t.delimiters[0];
      out += which == '%' ? "%" : (which == '_' ? " " : "%20");
      continue;
    }
    auto value = macro_value(t.letter, context);
    if (!value) return std::unexpected(value.error());
    std::string delimiters = t.delimiters.empty() ? "." : t.delimiters;
    std::vector<std::string_view> parts;
    std::string_view v = *value;
    std::size_t start = 0;
    for (std::size_t k = 0; k <= v.size(); ++k) {
      if (k == v.size() || delimiters.find(v[k]) != std::string::npos) {
        parts.push_back(v.substr(start, k - start));
        start = k + 1;
      }
    }
    if (t.reverse) std::reverse(parts.begin(), parts.end());
    if (t.digits && t.digits < parts.size()) {
      parts.erase(parts.begin(), parts.end() - t.digits);
    }
    std::string joined;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      if (k) joined.push_back('.');
      joined += parts[k];
    }
    out += t.letter >= 'A' && t.letter <= 'Z' ? url_encode(joined) : joined;  // RFC 7208 §7.3
  }
  if (!explanation) {
    if (!out.empty() && out.back() == '.') out.pop_back();
    while (out.size() > 253) {
      auto dot = out.find('.');
      if (dot == std::string::npos) break;
      out.erase(0, dot + 1);
    }
  }
  return out;
}

Result<SpfRecord> parse_spf_record(std::string_view text, const SpfRecordLimits& limits) {
  auto fail = [](std::string message) { return make_error(Errc::parse_error, std::move(message)); };
  if (!is_spf_record(text)) return fail("not an SPF record");
  SpfRecord record;
  std::size_t terms = 0;
  for (auto term : split(text.substr(6), ' ')) {
    if (term.empty()) continue;
    if (++terms > limits.max_terms) return fail("too many terms");
    for (char c : term) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x21 || u > 0x7E) return fail("non-ASCII or control character in record");
    }
    std::size_t special = term.find_first_of("=:/");
    if (special != std::string_view::npos && term[special] == '=') {
      std::string_view name = term.substr(0, special);
      std::string_view value = term.substr(special + 1);
      if (name.empty() || !ascii_alpha(name[0]) ||
          !std::all_of(name.begin(), name.end(),
                       [](char c) { return ascii_alnum(c) || c == '-' || c == '_' || c == '.'; })) {
        return fail(fmt::format("bad modifier name '{}'", name));
      }
      if (iequals(name, "redirect") || iequals(name, "exp")) {
        auto& slot = iequals(name, "redirect") ? record.redirect : record.explanation;
        if (slot) return fail(fmt::format("{}= appears twice", name));
        if (!is_valid_domain_spec(value)) return fail(fmt::format("bad domain in {}=", name));
        slot = std::string(value);
      } else {
        if (!is_valid_macro_string(value, false)) {
          return fail(fmt::format("bad macro string in {}=", name));
        }
        record.unknown.push_back(SpfModifier{std::string(name), std::string(value)});
      }
      continue;
    }
    SpfMechanism m;
    m.term = std::string(term);
    std::string_view rest = term;
    if (std::string_view("+-~?").find(rest[0]) != std::string_view::npos) {
      m.qualifier = static_cast<SpfQualifier>(rest[0]);
      rest.remove_prefix(1);
    }
    std::size_t name_end = rest.find_first_of(":/");
    std::string name = to_lower(rest.substr(0, name_end));
    rest = name_end == std::string_view::npos ? std::string_view() : rest.substr(name_end);
    auto domain_arg = [&](bool required) -> bool {
      if (rest.empty()) return !required;
      if (rest[0] != ':') return false;
      std::string_view spec = rest.substr(1);
      if (!is_valid_domain_spec(spec)) return false;
      m.domain_spec = std::string(spec);
      return true;
    };
    if (name == "all") {
      m.kind = SpfMechanismKind::all;
      if (!rest.empty()) return fail("'all' takes no argument");
    } else if (name == "include" || name == "exists") {
      m.kind = name == "include" ? SpfMechanismKind::include : SpfMechanismKind::exists;
      if (!domain_arg(true)) return fail(fmt::format("bad {} mechanism", name));
    } else if (name == "ptr") {
      m.kind = SpfMechanismKind::ptr;
      if (!domain_arg(false)) return fail("bad ptr mechanism");
    } else if (name == "a" || name == "mx") {
      m.kind = name == "a" ? SpfMechanismKind::a : SpfMechanismKind::mx;
      // dual-cidr-length at the end: [ "/" ip4 ] [ "//" ip6 ]
      auto slash = rest.rfind('/');
      if (slash != std::string_view::npos && all_digits(rest.substr(slash + 1))) {
        if (slash > 0 && rest[slash - 1] == '/') {
          auto v6 = parse_cidr(rest.substr(slash + 1), 128);
          if (!v6) return fail("bad IPv6 prefix length");
          m.cidr6 = *v6;
          rest = rest.substr(0, slash - 1);
          slash = rest.rfind('/');
        }
        if (slash != std::string_view::npos && all_digits(rest.substr(slash + 1)) &&
            !(slash > 0 && rest[slash - 1] == '/')) {
          auto v4 = parse_cidr(rest.substr(slash + 1), 32);
          if (!v4) return fail("bad IPv4 prefix length");
          m.cidr4 = *v4;
          rest = rest.substr(0, slash);
        }
      }
      if (!domain_arg(false)) return fail(fmt::format("bad {} mechanism", name));
    } else if (name == "ip4" || name == "ip6") {
      const bool v4 = name == "ip4";
      m.kind = v4 ? SpfMechanismKind::ip4 : SpfMechanismKind::ip6;
      if (rest.empty() || rest[0] != ':') return fail(fmt::format("{} needs an address", name));
      std::string_view network = rest.substr(1);
      auto slash = network.find('/');
      if (slash != std::string_view::npos) {
        auto cidr = parse_cidr(network.substr(slash + 1), v4 ? 32 : 128);
        if (!cidr) return fail(fmt::format("bad prefix length in {}", m.term));
        (v4 ? m.cidr4 : m.cidr6) = *cidr;
        network = network.substr(0, slash);
      }
      boost::system::error_code ec;
      if (v4) {
        m.network = boost::asio::ip::make_address_v4(std::string(network), ec);
      } else {
        m.network = boost::asio::ip::make_address_v6(std::string(network), ec);
      }
      if (ec) return fail(fmt::format("bad address in {}", m.term));
    } else {
      return fail(fmt::format("unknown mechanism '{}'", m.term));
    }
    record.mechanisms.push_back(std::move(m));
  }
  return record;
}

}  // namespace facteur::mailauth
