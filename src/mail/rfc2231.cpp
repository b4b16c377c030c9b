#include "mail/rfc2231.hpp"

#include <algorithm>
#include <optional>

#include "base/strings.hpp"
#include "mail/charset.hpp"
#include "mail/encoded_word.hpp"

namespace facteur::mail {

namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads the grammar of RFC 2045 §5.1 leniently over a raw (possibly folded) field value.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool done() const noexcept { return i_ >= s_.size(); }
  char peek() const noexcept { return s_[i_]; }
  void advance() noexcept { ++i_; }
  std::size_t pos() const noexcept { return i_; }
  void seek(std::size_t i) noexcept { i_ = i; }

  // Whitespace, line breaks and (nested) comments.
  void skip_cfws() noexcept {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (is_space(c)) {
        ++i_;
      } else if (c == '(') {
        skip_comment();
      } else {
        break;
      }
    }
  }

  // A run of bytes up to a delimiter of `stops`, whitespace or a comment.
  std::string_view token(std::string_view stops) noexcept {
    const std::size_t start = i_;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (is_space(c) || c == '(' || stops.find(c) != std::string_view::npos) break;
      ++i_;
    }
    return s_.substr(start, i_ - start);
  }

  // RFC 5322 quoted-string from the opening quote; an unterminated one runs to the end.
  // Folding line breaks are removed, quoted-pairs unescaped.
  std::string quoted() {
    std::string out;
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c == '\\' && i_ < s_.size()) {
        out.push_back(s_[i_++]);
      } else if (c != '\r' && c != '\n') {
        out.push_back(c);
      }
    }
    return out;
  }

 private:
  void skip_comment() noexcept {
    int depth = 0;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '\\') {
        if (i_ < s_.size()) ++i_;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        if (--depth == 0) return;
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

struct RawParam {
  std::string_view name;  // with its RFC 2231 suffix
  std::string value;      // unquoted
};

// An encoded word may be split across whitespace inside an unquoted value
// (name==?utf-8?B?...?= =?utf-8?B?...?=): keep reading while the next token starts one.
std::string unquoted_value(Cursor& cur, std::string_view first) {
  std::string value(first);
  while (value.find("=?") != std::string::npos && !cur.done()) {
    const std::size_t save = cur.pos();
    while (!cur.done() && is_space(cur.peek()))
      cur.advance();
    if (cur.done() || cur.peek() != '=') {
      cur.seek(save);
      break;
    }
    const std::string_view more = cur.token(";");
    if (more.size() < 2 || more[1] != '?') {
      cur.seek(save);
      break;
    }
    value.push_back(' ');
    value.append(more);
  }
  return value;
}

std::vector<RawParam> read_params(Cursor& cur, const ParamLimits& limits) {
  std::vector<RawParam> out;
  while (true) {
    cur.skip_cfws();
    while (!cur.done() && cur.peek() == ';') {
      cur.advance();
      cur.skip_cfws();
    }
    if (cur.done()) break;
    const std::string_view name = cur.token(";=\"");
    cur.skip_cfws();
    if (cur.done()) break;
    if (cur.peek() != '=') {
      // Not a parameter; a missing ';' is tolerated, so the next token may start one.
      if (name.empty() && cur.peek() == '"') cur.quoted();
      continue;
    }
    cur.advance();  // '='
    cur.skip_cfws();
    std::string value;
    bool present = false;
    if (!cur.done() && cur.peek() == '"') {
      value = cur.quoted();
      present = true;
    } else if (!cur.done() && cur.peek() != ';') {
      value = unquoted_value(cur, cur.token(";"));
      present = !value.empty();
    }
    if (name.empty() || !present) continue;
    if (out.size() >= limits.max_params) break;
    out.push_back(RawParam{name, std::move(value)});
  }
  return out;
}

struct NameParts {
  std::string_view base;
  long section = -1;  // -1: not a continuation
  bool extended = false;
};

std::optional<NameParts> split_name(std::string_view name, const ParamLimits& limits) {
  NameParts parts;
  const std::size_t star = name.find('*');
  parts.base = name.substr(0, star);
  if (parts.base.empty()) return std::nullopt;
  if (star == std::string_view::npos) return parts;
  std::string_view rest = name.substr(star + 1);
  std::size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
    ++digits;
  if (digits > 0) {
    if (digits > 9) return std::nullopt;
    long n = 0;
    for (std::size_t k = 0; k < digits; ++k)
      n = n * 10 + (rest[k] - '0');
    if (n > static_cast<long>(limits.max_segment)) return std::nullopt;
    parts.section = n;
  }
  rest.remove_prefix(digits);
  parts.extended = digits == 0 || rest.find('*') != std::string_view::npos;
  return parts;
}

// "charset'language'text": the prefix is split off when both quotes are there.
void split_ext_prefix(std::string_view value, std::string& charset, std::string& language,
                      std::string_view& text) {
  text = value;
  const std::size_t q1 = value.find('\'');
  if (q1 == std::string_view::npos) return;
  const std::size_t q2 = value.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return;
  charset.assign(value.substr(0, q1));
  language.assign(value.substr(q1 + 1, q2 - q1 - 1));
  text = value.substr(q2 + 1);
}

// RFC 2231 attribute-char: what may stay unencoded in an ext-value.
bool attribute_char(unsigned char c) noexcept {
  if (c <= 32 || c >= 127) return false;
  switch (c) {
    case '*':
    case '\'':
    case '%':
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
      return false;
    default:
      return true;
  }
}

void percent_encode_into(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (attribute_char(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

// Bytes of a parameter in `charset` (RFC 2231) or with RFC 2047 words, as UTF-8 when known.
std::string decode_text(std::string bytes, std::string_view charset) {
  if (!charset.empty()) {
    if (auto utf8 = to_utf8(bytes, charset)) return std::move(*utf8);
    return bytes;
  }
  if (may_contain_encoded_words(bytes)) return decode_encoded_words(bytes);
  return bytes;
}

struct Segment {
  long section;
  bool extended;
  std::string value;
  std::size_t order;
};

MimeParam merge_segments(std::string_view base, std::vector<Segment>& segs) {
  // Sorted by number, then by position (no std::stable_sort: its temporary buffer API is
  // deprecated in the libstdc++ clang builds against).
  std::sort(segs.begin(), segs.end(), [](const Segment& a, const Segment& b) {
    return a.section != b.section ? a.section < b.section : a.order < b.order;
  });
  MimeParam p;
  p.name.assign(base);
  std::string decoded;
  std::string wire_text;
  bool any_extended = false;
  for (std::size_t k = 0; k < segs.size(); ++k) {
    const Segment& seg = segs[k];
    if (!seg.extended) {
      decoded += seg.value;
      if (any_extended) {
        percent_encode_into(wire_text, seg.value);
      } else {
        wire_text += seg.value;
      }
      continue;
    }
    std::string_view text = seg.value;
    if (k == 0) {
      split_ext_prefix(seg.value, p.charset, p.language, text);
    } else if (!p.charset.empty() && text.size() > p.charset.size() &&
               text[p.charset.size()] == '\'' &&
               iequals(text.substr(0, p.charset.size()), p.charset)) {
      // Some mailers repeat "charset'" on every segment.
      text.remove_prefix(p.charset.size() + 1);
    }
    if (!any_extended && !wire_text.empty()) {
      // Plain segments before the first encoded one: re-encode what was taken raw.
      std::string raw = std::move(wire_text);
      wire_text.clear();
      percent_encode_into(wire_text, raw);
    }
    any_extended = true;
    decoded += percent_decode(text);
    wire_text += text;
  }
  p.extended = any_extended;
  p.rfc2231 = any_extended || segs.front().section >= 0;
  if (any_extended) {
    p.wire_name = p.name + "*";
    p.wire_value = p.charset + "'" + p.language + "'" + wire_text;
  } else {
    p.wire_name = p.name;
    p.wire_value = std::move(wire_text);
  }
  p.value = decode_text(std::move(decoded), p.charset);
  return p;
}

MimeParams resolve(std::vector<RawParam>& raw, const ParamLimits& limits) {
  // Group by base name (case-insensitive); output in order of first appearance.
  struct Group {
    std::string_view base;
    std::vector<Segment> segments;
  };
  std::vector<Group> groups;
  for (auto& r : raw) {
    auto parts = split_name(r.name, limits);
    if (!parts) continue;
    const bool continuation = parts->section >= 0;
    Group* group = nullptr;
    if (continuation) {
      for (auto& g : groups) {
        if (!g.segments.empty() && g.segments.front().section >= 0 &&
            iequals(g.base, parts->base)) {
          group = &g;
          break;
        }
      }
    }
    if (!group) {
      groups.push_back(Group{parts->base, {}});
      group = &groups.back();
    }
    group->segments.push_back(
        Segment{parts->section, parts->extended, std::move(r.value), group->segments.size()});
  }
  MimeParams out;
  out.reserve(groups.size());
  for (auto& g : groups)
    out.push_back(merge_segments(g.base, g.segments));
  return out;
}

}  // namespace

const MimeParam* find_param(const MimeParams& params, std::string_view name) noexcept {
  const MimeParam* plain = nullptr;
  for (const auto& p : params) {
    if (!iequals(p.name, name)) continue;
    if (p.extended) return &p;
    if (!plain) plain = &p;
  }
  return plain;
}

bool ContentType::is(std::string_view t, std::string_view s) const noexcept {
  return iequals(type, t) && iequals(subtype, s);
}

bool ContentType::is_type(std::string_view t) const noexcept {
  return iequals(type, t);
}

std::string_view ContentType::param_value(std::string_view name) const noexcept {
  const MimeParam* p = param(name);
  return p ? std::string_view(p->value) : std::string_view();
}

ContentType parse_content_type(std::string_view raw, const ParamLimits& limits) {
  ContentType ct;
  Cursor cur(raw);
  cur.skip_cfws();
  const std::string_view type = cur.token("/;");
  if (type.empty()) return ct;
  ct.type.assign(type);
  cur.skip_cfws();
  if (!cur.done() && cur.peek() == '/') {
    cur.advance();
    cur.skip_cfws();
    ct.subtype.assign(cur.token(";"));
  }
  auto params = read_params(cur, limits);
  ct.params = resolve(params, limits);
  return ct;
}

ContentDisposition parse_content_disposition(std::string_view raw, const ParamLimits& limits) {
  ContentDisposition cd;
  Cursor cur(raw);
  cur.skip_cfws();
  cd.type.assign(cur.token(";"));
  auto params = read_params(cur, limits);
  cd.params = resolve(params, limits);
  return cd;
}

MimeParams parse_params(std::string_view raw, const ParamLimits& limits) {
  Cursor cur(raw);
  const std::size_t semi = raw.find(';');
  if (semi != std::string_view::npos) cur.seek(semi);
  auto params = read_params(cur, limits);
  return resolve(params, limits);
}

std::vector<std::string> parse_content_language(std::string_view raw) {
  std::vector<std::string> out;
  Cursor cur(raw);
  while (true) {
    cur.skip_cfws();
    while (!cur.done() && cur.peek() == ',') {
      cur.advance();
      cur.skip_cfws();
    }
    if (cur.done()) break;
    const std::string_view tag = cur.token(",\"");
    if (!tag.empty()) {
      out.emplace_back(tag);
    } else if (cur.peek() == '"') {
      std::string q = cur.quoted();
      if (!q.empty()) out.push_back(std::move(q));
    } else {
      cur.advance();
    }
  }
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace facteur::mail
