#include "mail/encoded_word.hpp"

#include <array>
#include <cstdint>

#include "base/strings.hpp"
#include "mail/charset.hpp"

namespace facteur::mail {

namespace {

constexpr std::size_t kMaxCharsetName = 64;
constexpr std::size_t kMaxWordLength = 75;  // RFC 2047 §2

constexpr std::array<std::int8_t, 256> make_base64_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t)
    v = -1;
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto kBase64 = make_base64_table();
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kHex = "0123456789ABCDEF";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_wsp(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_charset_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7F && c != '?' && c != '(' && c != ')' && c != '"' && c != ',';
}

// Lenient base64: characters outside the alphabet are skipped, padding is optional.
void decode_base64(std::string& out, std::string_view text) {
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    int v = kBase64[static_cast<unsigned char>(c)];
    if (v < 0) continue;
    acc = (acc << 6) | std::uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((acc >> bits) & 0xFF));
    }
  }
}

// Q (RFC 2047 §4.2): "_" is a space, "=XX" a byte; a malformed "=" stays literal.
void decode_q(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (c == '=' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(char(hi * 16 + lo));
        i += 2;
      } else {
        out.push_back(c);
      }
    } else {
      out.push_back(c);
    }
  }
}

struct Word {
  std::size_t end = 0;       // one past "?="
  std::string_view charset;  // without the RFC 2231 "*lang" suffix
  char encoding = 0;         // 'B' or 'Q'
  std::string_view text;
};

// Parses an encoded word starting at `pos` (which points at "=?"). The scan stops at the third
// '?' at most, so repeated attempts stay linear overall.
bool parse_word(std::string_view s, std::size_t pos, Word& w) {
  std::size_t i = pos + 2;
  std::size_t cs_begin = i;
  while (i < s.size() && is_charset_char(s[i]) && i - cs_begin <= kMaxCharsetName)
    ++i;
  if (i >= s.size() || s[i] != '?' || i == cs_begin) return false;
  std::string_view charset = s.substr(cs_begin, i - cs_begin);
  if (auto star = charset.find('*'); star != std::string_view::npos)
    charset = charset.substr(0, star);  // RFC 2231 §5 language
  if (charset.empty()) return false;
  ++i;
  if (i + 1 >= s.size() || s[i + 1] != '?') return false;
  char enc = ascii_upper(s[i]);
  if (enc != 'B' && enc != 'Q') return false;
  i += 2;
  std::size_t text_begin = i;
  while (i < s.size() && s[i] != '?' && s[i] != '\r' && s[i] != '\n')
    ++i;
  if (i + 1 >= s.size() || s[i] != '?' || s[i + 1] != '=') return false;
  w.text = s.substr(text_begin, i - text_begin);
  w.charset = charset;
  w.encoding = enc;
  w.end = i + 2;
  return true;
}

class Decoder {
 public:
  Decoder(std::string_view in, const DecodeOptions& options) : in_(in), options_(options) {
    out_.reserve(in.size());
  }

  std::string run() {
    std::size_t plain_begin = 0;  // start of text not yet emitted
    std::size_t i = 0;
    while (i + 1 < in_.size() && out_.size() <= options_.max_output) {
      std::size_t at = in_.find("=?", i);
      if (at == std::string_view::npos) break;
      Word w;
      if (!parse_word(in_, at, w) || !charset_ok(w.charset)) {
        i = at + 1;
        continue;
      }
      std::string_view gap = in_.substr(plain_begin, at - plain_begin);
      bool adjacent = has_pending_ && is_all_wsp(gap);
      if (!adjacent) {
        flush();
        emit_plain(gap);
      } else if (!iequals(pending_charset_, w.charset)) {
        flush();  // §6.2: the whitespace between adjacent encoded words is dropped anyway
      }
      if (!has_pending_) {
        has_pending_ = true;
        pending_charset_ = w.charset;
        pending_bytes_.clear();
      }
      if (w.encoding == 'B')
        decode_base64(pending_bytes_, w.text);
      else
        decode_q(pending_bytes_, w.text);
      i = plain_begin = w.end;
    }
    flush();
    if (plain_begin < in_.size()) emit_plain(in_.substr(plain_begin));
    if (out_.size() > options_.max_output) truncate();
    return std::move(out_);
  }

 private:
  static bool is_all_wsp(std::string_view s) {
    for (char c : s)
      if (!is_wsp(c)) return false;
    return true;
  }

  bool charset_ok(std::string_view charset) {
    // Most words in a header share one charset: skip the lookup when it repeats.
    if (!last_known_.empty() && iequals(last_known_, charset)) return true;
    if (!is_known_charset(charset)) return false;
    last_known_ = charset;
    return true;
  }

