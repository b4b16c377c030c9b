#include "filter/text_norm.hpp"

#include <algorithm>

#include "filter/hash.hpp"

namespace facteur::filter {
namespace {

// Base letters of U+0100..U+017F; '*' marks the two-letter folds handled apart.
constexpr std::string_view kLatinExtA =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkkllllllllllnnnnnnnnnoooooo**rrrrrrss"
    "sssssstttttttuuuuuuuuuuuuwwyyyzzzzzzs";
// U+00C0..U+00DF (the lower-case half U+00E0..U+00FF has the same bases).
constexpr std::string_view kLatin1 = "aaaaaa*ceeeeiiiidnooooo.ouuuuy**";

// Invisible format characters: they join or break nothing a reader sees, so a word written
// with one inside ("pay\u2061pal", "Ne\u200Etflix") is the word without it.
bool is_zero_width(char32_t cp) noexcept {
  return cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x2060 || cp == 0xFEFF ||
         cp == 0xAD || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x2061 && cp <= 0x2064) ||
         cp == 0x034F || cp == 0x180E || cp == 0x3164 || cp == 0x115F || cp == 0x1160 ||
         cp == 0xFFA0 || (cp >= 0xE0000 && cp <= 0xE007F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

// Direction marks, embeddings and isolates: between two Latin letters they only hide a word's
// break-up ("Ama\u200Ezon"); next to Arabic or Hebrew they separate words as a space would.
bool is_direction_control(char32_t cp) noexcept {
  return cp == 0x200E || cp == 0x200F || cp == 0x061C || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

bool is_latin_letter(char32_t cp) noexcept {
  return (cp < 0x80 && ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')) ||
         (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x1E00 && cp <= 0x1EFF);
}

// Code points we treat as separators although they are not ASCII.
bool is_separator(char32_t cp) noexcept {
  if (cp < 0x80) return false;
  if (cp <= 0xBF) return true;  // Latin-1 punctuation, NBSP
  if (cp == 0xD7 || cp == 0xF7) return true;
  if (cp >= 0x2000 && cp <= 0x2BFF) return true;  // general punctuation, arrows, symbols
  if (cp >= 0x3000 && cp <= 0x303F) return true;  // CJK punctuation
  if ((cp >= 0x3099 && cp <= 0x309C) || cp == 0x30FB) return true;  // kana marks, middle dot
  if (cp >= 0xFF01 && cp <= 0xFF0F) return true;                    // full-width punctuation
  if (cp == 0xFFFD) return true;
  if (cp >= 0x1F000) return true;  // emoji and pictographs
  return false;
}

// Han ideographs and Japanese kana are written without spaces: each character is a word of
// its own, so the tokenizer's word pairs become character bigrams (the usual way to index
// Chinese and Japanese text without a dictionary). Hangul is written with spaces: left alone.
bool is_unspaced_script(char32_t cp) noexcept {
  return (cp >= 0x3005 && cp <= 0x3007) ||                                    // 々 〆 〇
         (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x309D && cp <= 0x30FA) ||  // kana
         (cp >= 0x30FC && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFF66 && cp <= 0xFF9D) ||  // half-width katakana
         (cp >= 0x20000 && cp <= 0x3FFFF);
}

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

}  // namespace

char32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return cp;
}

bool fold_code_point(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    char c = static_cast<char>(cp);
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
      return true;
    }
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
      return true;
    }
    return false;
  }
  if (cp >= 0xC0 && cp <= 0xFF) {
    char32_t k = (cp - 0xC0) & 0x1F;
    if (cp == 0xFF) {
      out += 'y';
      return true;
    }
    switch (k) {
      case 0x06:
        out += "ae";
        return true;
      case 0x17:
        return false;  // multiplication / division signs
      case 0x1E:
        out += "th";
        return true;
      case 0x1F:
        out += (cp == 0xDF ? "ss" : "y");
        return true;
      default:
        out += kLatin1[k];
        return true;
    }
  }
  if (cp >= 0x100 && cp <= 0x17F) {
    if (cp == 0x132 || cp == 0x133) {
      out += "ij";
      return true;
    }
    if (cp == 0x152 || cp == 0x153) {
      out += "oe";
      return true;
    }
    out += kLatinExtA[cp - 0x100];
    return true;
  }
  if (cp >= 0xFF10 && cp <= 0xFF5A) {  // full-width digits and letters
    char32_t a = cp - 0xFEE0;
    return fold_code_point(a, out);
  }
  return false;
}

namespace {

// Whether the line break at `i` is followed by a blank line (spaces, carriage returns and
// quotation marks only): "...des mesures contre vous\n\nInformez tous vos contacts" is two
// sentences. Looks ahead a bounded stretch.
bool ends_paragraph(std::string_view s, std::size_t i) {
  for (std::size_t j = i + 1; j < s.size() && j < i + 64; ++j) {
    char c = s[j];
    if (c == '\n') return true;
    if (c != ' ' && c != '\t' && c != '\r' && c != '>') return false;
  }
  return false;
}

}  // namespace

