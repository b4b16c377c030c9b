#include "mail/html_text.hpp"

#include <algorithm>
#include <array>

#include "base/strings.hpp"
#include "mail/charset.hpp"

namespace facteur::mail {

namespace {

struct NamedEntity {
  std::string_view name;
  char32_t code_point;
};

// The references mail actually uses (HTML5 has ~2000; the rest stay as written). Sorted by
// name for binary search.
constexpr NamedEntity kEntities[] = {
    {"AElig", 0xC6},    {"Aacute", 0xC1},  {"Acirc", 0xC2},    {"Agrave", 0xC0},
    {"Aring", 0xC5},    {"Atilde", 0xC3},  {"Auml", 0xC4},     {"Ccedil", 0xC7},
    {"Eacute", 0xC9},   {"Ecirc", 0xCA},   {"Egrave", 0xC8},   {"Euml", 0xCB},
    {"Iacute", 0xCD},   {"Icirc", 0xCE},   {"Igrave", 0xCC},   {"Iuml", 0xCF},
    {"Ntilde", 0xD1},   {"Oacute", 0xD3},  {"Ocirc", 0xD4},    {"Ograve", 0xD2},
    {"Oslash", 0xD8},   {"Otilde", 0xD5},  {"Ouml", 0xD6},     {"Uacute", 0xDA},
    {"Ucirc", 0xDB},    {"Ugrave", 0xD9},  {"Uuml", 0xDC},     {"Yacute", 0xDD},
    {"aacute", 0xE1},   {"acirc", 0xE2},   {"aelig", 0xE6},    {"agrave", 0xE0},
    {"amp", '&'},       {"apos", '\''},    {"aring", 0xE5},    {"atilde", 0xE3},
    {"auml", 0xE4},     {"bdquo", 0x201E}, {"brvbar", 0xA6},   {"bull", 0x2022},
    {"ccedil", 0xE7},   {"cent", 0xA2},    {"copy", 0xA9},     {"curren", 0xA4},
    {"dagger", 0x2020}, {"deg", 0xB0},     {"divide", 0xF7},   {"eacute", 0xE9},
    {"ecirc", 0xEA},    {"egrave", 0xE8},  {"emsp", 0x2003},   {"ensp", 0x2002},
    {"euml", 0xEB},     {"euro", 0x20AC},  {"frac12", 0xBD},   {"frac14", 0xBC},
    {"frac34", 0xBE},   {"gt", '>'},       {"hellip", 0x2026}, {"iacute", 0xED},
    {"icirc", 0xEE},    {"iexcl", 0xA1},   {"igrave", 0xEC},   {"iquest", 0xBF},
    {"iuml", 0xEF},     {"laquo", 0xAB},   {"ldquo", 0x201C},  {"lsaquo", 0x2039},
    {"lsquo", 0x2018},  {"lt", '<'},       {"mdash", 0x2014},  {"micro", 0xB5},
    {"middot", 0xB7},   {"nbsp", 0xA0},    {"ndash", 0x2013},  {"not", 0xAC},
    {"ntilde", 0xF1},   {"oacute", 0xF3},  {"ocirc", 0xF4},    {"oelig", 0x153},
    {"ograve", 0xF2},   {"ordf", 0xAA},    {"ordm", 0xBA},     {"oslash", 0xF8},
    {"otilde", 0xF5},   {"ouml", 0xF6},    {"para", 0xB6},     {"permil", 0x2030},
    {"plusmn", 0xB1},   {"pound", 0xA3},   {"quot", '"'},      {"raquo", 0xBB},
    {"rdquo", 0x201D},  {"reg", 0xAE},     {"rsaquo", 0x203A}, {"rsquo", 0x2019},
    {"sbquo", 0x201A},  {"sect", 0xA7},    {"shy", 0xAD},      {"sup1", 0xB9},
    {"sup2", 0xB2},     {"sup3", 0xB3},    {"szlig", 0xDF},    {"thinsp", 0x2009},
    {"times", 0xD7},    {"trade", 0x2122}, {"uacute", 0xFA},   {"ucirc", 0xFB},
    {"ugrave", 0xF9},   {"uml", 0xA8},     {"uuml", 0xFC},     {"yacute", 0xFD},
    {"yen", 0xA5},      {"yuml", 0xFF},    {"zwj", 0x200D},    {"zwnj", 0x200C},
};

static_assert(std::is_sorted(std::begin(kEntities), std::end(kEntities),
                             [](const NamedEntity& a, const NamedEntity& b) {
                               return a.name < b.name;
                             }));

// HTML5 §13.2.5.80: numeric references 0x80-0x9F mean windows-1252.
constexpr std::array<char16_t, 32> kCp1252 = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

bool invisible(char32_t cp) noexcept {
  return cp == 0xAD || cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0xFEFF;
}

const NamedEntity* find_entity(std::string_view name) {
  auto it = std::lower_bound(std::begin(kEntities), std::end(kEntities), name,
                             [](const NamedEntity& e, std::string_view n) { return e.name < n; });
  if (it != std::end(kEntities) && it->name == name) return it;
  return nullptr;
}

// Decodes the reference at s[i] == '&'; appends it and returns the bytes consumed, or 0 when
// it is not one (the caller then copies '&' literally).
std::size_t decode_reference(std::string_view s, std::size_t i, std::string& out) {
  std::size_t j = i + 1;
  if (j < s.size() && s[j] == '#') {
    ++j;
    const bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
    if (hex) ++j;
    const std::size_t start = j;
    std::uint32_t cp = 0;
    while (j < s.size() && j - start < 8 &&
           (ascii_digit(s[j]) ||
            (hex && ((s[j] >= 'a' && s[j] <= 'f') || (s[j] >= 'A' && s[j] <= 'F'))))) {
      const char c = s[j];
      const std::uint32_t d = ascii_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
      cp = cp * (hex ? 16 : 10) + d;
      ++j;
    }
    if (j == start) return 0;
    if (j < s.size() && s[j] == ';') ++j;
    if (cp >= 0x80 && cp <= 0x9F) cp = kCp1252[cp - 0x80];
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (!invisible(cp)) append_code_point(out, cp);
    return j - i;
  }
  const std::size_t start = j;
  while (j < s.size() && j - start < 10 && ascii_alnum(s[j]))
    ++j;
  if (j == start) return 0;
  const NamedEntity* e = find_entity(s.substr(start, j - start));
  if (!e) return 0;
  if (j < s.size() && s[j] == ';') {
    ++j;
  } else if (e->code_point > 0xFF) {
    return 0;  // only the legacy Latin-1 names may omit the ';'
  }
  if (!invisible(e->code_point)) append_code_point(out, e->code_point);
  return j - i;
}

bool tag_is(std::string_view tag, std::string_view name) {
  return iequals(tag, name);
}

bool is_block_tag(std::string_view t) {
  static constexpr std::string_view kBlocks[] = {
      "address", "article", "aside", "blockquote", "body",       "br",     "center", "dd",
      "div",     "dl",      "dt",    "fieldset",   "figcaption", "figure", "footer", "form",
      "h1",      "h2",      "h3",    "h4",         "h5",         "h6",     "head",   "header",
      "hr",      "html",    "li",    "main",       "nav",        "ol",     "p",      "pre",
      "section", "table",   "tbody", "tfoot",      "thead",      "title",  "tr",     "ul"};
  for (auto b : kBlocks)
    if (iequals(t, b)) return true;
  return false;
}

class Reducer {
 public:
  Reducer(std::string_view html, const HtmlLimits& limits) : s_(html), limits_(limits) {
    out_.text.reserve(std::min(html.size(), limits.max_text));
  }

