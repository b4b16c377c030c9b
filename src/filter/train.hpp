// Bulk training: learns every message found under a path (Maildir, mbox, directory of files)
// as one label into a model held in memory; the caller saves it once at the end. The linear
// classifier needs several shuffled passes over everything, so the messages' tokens are also
// kept (a bounded sample) and it is trained once all sources have been read.
// Trust: local files chosen by the administrator; contents are internet mail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <random>
#include <vector>

#include "base/result.hpp"
#include "filter/bayes_model.hpp"
#include "filter/linear_classifier.hpp"
#include "filter/mail_source.hpp"
#include "filter/tokenizer.hpp"
#include "filter/verdict.hpp"

namespace facteur::filter {

struct TrainStats {
  std::size_t messages = 0;
  std::size_t skipped = 0;  // too large or unreadable
};

// Messages kept for the linear classifier: at most `capacity`, a uniform sample of all offered
// (reservoir sampling), so memory stays bounded however large the training set (about 5 KB a
// message: 50,000 messages are about 250 MB).
class ExampleSample {
 public:
  explicit ExampleSample(std::size_t capacity = 50'000, std::uint64_t seed = 1);
  void offer(std::vector<std::uint64_t> tokens, Label label);
  std::size_t offered() const noexcept { return offered_; }
  std::size_t size() const noexcept { return kept_.size(); }
  std::vector<LabelledTokens> examples() const;

 private:
  struct Kept {
    std::vector<std::uint64_t> tokens;
    Label label = Label::ham;
  };
  std::size_t capacity_;
  std::size_t offered_ = 0;
  std::mt19937_64 rng_;
  std::vector<Kept> kept_;
};

// `sample`, when given, also receives every message's tokens (for the linear classifier).
Result<TrainStats> train_from(BayesModel& model, const std::filesystem::path& source, Label label,
                              const TokenizerOptions& tokenizer = {},
                              const SourceLimits& limits = {}, ExampleSample* sample = nullptr);

}  // namespace facteur::filter
