#include "filter/sms_spelling.hpp"

#include <string_view>
#include <unordered_map>

#include "filter/hash.hpp"

namespace facteur::filter {
namespace {

// Only spellings that are no other word of English or French ("u", "ur" and "r" are no
// words of either; "sa", "c", "n" and "2" are, so they are left alone).
const std::unordered_map<std::uint64_t, std::string_view>& spellings() {
  static const std::unordered_map<std::uint64_t, std::string_view> m = [] {
    std::unordered_map<std::uint64_t, std::string_view> r;
    for (auto [sms, word] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
             {"u", "you"},
             {"ur", "your"},
             {"r", "are"},
             {"plz", "please"},
             {"pls", "please"},
             {"plse", "please"},
             {"msg", "message"},
             {"cos", "because"},
             {"coz", "because"},
             {"cuz", "because"},
             {"evry1", "everyone"},
             {"every1", "everyone"},
             {"ev1", "everyone"},
             {"sum1", "someone"},
             {"some1", "someone"},
             {"any1", "anyone"},
             {"2day", "today"},
             {"2moro", "tomorrow"},
             {"2morrow", "tomorrow"},
             {"frnds", "friends"},
             {"frends", "friends"},
             {"ppl", "people"},
             {"pple", "people"},
             {"txt", "text"},
             {"thx", "thanks"},
             // French
             {"tt", "tous"},
             {"ts", "tous"},
             {"ds", "dans"},
             {"pr", "pour"},
             {"ke", "que"},
             {"koi", "quoi"},
             {"pers", "personnes"},
             {"bcp", "beaucoup"},
             {"tjs", "toujours"},
             {"tjrs", "toujours"},
             {"qq", "quelques"},
             {"kan", "quand"},
             {"pa", "pas"},
             {"fo", "faut"},
             {"alor", "alors"},
             {"jamai", "jamais"}})
      r.emplace(token_hash(sms), word);
    return r;
  }();
  return m;
}

}  // namespace

std::optional<NormalizedText> spell_out_sms(const NormalizedText& text) {
  const auto& table = spellings();
  const std::size_t n = std::min(text.words.size(), text.hashes.size());
  bool any = false;
  for (std::size_t i = 0; i < n && !any; ++i)
    any = table.contains(text.hashes[i]);
  if (!any) return std::nullopt;

  NormalizedText out;
  out.text.reserve(text.text.size() + text.text.size() / 8);
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // offsets into out.text
  spans.reserve(n);
  out.hashes.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view w = text.words[i];
    std::uint64_t h = text.hashes[i];
    if (auto it = table.find(h); it != table.end()) {
      w = it->second;
      h = token_hash(w);
    }
    if (!out.text.empty()) out.text += ' ';
    spans.emplace_back(out.text.size(), w.size());
    out.text += w;
    out.hashes.push_back(h);
  }
  out.words.reserve(n);
  for (auto [at, size] : spans)
    out.words.emplace_back(out.text.data() + at, size);
  out.clause_end = text.clause_end;
  out.letters = text.letters;
  out.upper = text.upper;
  out.exclamations = text.exclamations;
  out.truncated = text.truncated;
  return out;
}

}  // namespace facteur::filter