  HtmlText run() && {
    while (i_ < s_.size() && !out_.truncated) {
      const std::size_t lt = s_.find('<', i_);
      text(s_.substr(i_, (lt == std::string_view::npos ? s_.size() : lt) - i_));
      if (lt == std::string_view::npos) break;
      i_ = lt;
      markup();
    }
    while (!out_.text.empty() && (out_.text.back() == '\n' || out_.text.back() == ' '))
      out_.text.pop_back();
    return std::move(out_);
  }

 private:
  // A run of character data: references decoded, whitespace collapsed.
  void text(std::string_view run) {
    std::string decoded;
    if (run.find('&') != std::string_view::npos) {
      decoded = decode_html_entities(run);
      run = decoded;
    }
    std::size_t k = 0;
    while (k < run.size()) {
      const char c = run[k];
      const bool nbsp = c == '\xC2' && k + 1 < run.size() && run[k + 1] == '\xA0';
      if (is_space(c) || nbsp) {
        space_ = true;
        k += nbsp ? 2 : 1;
        continue;
      }
      std::size_t e = k + 1;
      while (e < run.size() && !is_space(run[e]) && run[e] != '\xC2')
        ++e;
      emit(run.substr(k, e - k));
      k = e;
    }
  }

  void emit(std::string_view word) {
    std::string& t = out_.text;
    if (space_ && !t.empty() && t.back() != '\n') t.push_back(' ');
    space_ = false;
    if (t.size() + word.size() > limits_.max_text) {
      out_.truncated = true;
      return;
    }
    t.append(word);
  }

  void line_break() {
    std::string& t = out_.text;
    while (!t.empty() && t.back() == ' ')
      t.pop_back();
    if (!t.empty() && t.back() != '\n' && t.size() < limits_.max_text) t.push_back('\n');
    space_ = false;
  }

