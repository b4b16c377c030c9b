// The language of a message's text, told by its function words ("the", "les", "und", ...), for
// the statistical classifiers' coverage check: a model that never learnt legitimate mail in a
// language knows that language only from the abuse it learnt (a site trained on English ham and
// on 419 letters and hoaxes, some in French, would otherwise read any French letter as abuse).
// Trust: sees internet input (normalised words); linear, bounded by kLanguageWords.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace facteur::filter {

enum class Language { unknown, english, french, german, spanish, italian, portuguese, dutch };

std::string_view to_string(Language language) noexcept;

// Words of the text looked at.
inline constexpr std::size_t kLanguageWords = 1000;

struct LanguageGuess {
  Language language = Language::unknown;
  std::uint32_t present = 0;  // bit i: function_words(language)[i] occurs in the text
};

// The language whose function words occur most often among the first kLanguageWords words of a
// text, given as their token hashes (NormalizedText::hashes: lower case, accents folded); unknown
// below 3 occurrences of 3 different words, or when no language has three quarters of the
// function words found.
LanguageGuess guess_language(std::span<const std::uint64_t> word_hashes);

// The function words of a language (empty for unknown): frequent in any of its texts, rare in
// other languages. At most 32.
std::span<const std::string_view> function_words(Language language);

}  // namespace facteur::filter