  void flush() {
    if (!has_pending_) return;
    has_pending_ = false;
    std::size_t from = out_.size();
    if (!append_utf8(out_, pending_bytes_, pending_charset_)) return;
    // Decoded text must not smuggle line breaks or NULs into a header we might re-serialise.
    for (std::size_t k = from; k < out_.size(); ++k) {
      char& c = out_[k];
      if (c == '\r' || c == '\n' || c == '\0') c = ' ';
    }
  }

  void emit_plain(std::string_view text) {
    if (text.empty()) return;
    if (is_valid_utf8(text)) {
      out_.append(text);
    } else if (options_.fallback_charset.empty() ||
               !append_utf8(out_, text, options_.fallback_charset)) {
      out_.append(sanitize_utf8(text));
    }
  }

  void truncate() {
    std::size_t n = options_.max_output;
    while (n > 0 && (static_cast<unsigned char>(out_[n]) & 0xC0) == 0x80)
      --n;
    out_.resize(n);
  }

  std::string_view in_;
  const DecodeOptions& options_;
  std::string out_;
  bool has_pending_ = false;
  std::string_view pending_charset_;
  std::string pending_bytes_;
  std::string_view last_known_;
};

// ---- encoding ----

bool needs_encoding_char(unsigned char c) {
  return c >= 0x7F || (c < 0x20 && c != '\t');
}

bool is_atext(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(char(c)) != std::string_view::npos;
}

// Characters Q may leave as is: §4.2 for text, the stricter §5(3) list inside a phrase.
bool q_literal(unsigned char c, bool phrase) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  if (phrase) return c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
  return c > 0x20 && c < 0x7F && c != '=' && c != '?' && c != '_' && c != '(' && c != ')' &&
         c != '"';
}

std::size_t q_cost(unsigned char c, bool phrase) {
  return (c == ' ' || q_literal(c, phrase)) ? 1 : 3;
}

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  return 2;
}

// Encodes `run` (valid UTF-8) as words of at most 75 characters, never splitting a character.
void encode_run(std::string& out, std::string_view run, bool phrase) {
  constexpr std::string_view kQPrefix = "=?UTF-8?Q?";
  constexpr std::string_view kBPrefix = "=?UTF-8?B?";
  constexpr std::size_t kRoom = kMaxWordLength - kQPrefix.size() - 2;
  std::size_t q_len = 0;
  for (char c : run)
    q_len += q_cost(static_cast<unsigned char>(c), phrase);
  bool use_q = q_len <= (run.size() + 2) / 3 * 4;

  std::size_t i = 0;
  bool first = true;
  while (i < run.size()) {
    // Take whole characters while the encoded text fits.
    std::size_t j = i, cost = 0;
    while (j < run.size()) {
      std::size_t n = utf8_length(static_cast<unsigned char>(run[j]));
      if (j + n > run.size()) n = run.size() - j;
      std::size_t add = 0;
      if (use_q) {
        for (std::size_t k = 0; k < n; ++k)
          add += q_cost(static_cast<unsigned char>(run[j + k]), phrase);
        if (cost + add > kRoom) break;
        cost += add;
      } else {
        if ((j + n - i + 2) / 3 * 4 > kRoom) break;
      }
      j += n;
    }
    if (j == i) j = i + 1;  // cannot happen with kRoom >= 12; keeps progress guaranteed
    if (!first) out.push_back(' ');
    first = false;
    out.append(use_q ? kQPrefix : kBPrefix);
    std::string_view chunk = run.substr(i, j - i);
    if (use_q) {
      for (char ch : chunk) {
        auto c = static_cast<unsigned char>(ch);
        if (c == ' ') {
          out.push_back('_');
        } else if (q_literal(c, phrase)) {
          out.push_back(ch);
        } else {
          out.push_back('=');
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        }
      }
    } else {
      std::size_t k = 0;
      for (; k + 3 <= chunk.size(); k += 3) {
        std::uint32_t v = (std::uint32_t(static_cast<unsigned char>(chunk[k])) << 16) |
                          (std::uint32_t(static_cast<unsigned char>(chunk[k + 1])) << 8) |
                          std::uint32_t(static_cast<unsigned char>(chunk[k + 2]));
        out.push_back(kBase64Alphabet[(v >> 18) & 63]);
        out.push_back(kBase64Alphabet[(v >> 12) & 63]);
        out.push_back(kBase64Alphabet[(v >> 6) & 63]);
        out.push_back(kBase64Alphabet[v & 63]);
      }
      if (std::size_t rest = chunk.size() - k; rest > 0) {
        std::uint32_t v = std::uint32_t(static_cast<unsigned char>(chunk[k])) << 16;
        if (rest == 2) v |= std::uint32_t(static_cast<unsigned char>(chunk[k + 1])) << 8;
        out.push_back(kBase64Alphabet[(v >> 18) & 63]);
        out.push_back(kBase64Alphabet[(v >> 12) & 63]);
        out.push_back(rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
      }
    }
    out.append("?=");
    i = j;
  }
}

struct Token {
  std::string_view text;
  bool encode;
};

// Splits at spaces/tabs; each word is marked when it must be encoded.
template <class NeedsEncoding>
std::string encode_words(std::string_view s, bool phrase, NeedsEncoding needs) {
  std::string out;
  out.reserve(s.size() * 2);
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t ws = i;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
      ++i;
    std::string_view space = s.substr(ws, i - ws);
    std::size_t wb = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t')
      ++i;
    std::string_view word = s.substr(wb, i - wb);
    if (word.empty()) {
      out.append(space);
      break;
    }
    if (!needs(word)) {
      out.append(space);
      out.append(word);
      continue;
    }
    // A run of words to encode; the spaces inside it are encoded too (§6.2 drops the raw ones).
    std::size_t run_begin = wb, run_end = i;
    std::size_t k = i;
    while (k < s.size()) {
      std::size_t k2 = k;
      while (k2 < s.size() && (s[k2] == ' ' || s[k2] == '\t'))
        ++k2;
      std::size_t k3 = k2;
      while (k3 < s.size() && s[k3] != ' ' && s[k3] != '\t')
        ++k3;
      if (k3 == k2 || !needs(s.substr(k2, k3 - k2))) break;
      run_end = k = k3;
    }
    out.append(space);
    encode_run(out, s.substr(run_begin, run_end - run_begin), phrase);
    i = run_end;
  }
  return out;
}

