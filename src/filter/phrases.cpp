#include "filter/phrases.hpp"

#include <algorithm>

#include "filter/hash.hpp"

namespace facteur::filter {
namespace {

bool word_matches(std::string_view pattern, std::string_view word) noexcept {
  if (pattern == "*") return true;
  if (pattern.size() > 1 && pattern.back() == '*')
    return word.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == word;
}

// Sets the flag of `group`, growing the per-group flags as needed.
void set_group_flag(std::vector<bool>& flags, int group) {
  if (group < 0) return;
  auto g = static_cast<std::size_t>(group);
  if (flags.size() <= g) flags.resize(g + 1, false);
  flags[g] = true;
}

}  // namespace

void PhraseMatcher::add(std::string_view pattern, int group) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < pattern.size()) {
    std::size_t sp = pattern.find(' ', i);
    if (sp == std::string_view::npos) sp = pattern.size();
    if (sp > i) words.emplace_back(pattern.substr(i, sp - i));
    i = sp + 1;
  }
  if (words.empty()) return;
  Pattern p;
  p.group = group;
  p.id = patterns_++;
  p.rest.assign(words.begin() + 1, words.end());
  std::uint64_t h = token_hash(words.front());
  by_first_[h].push_back(std::move(p));
  bloom_[(h >> 48) >> 6] |= std::uint64_t{1} << ((h >> 48) & 63);
  if (group + 1 > groups_) groups_ = group + 1;
}

void PhraseMatcher::count_overlaps_once(int group) {
  set_group_flag(overlaps_once_, group);
}

void PhraseMatcher::count_repeats_once(int group) {
  set_group_flag(repeats_once_, group);
}

void PhraseMatcher::add_all(std::initializer_list<std::string_view> patterns, int group) {
  for (auto p : patterns)
    add(p, group);
}

void PhraseMatcher::match(std::span<const std::string_view> words, std::vector<int>& hits) const {
  std::vector<std::uint64_t> hashes;
  hashes.reserve(words.size());
  for (auto w : words)
    hashes.push_back(token_hash(w));
  match(words, hashes, hits);
}

void PhraseMatcher::match(std::span<const std::string_view> words,
                          std::span<const std::uint64_t> hashes, std::vector<int>& hits) const {
  hits.assign(static_cast<std::size_t>(groups_), 0);
  // Where each group's last stretch of matches ends (for groups whose overlaps count once),
  // and the patterns already counted (when repeats do not count).
  std::vector<std::size_t> counted_to(overlaps_once_.size(), 0);
  std::vector<bool> seen(repeats_once_.empty() ? 0 : patterns_, false);
  std::size_t n = std::min(words.size(), hashes.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t h = hashes[i];
    if (!(bloom_[(h >> 48) >> 6] & (std::uint64_t{1} << ((h >> 48) & 63)))) continue;
    auto it = by_first_.find(h);
    if (it == by_first_.end()) continue;
    for (const auto& p : it->second) {
      if (i + p.rest.size() >= n) continue;
      bool ok = true;
      for (std::size_t k = 0; k < p.rest.size() && ok; ++k)
        ok = word_matches(p.rest[k], words[i + 1 + k]);
      if (!ok) continue;
      auto g = static_cast<std::size_t>(p.group);
      if (g < overlaps_once_.size() && overlaps_once_[g]) {
        // (An overlapping match extends the stretch it overlaps: "forward this to everyone",
        // "everyone in your contacts", "in your contacts" are one.)
        const bool again = i < counted_to[g];
        counted_to[g] = std::max(counted_to[g], i + 1 + p.rest.size());
        if (again) continue;
      }
      if (g < repeats_once_.size() && repeats_once_[g]) {
        if (seen[p.id]) continue;
        seen[p.id] = true;
      }
      ++hits[g];
    }
  }
}

}  // namespace facteur::filter
