#include "filter/lookalike.hpp"

#include <algorithm>
#include <vector>

#include "base/strings.hpp"
#include "filter/text_norm.hpp"
#include "mail/punycode.hpp"

namespace facteur::filter {
namespace {

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Non-Latin letters that render like a Latin letter (a subset of Unicode's confusables.txt
// for the scripts used in phishing: Cyrillic, Greek, Armenian, Latin extensions).
char confusable_ascii(char32_t cp) {
  switch (cp) {
    // Cyrillic
    case 0x0430:
    case 0x0410:
      return 'a';
    case 0x0432:
    case 0x0412:
      return 'b';
    case 0x0441:
    case 0x0421:
      return 'c';
    case 0x0501:
      return 'd';
    case 0x0435:
    case 0x0415:
    case 0x0451:
    case 0x0401:
      return 'e';
    case 0x04BB:
    case 0x041D:
    case 0x043D:
      return 'h';
    case 0x0456:
    case 0x0406:
    case 0x0457:
      return 'i';
    case 0x0458:
    case 0x0408:
      return 'j';
    case 0x043A:
    case 0x041A:
      return 'k';
    case 0x04CF:
      return 'l';
    case 0x041C:
    case 0x043C:
      return 'm';
    case 0x043E:
    case 0x041E:
      return 'o';
    case 0x0440:
    case 0x0420:
      return 'p';
    case 0x051B:
      return 'q';
    case 0x0455:
    case 0x0405:
      return 's';
    case 0x0442:
    case 0x0422:
      return 't';
    case 0x0443:
    case 0x0423:
    case 0x04AF:
      return 'y';
    case 0x0445:
    case 0x0425:
      return 'x';
    case 0x051D:
      return 'w';
    // Greek
    case 0x03B1:
    case 0x0391:
      return 'a';
    case 0x0392:
    case 0x03B2:
      return 'b';
    case 0x0395:
    case 0x03B5:
      return 'e';
    case 0x0397:
      return 'h';
    case 0x0399:
    case 0x03B9:
      return 'i';
    case 0x039A:
    case 0x03BA:
      return 'k';
    case 0x039C:
      return 'm';
    case 0x039D:
    case 0x03B7:
      return 'n';
    case 0x039F:
    case 0x03BF:
    case 0x03C3:
      return 'o';
    case 0x03A1:
    case 0x03C1:
      return 'p';
    case 0x03A4:
    case 0x03C4:
      return 't';
    case 0x03A5:
    case 0x03C5:
    case 0x03B3:
      return 'y';
    case 0x03A7:
    case 0x03C7:
      return 'x';
    case 0x03BD:
      return 'v';
    case 0x0396:
      return 'z';
    // Armenian
    case 0x0585:
      return 'o';
    case 0x0578:
      return 'n';
    case 0x057D:
      return 'u';
    case 0x0570:
      return 'h';
    // Latin letters used as lookalikes
    case 0x0131:
      return 'i';  // dotless i
    case 0x0261:
      return 'g';  // script g
    case 0x026A:
      return 'i';
    case 0x1D00:
      return 'a';
    default:
      return 0;
  }
}

}  // namespace

bool is_internationalized(std::string_view host) noexcept {
  for (char c : host)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  std::size_t i = 0;
  while (i < host.size()) {
    std::size_t dot = host.find('.', i);
    if (dot == std::string_view::npos) dot = host.size();
    if (istarts_with(host.substr(i, dot - i), "xn--")) return true;
    i = dot + 1;
  }
  return false;
}

bool mixes_scripts(std::string_view host) {
  bool latin = false, other = false;
  std::size_t i = 0;
  while (i < host.size()) {
    char32_t cp = next_code_point(host, i);
    if (cp == '.') {
      latin = other = false;
      continue;
    }
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0x24F))
      latin = true;
    else if ((cp >= 0x250 && cp <= 0x2AF) || (cp >= 0x370 && cp <= 0x3FF) ||
             (cp >= 0x400 && cp <= 0x58F) || (cp >= 0x1F00 && cp <= 0x1FFF))
      other = true;
    if (latin && other) return true;
  }
  return false;
}