  // At '<': a comment, a declaration, a tag, or a literal '<'.
  void markup() {
    const std::size_t n = s_.size();
    if (s_.compare(i_, 4, "<!--") == 0) {
      const std::size_t end = s_.find("-->", i_ + 4);
      i_ = end == std::string_view::npos ? n : end + 3;
      return;
    }
    const char next = i_ + 1 < n ? s_[i_ + 1] : '\0';
    if (next == '!' || next == '?') {
      const std::size_t end = s_.find('>', i_);
      i_ = end == std::string_view::npos ? n : end + 1;
      return;
    }
    const bool closing = next == '/';
    std::size_t j = i_ + (closing ? 2 : 1);
    if (j >= n || !ascii_alpha(s_[j])) {
      emit("<");
      ++i_;
      return;
    }
    const std::size_t name_start = j;
    while (j < n && (ascii_alnum(s_[j]) || s_[j] == '-' || s_[j] == ':'))
      ++j;
    const std::string_view name = s_.substr(name_start, j - name_start);
    const bool want_href = !closing && (tag_is(name, "a") || tag_is(name, "area"));
    const bool want_action = !closing && tag_is(name, "form");
    j = attributes(j, want_href ? "href" : want_action ? "action" : "");
    i_ = j;
    if (is_block_tag(name)) {
      line_break();
    } else if (tag_is(name, "td") || tag_is(name, "th") || tag_is(name, "img")) {
      space_ = true;
    }
    if (!closing && (tag_is(name, "script") || tag_is(name, "style"))) skip_raw_text(name);
  }

  // Attributes up to '>' (quotes respected); collects the value of `wanted`. Returns the
  // position after '>'.
  std::size_t attributes(std::size_t j, std::string_view wanted) {
    const std::size_t n = s_.size();
    while (j < n && s_[j] != '>') {
      if (is_space(s_[j]) || s_[j] == '/') {
        ++j;
        continue;
      }
      const std::size_t a = j;
      while (j < n && !is_space(s_[j]) && s_[j] != '=' && s_[j] != '>')
        ++j;
      const std::string_view attr = s_.substr(a, j - a);
      while (j < n && is_space(s_[j]))
        ++j;
      if (j >= n || s_[j] != '=') continue;
      ++j;
      while (j < n && is_space(s_[j]))
        ++j;
      std::string_view value;
      if (j < n && (s_[j] == '"' || s_[j] == '\'')) {
        const char q = s_[j];
        const std::size_t end = s_.find(q, j + 1);
        const std::size_t stop = end == std::string_view::npos ? n : end;
        value = s_.substr(j + 1, stop - j - 1);
        j = end == std::string_view::npos ? n : end + 1;
      } else {
        const std::size_t v = j;
        while (j < n && !is_space(s_[j]) && s_[j] != '>')
          ++j;
        value = s_.substr(v, j - v);
      }
      if (!wanted.empty() && iequals(attr, wanted)) add_link(value);
    }
    return j < n ? j + 1 : n;
  }

  void add_link(std::string_view raw) {
    if (out_.links.size() >= limits_.max_links) return;
    std::string url = decode_html_entities(raw);
    const std::size_t b = url.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return;
    const std::size_t e = url.find_last_not_of(" \t\r\n");
    url = url.substr(b, e - b + 1);
    if (url.size() > limits_.max_link_size) url.resize(limits_.max_link_size);
    out_.links.push_back(std::move(url));
  }

  // Skips the content of <script>/<style> up to and including the matching end tag.
  void skip_raw_text(std::string_view name) {
    const std::size_t n = s_.size();
    std::size_t j = i_;
    while (true) {
      const std::size_t lt = s_.find("</", j);
      if (lt == std::string_view::npos) {
        i_ = n;
        return;
      }
      if (lt + 2 + name.size() <= n && iequals(s_.substr(lt + 2, name.size()), name)) {
        const std::size_t gt = s_.find('>', lt);
        i_ = gt == std::string_view::npos ? n : gt + 1;
        return;
      }
      j = lt + 2;
    }
  }

  std::string_view s_;
  const HtmlLimits& limits_;
  HtmlText out_;
  std::size_t i_ = 0;
  bool space_ = false;
};

}  // namespace

std::string decode_html_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t amp = s.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(s.substr(i));
      break;
    }
    out.append(s.substr(i, amp - i));
    const std::size_t used = decode_reference(s, amp, out);
    if (used == 0) {
      out.push_back('&');
      i = amp + 1;
    } else {
      i = amp + used;
    }
  }
  return out;
}

HtmlText html_to_text(std::string_view html, const HtmlLimits& limits) {
  return Reducer(html, limits).run();
}

std::string html_meta_charset(std::string_view html) {
  const std::string head = to_lower(html.substr(0, 4096));
  std::size_t pos = 0;
  while ((pos = head.find("<meta", pos)) != std::string::npos) {
    const std::size_t end = head.find('>', pos);
    const std::string_view tag =
        std::string_view(head).substr(pos, (end == std::string::npos ? head.size() : end) - pos);
    const std::size_t cs = tag.find("charset=");
    if (cs != std::string_view::npos) {
      std::size_t v = cs + 8;
      while (v < tag.size() && (tag[v] == '"' || tag[v] == '\'' || tag[v] == ' '))
        ++v;
      std::size_t e = v;
      while (e < tag.size() && (ascii_alnum(tag[e]) || tag[e] == '-' || tag[e] == '_' ||
                                tag[e] == ':' || tag[e] == '.'))
        ++e;
      if (e > v) return std::string(tag.substr(v, e - v));
    }
    pos += 5;
  }
  return {};
}

}  // namespace facteur::mail