// Readers (this one included) find encoded words anywhere, even across spaces: a literal
// "=?" or "?=" in the text must not be left for them to pair up.
bool looks_like_word_part(std::string_view w) {
  return w.find("=?") != std::string_view::npos || w.find("?=") != std::string_view::npos;
}

bool word_needs_encoding(std::string_view w) {
  for (char c : w)
    if (needs_encoding_char(static_cast<unsigned char>(c))) return true;
  return looks_like_word_part(w);
}

}  // namespace

bool may_contain_encoded_words(std::string_view value) noexcept {
  return value.find("=?") != std::string_view::npos;
}

std::string decode_encoded_words(std::string_view value, const DecodeOptions& options) {
  if (!may_contain_encoded_words(value)) {
    if (value.size() <= options.max_output && is_valid_utf8(value)) return std::string(value);
  }
  return Decoder(value, options).run();
}

std::string encode_header_value(std::string_view utf8) {
  std::string clean;
  if (!is_valid_utf8(utf8)) {
    clean = sanitize_utf8(utf8);
    utf8 = clean;
  }
  bool plain = true;
  for (char c : utf8)
    if (needs_encoding_char(static_cast<unsigned char>(c))) plain = false;
  if (plain && !looks_like_word_part(utf8)) return std::string(utf8);
  return encode_words(utf8, false, word_needs_encoding);
}

std::string encode_display_name(std::string_view utf8) {
  std::string clean;
  if (!is_valid_utf8(utf8)) {
    clean = sanitize_utf8(utf8);
    utf8 = clean;
  }
  bool ascii = true, atoms = true;
  bool prev_space = true;
  for (char ch : utf8) {
    auto c = static_cast<unsigned char>(ch);
    if (needs_encoding_char(c)) ascii = false;
    if (c == ' ') {
      if (prev_space) atoms = false;  // leading or doubled space
      prev_space = true;
    } else {
      if (!is_atext(c)) atoms = false;
      prev_space = false;
    }
  }
  if (prev_space && !utf8.empty()) atoms = false;
  bool looks_encoded = looks_like_word_part(utf8);
  if (atoms && !looks_encoded) return std::string(utf8);
  if (ascii && !looks_encoded) {  // readers decode "=?...?=" even inside quotes
    std::string out = "\"";
    for (char c : utf8) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c == '\t' ? ' ' : c);
    }
    out.push_back('"');
    return out;
  }
  // Atoms stay readable; everything else (non-ASCII, specials) goes into encoded words.
  return encode_words(utf8, true, [](std::string_view w) {
    for (char c : w)
      if (!is_atext(static_cast<unsigned char>(c))) return true;
    return looks_like_word_part(w);
  });
}

}  // namespace facteur::mail