std::size_t disguised_words(std::string_view text, std::size_t max_bytes) {
  text = text.substr(0, std::min(text.size(), max_bytes));
  std::size_t found = 0, latin = 0, alike = 0, other = 0;
  auto end_word = [&] {
    if (latin > 0 && alike > 0 && other == 0 && latin + alike >= 3) ++found;
    latin = alike = other = 0;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t cp = next_code_point(text, i);
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
        (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7)) {
      ++latin;
    } else if (cp >= 0x370 && cp <= 0x52F) {
      if (confusable_ascii(cp))
        ++alike;
      else
        ++other;
    } else if (cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0xAD) {
      // invisible inside a word: the invisible-character test's business, not a word break
    } else {
      end_word();
    }
  }
  end_word();
  return found;
}

std::string unmask_lookalike_letters(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    char32_t cp = next_code_point(text, i);
    char a = cp >= 0x370 && cp <= 0x52F ? confusable_ascii(cp) : 0;
    if (a)
      out += a;
    else
      out.append(text.substr(start, i - start));
  }
  return out;
}

std::string decode_idna_host(std::string_view host) {
  std::string out;
  std::size_t i = 0;
  while (i <= host.size()) {
    std::size_t dot = host.find('.', i);
    if (dot == std::string_view::npos) dot = host.size();
    std::string_view label = host.substr(i, dot - i);
    bool done = false;
    if (istarts_with(label, "xn--")) {
      if (auto decoded = mail::punycode_decode(label.substr(4))) {
        for (char32_t cp : *decoded)
          append_utf8(out, cp);
        done = true;
      }
    }
    if (!done) out += label;
    if (dot >= host.size()) break;
    out += '.';
    i = dot + 1;
  }
  return out;
}

std::string skeleton(std::string_view s) {
  std::string folded;
  folded.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t cp = next_code_point(s, i);
    if (cp == '-' || cp == '_') continue;
    if (char a = confusable_ascii(cp)) {
      folded += a;
      continue;
    }
    if (fold_code_point(cp, folded)) continue;
    if (cp == '|' || cp == '!') {
      folded += 'l';
      continue;
    }
    if (cp == '@') {
      folded += 'a';
      continue;
    }
    if (cp < 0x80) {
      folded += static_cast<char>(cp);
      continue;
    }
    append_utf8(folded, cp);
  }
  std::string out;
  out.reserve(folded.size());
  for (std::size_t k = 0; k < folded.size(); ++k) {
    char c = folded[k];
    char next = k + 1 < folded.size() ? folded[k + 1] : '\0';
    if (c == 'r' && next == 'n') {
      out += 'm';
      ++k;
    } else if (c == 'v' && next == 'v') {
      out += 'w';
      ++k;
    } else if (c == '0') {
      out += 'o';
    } else if (c == '1' || c == 'i') {
      out += 'l';
    } else if (c == '3') {
      out += 'e';
    } else if (c == '5') {
      out += 's';
    } else {
      out += c;
    }
  }
  return out;
}

std::size_t bounded_edit_distance(std::string_view a, std::string_view b,
                                  std::size_t max_distance) noexcept {
  std::size_t la = a.size(), lb = b.size();
  std::size_t diff = la > lb ? la - lb : lb - la;
  if (diff > max_distance) return max_distance + 1;
  if (la > 64 || lb > 64) return a == b ? 0 : max_distance + 1;
  // Three rows of the OSA matrix.
  std::size_t rows[3][65];
  std::size_t* prev2 = rows[0];
  std::size_t* prev = rows[1];
  std::size_t* cur = rows[2];
  for (std::size_t j = 0; j <= lb; ++j)
    prev[j] = j;
  for (std::size_t i = 1; i <= la; ++i) {
    cur[0] = i;
    std::size_t row_min = cur[0];
    for (std::size_t j = 1; j <= lb; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      std::size_t v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        v = std::min(v, prev2[j - 2] + 1);
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > max_distance) return max_distance + 1;
    std::size_t* t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return std::min(prev[lb], max_distance + 1);
}

}  // namespace facteur::filter
