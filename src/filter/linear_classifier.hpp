// The site's linear classifier as a whole: one model for "abuse or ham" (trained on every
// message) and, for the abuse, one model per kind against the other kinds (trained on the
// abuse messages only) that names the kind. In 5-fold cross-validation on the train corpora the
// linear kind models named spam right for 97.0 % of spam (one-vs-one Bayes: 94.7 %) and phishing
// for 94.4 % (92.7 %).
// File "FCTRLINC", u32 version, u32 models (5: abuse, then spam, scam, phishing, hoax by
// Label value), then per model u64 length and that LinearModel's bytes.
// Trust: scores internet input (O(tokens) per model); loads files under data_dir written by us,
// validated so a damaged file is an error, never a crash.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "filter/linear_model.hpp"
#include "filter/verdict.hpp"

namespace facteur::filter {

struct LabelledTokens {
  std::span<const std::uint64_t> tokens;
  Label label = Label::ham;
};

struct KindGuess {
  Label label = Label::spam;
  double margin = 0;  // of that kind's model: above 0, more likely that kind than another
};

class LinearClassifier {
 public:
  LinearClassifier();

  bool empty() const noexcept { return abuse_.empty(); }
  const LinearModel& abuse() const noexcept { return abuse_; }
  double margin(std::span<const std::uint64_t> tokens) const noexcept {
    return abuse_.margin(tokens);
  }
  // The abuse kind whose model scores the tokens highest (spam when none was trained).
  KindGuess kind(std::span<const std::uint64_t> tokens) const noexcept;

  // Bulk training: `options.epochs` shuffled passes, the abuse model over every example (when
  // there are both ham and abuse), each kind's model in the batch over the abuse examples (when
  // there are at least two kinds).
  struct Trained {
    bool abuse = false;     // the abuse-or-ham model was trained
    std::size_t kinds = 0;  // kind models trained
  };
  Trained train(std::span<const LabelledTokens> examples, const LinearTraining& options = {});
  // One step on one message (ham steps only the abuse model; abuse steps the kind models
  // already trained).
  void learn(std::span<const std::uint64_t> tokens, Label label, double rate);

  // Maps the file: its weights are read where they lie (processes share the pages).
  static Result<LinearClassifier> load(const std::filesystem::path& path);
  static Result<LinearClassifier> from_bytes(std::span<const std::byte> bytes);
  Status save(const std::filesystem::path& path) const;
  std::vector<std::byte> to_bytes() const;

 private:
  // The models view `bytes` where they are when `keep` holds them (a mapped file).
  static Result<LinearClassifier> parse(std::span<const std::byte> bytes,
                                        const std::shared_ptr<const void>& keep);

  LinearModel abuse_;
  std::array<LinearModel, kLabels> kinds_;  // [0] (ham) unused
};

}  // namespace facteur::filter
