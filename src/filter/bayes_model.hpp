// Token counts of the statistical classifier: for every token hash, in how many learned
// messages of each label it occurred, plus the number of messages learned per label.
// Stored as one file that is the in-memory table itself (an open-addressing hash table of
// 32-byte entries, little-endian), so loading is an mmap and a look-up touches one or two cache
// lines; learning copies the table into memory, updates it incrementally, and saving writes a
// new file and renames it over the old one (readers keep their mapping).
// File: "FCTRBAYS", u32 version, u32 labels (5), u32 messages[5], u32 0, u64 capacity, u64 used,
// u64 0, then capacity entries {u64 hash; u32 counts[5]; u32 0}; hash 0 marks a free slot.
// Trust: reads files under data_dir written by us; still validated (sizes, power-of-two
// capacity) so a damaged file is an error, never a crash.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "filter/verdict.hpp"

namespace facteur::filter {

inline constexpr std::uint32_t kModelVersion = 1;

using LabelCounts = std::array<std::uint32_t, kLabels>;

class BayesModel {
 public:
  BayesModel();
  BayesModel(BayesModel&&) noexcept = default;
  BayesModel& operator=(BayesModel&&) noexcept = default;

  // Maps a model file read-only. Errc::not_found when absent, Errc::parse_error when damaged.
  static Result<BayesModel> load(const std::filesystem::path& path);
  // Parses a model from bytes (copied; for tests and fuzzing).
  static Result<BayesModel> from_bytes(std::span<const std::byte> bytes);
  // Writes the model to `path` atomically (temporary file, fsync, rename).
  Status save(const std::filesystem::path& path) const;
  std::vector<std::byte> to_bytes() const;

  // Counts every token of one message once for `label`; delta -1 unlearns (saturating at 0).
  void learn(std::span<const std::uint64_t> tokens, Label label, int delta = 1);

  const LabelCounts& messages() const noexcept { return messages_; }
  LabelCounts lookup(std::uint64_t hash) const noexcept;
  // Asks the CPU to load the table slot of `hash` (a look-up a few tokens later then finds it
  // in cache instead of waiting for memory: the table is tens of MB).
  void prefetch(std::uint64_t hash) const noexcept {
    if (capacity_ != 0) __builtin_prefetch(table() + (hash & (capacity_ - 1)));
  }
  std::size_t size() const noexcept { return used_; }
  bool empty() const noexcept;

 private:
  struct Entry {
    std::uint64_t hash = 0;
    std::uint32_t counts[kLabels] = {};
    std::uint32_t reserved = 0;
  };
  static_assert(sizeof(Entry) == 32);

  const Entry* table() const noexcept { return mapped_ ? mapped_entries_ : owned_.data(); }
  std::size_t capacity() const noexcept { return capacity_; }
  void make_owned();
  void grow();
  Entry& slot_for(std::uint64_t hash);

  LabelCounts messages_{};
  std::vector<Entry> owned_;
  std::shared_ptr<const void> mapped_;  // keeps the mapping alive
  const Entry* mapped_entries_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
};

}  // namespace facteur::filter
