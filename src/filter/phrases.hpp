// Multi-word phrase matching over normalised words, for the scam, hoax and phishing detectors:
// each pattern is a sequence of words ("forward this to everyone"), where "*" matches any one
// word and "word*" any word starting with "word"; patterns are indexed by their first word, so
// matching is one hash look-up per word of the text.
// Trust: sees internet input (normalised text); linear in the number of words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "filter/text_norm.hpp"

namespace facteur::filter {

class PhraseMatcher {
 public:
  // `pattern` in the form produced by normalize_text (lower case, no accents); the first word
  // must be literal. `group` is the caller's category index (>= 0).
  void add(std::string_view pattern, int group);
  void add_all(std::initializer_list<std::string_view> patterns, int group);

  // Counts, per group, the positions where a pattern of that group matches. `hits` is resized
  // to the number of groups.
  void match(std::span<const std::string_view> words, std::vector<int>& hits) const;
  // The same with the words' hashes already computed (NormalizedText::hashes).
  void match(std::span<const std::string_view> words, std::span<const std::uint64_t> hashes,
             std::vector<int>& hits) const;
  void match(const NormalizedText& text, std::vector<int>& hits) const {
    match(text.words, text.hashes, hits);
  }

  int groups() const noexcept { return groups_; }

  // Matches of `group` that overlap count once: "pass this on to everyone" and "everyone you
  // know" are one plea (by default each match counts).
  void count_overlaps_once(int group);
  // Each pattern of `group` counts once however often it is found: "good luck ... good luck"
  // is one piece of evidence (by default each occurrence counts).
  void count_repeats_once(int group);

 private:
  struct Pattern {
    std::vector<std::string> rest;  // words after the first
    int group = 0;
    std::size_t id = 0;  // order of addition
  };
  std::unordered_map<std::uint64_t, std::vector<Pattern>> by_first_;
  // One bit per first-word hash (top 16 bits): most words of a text are rejected with one
  // memory access instead of a map look-up.
  std::vector<std::uint64_t> bloom_ = std::vector<std::uint64_t>(1024, 0);
  int groups_ = 0;
  std::size_t patterns_ = 0;
  std::vector<bool> overlaps_once_;  // by group
  std::vector<bool> repeats_once_;   // by group
};

}  // namespace facteur::filter