NormalizedText& NormalizedText::operator=(NormalizedText&& other) noexcept {
  if (this == &other) return *this;
  const char* old = other.text.data();
  const std::size_t size = other.text.size();
  text = std::move(other.text);
  words = std::move(other.words);
  if (text.data() != old)
    for (auto& w : words)
      if (w.data() >= old && w.data() + w.size() <= old + size)
        w = std::string_view(text.data() + (w.data() - old), w.size());
  hashes = std::move(other.hashes);
  clause_end = std::move(other.clause_end);
  letters = other.letters;
  upper = other.upper;
  exclamations = other.exclamations;
  truncated = other.truncated;
  return *this;
}

NormalizedText normalize_text(std::string_view s, const NormalizeLimits& limits) {
  NormalizedText r;
  r.text.reserve(std::max<std::size_t>(64, s.size() + s.size() / 8));  // heap, never SSO
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // offsets, views made at the end
  std::size_t word_start = std::string::npos;
  auto end_word = [&] {
    if (word_start == std::string::npos) return;
    std::size_t len = r.text.size() - word_start;
    if (len > limits.max_word) {
      // Cut at a UTF-8 character boundary.
      std::size_t cut = word_start + limits.max_word;
      while (cut > word_start && (static_cast<unsigned char>(r.text[cut]) & 0xC0) == 0x80)
        --cut;
      r.text.resize(cut);
    }
    spans.emplace_back(word_start, r.text.size() - word_start);
    r.clause_end.push_back(0);
    r.text += ' ';
    word_start = std::string::npos;
    if (spans.size() >= limits.max_words) r.truncated = true;
  };
  auto end_clause = [&](std::uint8_t strength) {  // 1: a comma, 2: a sentence end, 3: a colon
    end_word();
    if (!r.clause_end.empty()) r.clause_end.back() = std::max(r.clause_end.back(), strength);
  };
  auto begin_word = [&] {
    if (word_start == std::string::npos) word_start = r.text.size();
  };
  auto add_word = [&](std::string_view w) {
    end_word();
    if (r.truncated) return;
    begin_word();
    r.text += w;
    end_word();
  };

  std::size_t i = 0;
  char32_t visible = 0;  // the last code point that is not invisible
  while (i < s.size() && !r.truncated) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) visible = c;
    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z') {
        ++r.letters;
        ++r.upper;
        begin_word();
        r.text += static_cast<char>(c - 'A' + 'a');
      } else if ((c >= 'a' && c <= 'z')) {
        ++r.letters;
        begin_word();
        r.text += static_cast<char>(c);
      } else if (c >= '0' && c <= '9') {
        begin_word();
        r.text += static_cast<char>(c);
      } else if ((c == '.' || c == ',') && word_start != std::string::npos &&
                 r.text.back() >= '0' && r.text.back() <= '9' && i + 1 < s.size() &&
                 s[i + 1] >= '0' && s[i + 1] <= '9') {
        r.text += static_cast<char>(c);  // "25,000,000.00" stays one word
      } else if (c == '$') {
        add_word("usd");
      } else if (c == '.' &&
                 ((i + 1 < s.size() && s[i + 1] == '.') || (i > 0 && s[i - 1] == '.'))) {
        end_word();  // "...": the sentence trails on ("pass this on... 7 people")
      } else if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?') {
        if (c == '!') ++r.exclamations;
        end_clause(c == ',' ? 1 : c == ':' ? 3 : 2);
      } else if (c == '\n' && ends_paragraph(s, i)) {
        end_clause(2);  // a paragraph ends its sentence, full stop or not
      } else {
        end_word();
      }
      ++i;
      continue;
    }
    char32_t cp = next_code_point(s, i);
    if (is_zero_width(cp)) continue;  // used to break words apart: ignore
    if (is_direction_control(cp)) {
      // The whole run of invisible characters is read once: between two Latin letters it is
      // ignored, elsewhere it parts words.
      char32_t next = 0;
      std::size_t after_run = s.size();
      for (std::size_t j = i; j < s.size();) {
        std::size_t here = j;
        char32_t c2 = next_code_point(s, j);
        if (!is_zero_width(c2) && !is_direction_control(c2)) {
          next = c2;
          after_run = here;
          break;
        }
      }
      if (!(is_latin_letter(visible) && is_latin_letter(next))) end_word();
      i = after_run;
      continue;
    }
    if (cp < 0x300 || cp > 0x36F) visible = cp;  // a combining accent keeps its letter's place
    if (cp == 0x20AC) {
      add_word("eur");
      continue;
    }
    if (cp == 0xA3) {
      add_word("gbp");
      continue;
    }
    if (is_unspaced_script(cp)) {
      end_word();
      if (r.truncated) break;
      begin_word();
      append_utf8(r.text, cp);
      end_word();
      continue;
    }
    if (is_separator(cp)) {
      end_word();
      continue;
    }
    begin_word();
    if (!fold_code_point(cp, r.text)) append_utf8(r.text, cp);
  }
  if (!r.truncated) end_word();
  if (!r.text.empty() && r.text.back() == ' ') r.text.pop_back();
  r.words.reserve(spans.size());
  r.hashes.reserve(spans.size());
  for (auto [off, len] : spans) {
    r.words.emplace_back(r.text.data() + off, len);
    r.hashes.push_back(token_hash(r.words.back()));
  }
  return r;
}

}  // namespace facteur::filter
