// Text normalisation shared by the statistical classifier and the phrase detectors: UTF-8 text
// becomes a list of lower-case words with Latin accents folded ("Héritage" -> "heritage"),
// currency signs turned into words ("$" -> "usd") and numbers kept with their separators.
// Trust: sees internet input (decoded message text); linear time, bounded by max_words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace facteur::filter {

struct NormalizeLimits {
  std::size_t max_words = 50'000;  // words kept; the rest of the text is ignored
  std::size_t max_word = 48;       // longer words are cut (and flagged by the tokenizer)
};

// Move-only: `words` point into `text`, whose buffer is always on the heap (so a move keeps
// the views valid).
struct NormalizedText {
  NormalizedText() = default;
  // Moving re-points `words` at the new `text`: a short string lives inside the object (the
  // small-string buffer), so a defaulted move left the views pointing into the old one (a
  // stack-use-after-return found by fuzz_filter in spell_out_sms's return).
  NormalizedText(NormalizedText&& other) noexcept { *this = std::move(other); }
  NormalizedText& operator=(NormalizedText&& other) noexcept;
  NormalizedText(const NormalizedText&) = delete;
  NormalizedText& operator=(const NormalizedText&) = delete;

  std::string text;                     // the words separated by single spaces
  std::vector<std::string_view> words;  // views into `text`
  std::vector<std::uint64_t> hashes;    // token_hash of each word (hash.hpp), computed once
  // Where a word ends a clause: 1 before a comma, 2 before . ; ! or ?, 3 before a colon (a
  // sentence end that may announce a list: "reply with: 1. ..."; an ellipsis trails on), else
  // 0. Punctuation is otherwise dropped; the chain-letter plea and the phishing check's
  // request for credentials need to know where a sentence stops.
  std::vector<std::uint8_t> clause_end;
  std::size_t letters = 0;       // ASCII letters seen (for the capitals ratio)
  std::size_t upper = 0;         // of which upper case
  std::size_t exclamations = 0;  // '!' seen
  bool truncated = false;        // max_words was reached
};

NormalizedText normalize_text(std::string_view utf8, const NormalizeLimits& limits = {});

// One UTF-8 code point folded for matching: ASCII lower-cased, Latin-1/Latin Extended-A
// letters without their accents ("é" -> "e", "œ" -> "oe", "ß" -> "ss"). Appends to `out`;
// returns false when `cp` is not a letter or digit we know (other scripts are kept by the
// caller as they are).
bool fold_code_point(char32_t cp, std::string& out);

// Decodes one code point at `i` (advancing it); invalid bytes decode as U+FFFD, one byte each.
char32_t next_code_point(std::string_view s, std::size_t& i) noexcept;

}  // namespace facteur::filter
