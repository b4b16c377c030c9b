#include "filter/language.hpp"

#include <algorithm>
#include <array>
#include <bit>

#include "filter/hash.hpp"

namespace facteur::filter {
namespace {

using namespace std::string_view_literals;

// Accent-folded, at least two letters (the tokenizer drops one-letter words).
constexpr std::array kEnglish = {"the"sv, "and"sv,  "of"sv,  "to"sv,   "is"sv,    "that"sv,
                                 "for"sv, "with"sv, "was"sv, "are"sv,  "this"sv,  "have"sv,
                                 "you"sv, "not"sv,  "but"sv, "from"sv, "which"sv, "will"sv};
constexpr std::array kFrench = {"les"sv,  "des"sv,  "est"sv,   "une"sv,  "pour"sv,  "pas"sv,
                                "vous"sv, "nous"sv, "dans"sv,  "avec"sv, "sur"sv,   "qui"sv,
                                "mais"sv, "sont"sv, "cette"sv, "du"sv,   "je"sv,    "et"sv,
                                "tu"sv,   "il"sv,   "elle"sv,  "ce"sv,   "moi"sv,   "te"sv,
                                "ses"sv,  "mes"sv,  "tres"sv,  "bien"sv, "aussi"sv, "en"sv};
constexpr std::array kGerman = {"der"sv, "die"sv,  "und"sv, "das"sv, "ist"sv,  "nicht"sv,
                                "ich"sv, "sie"sv,  "mit"sv, "den"sv, "von"sv,  "zu"sv,
                                "ein"sv, "eine"sv, "auf"sv, "fur"sv, "auch"sv, "sich"sv};
constexpr std::array kSpanish = {"el"sv,   "los"sv,  "las"sv, "del"sv,  "por"sv, "para"sv,
                                 "con"sv,  "una"sv,  "es"sv,  "su"sv,   "al"sv,  "lo"sv,
                                 "como"sv, "pero"sv, "sus"sv, "esta"sv, "muy"sv, "tambien"sv};
constexpr std::array kItalian = {"il"sv,   "che"sv, "di"sv,    "della"sv, "per"sv,   "non"sv,
                                 "sono"sv, "gli"sv, "nel"sv,   "alla"sv,  "anche"sv, "questo"sv,
                                 "come"sv, "ma"sv,  "delle"sv, "dei"sv,   "molto"sv, "sei"sv};
// Not "com", "do", "um", "os": URLs and English are full of them.
constexpr std::array kPortuguese = {
    "nao"sv,    "voce"sv, "uma"sv,  "dos"sv,  "das"sv, "ao"sv,       "seu"sv,  "sua"sv,  "muito"sv,
    "tambem"sv, "isso"sv, "pelo"sv, "pela"sv, "ela"sv, "obrigado"sv, "aqui"sv, "esse"sv, "voces"sv};
// Not "je", "te", "en": French uses them at least as much ("je te retrouve en ville").
constexpr std::array kDutch = {"het"sv, "een"sv,  "van"sv,   "ik"sv,   "dat"sv,   "niet"sv,
                               "op"sv,  "zijn"sv, "met"sv,   "voor"sv, "maar"sv,  "ook"sv,
                               "wij"sv, "naar"sv, "heeft"sv, "geen"sv, "wordt"sv, "hij"sv};

constexpr std::array kLanguages = {Language::english, Language::french,  Language::german,
                                   Language::spanish, Language::italian, Language::portuguese,
                                   Language::dutch};
static_assert(kEnglish.size() <= 32 && kFrench.size() <= 32 && kGerman.size() <= 32 &&
                  kSpanish.size() <= 32 && kItalian.size() <= 32 && kPortuguese.size() <= 32 &&
                  kDutch.size() <= 32,
              "LanguageGuess::present has 32 bits");
// Same order as kLanguages.
constexpr std::array<std::span<const std::string_view>, kLanguages.size()> kLists = {
    kEnglish, kFrench, kGerman, kSpanish, kItalian, kPortuguese, kDutch};
constexpr std::array<std::string_view, kLanguages.size()> kNames = {
    "English", "French", "German", "Spanish", "Italian", "Portuguese", "Dutch"};

}  // namespace

std::string_view to_string(Language language) noexcept {
  for (std::size_t l = 0; l < kLanguages.size(); ++l)
    if (kLanguages[l] == language) return kNames[l];
  return "unknown";
}

std::span<const std::string_view> function_words(Language language) {
  for (std::size_t l = 0; l < kLanguages.size(); ++l)
    if (kLanguages[l] == language) return kLists[l];
  return {};
}

namespace {

// (hash, language index, word index), sorted by hash: one binary search per text word.
struct FunctionWord {
  std::uint64_t hash;
  std::uint8_t language;
  std::uint8_t word;
};

constexpr std::size_t kFunctionWords = kEnglish.size() + kFrench.size() + kGerman.size() +
                                       kSpanish.size() + kItalian.size() + kPortuguese.size() +
                                       kDutch.size();

consteval std::array<FunctionWord, kFunctionWords> make_index() {
  std::array<FunctionWord, kFunctionWords> index{};
  std::size_t n = 0;
  for (std::size_t l = 0; l < kLanguages.size(); ++l) {
    auto list = kLists[l];
    for (std::size_t w = 0; w < list.size(); ++w)
      index[n++] = {token_hash(list[w]), static_cast<std::uint8_t>(l),
                    static_cast<std::uint8_t>(w)};
  }
  std::sort(index.begin(), index.end(),
            [](const FunctionWord& a, const FunctionWord& b) { return a.hash < b.hash; });
  return index;
}

constexpr auto kIndex = make_index();

}  // namespace

LanguageGuess guess_language(std::span<const std::uint64_t> word_hashes) {
  std::array<std::size_t, kLanguages.size()> hits{};
  std::array<std::uint32_t, kLanguages.size()> present{};
  const std::size_t n = std::min(word_hashes.size(), kLanguageWords);
  for (std::size_t i = 0; i < n; ++i) {
    const auto h = word_hashes[i];
    auto it = std::lower_bound(kIndex.begin(), kIndex.end(), h,
                               [](const FunctionWord& f, std::uint64_t v) { return f.hash < v; });
    for (; it != kIndex.end() && it->hash == h; ++it) {
      ++hits[it->language];
      present[it->language] |= std::uint32_t{1} << it->word;
    }
  }
  std::size_t best = 0, second = 0, at = 0;
  for (std::size_t l = 0; l < hits.size(); ++l) {
    if (hits[l] > best) {
      second = best;
      best = hits[l];
      at = l;
    } else if (hits[l] > second) {
      second = hits[l];
    }
  }
  // Three different function words at least: a text of links repeats one word ("com") a lot.
  // And one language's clearly: English mail with a hidden block of another language's words
  // must not pass for that language (the classifiers' language check would go easy on it).
  std::size_t total = 0;
  for (auto h : hits)
    total += h;
  if (best < 3 || best == second || std::popcount(present[at]) < 3 || 4 * best < 3 * total)
    return {};
  return {kLanguages[at], present[at]};
}

}  // namespace facteur::filter
