// A second, discriminative classifier beside the Bayesian one: logistic regression over the
// same token hashes (hashed into 2^bits weights, each message's tokens as a binary vector of
// unit length), trained by stochastic gradient descent. Naive Bayes counts each token on its
// own; a linear model weighs tokens against each other, so a newsletter word that also occurs
// in spam does not get the same pull in both. Online logistic regression of this kind was the
// strongest filter of the TREC 2005-2007 spam tracks (Goodman & Yih 2006; Sculley & Wachman
// 2007). It learns incrementally, so it can follow users' Junk moves like the token counts do.
// Bytes: "FCTRLINR", u32 version, u32 bits, u64 updates, f64 bias, then 2^bits f32 weights
// (little-endian); the file is linear_classifier.hpp's, which holds several of them.
// Trust: scores tokens of internet input (O(tokens)); parses bytes from files under data_dir
// written by us, validated so damage is an error, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/result.hpp"

namespace facteur::filter {

struct LinearTraining {
  double rate = 2.0;        // step size of the first epoch (decays as 1/sqrt(epoch))
  double l2 = 1e-6;         // weight decay per update
  int epochs = 10;          // passes over the examples (bulk training)
  double ham_weight = 3.0;  // a ham error costs this many abuse errors
  std::uint64_t seed = 1;   // shuffling order (bulk training)
};

// Points the linear classifier adds to a verdict: scale * margin, capped both ways. With it,
// the Bayesian classifier's abuse points are multiplied by `bayes_share`, so that neither alone
// (Bayes: 7 * 0.7 = 4.9) reaches the junk threshold of 5 against the other's doubt: the two
// err on different messages. Chosen by 5-fold cross-validation on the train corpora
// (docs/benchmarks.md): 15 -> 12 false positives in 2,506 ham for 4 fewer spam of 1,130.
struct LinearPoints {
  bool enabled = true;
  double scale = 1.5;
  double max = 4.0;
  double min = -4.0;
  double bayes_share = 0.7;
  bool names_kind = true;  // the kind models name the kind for these points (else Bayes does)
};

class LinearModel {
 public:
  static constexpr std::uint32_t kDefaultBits = 20;
  // Untrained: no weights are allocated until the first step.
  explicit LinearModel(std::uint32_t bits = kDefaultBits);

  // w.x + b: above 0 abuse, below ham; the logistic of it is the probability of abuse.
  double margin(std::span<const std::uint64_t> tokens) const noexcept;
  double probability(std::span<const std::uint64_t> tokens) const noexcept;

  // One gradient step on one message (online learning, e.g. a user's move into Junk).
  void learn(std::span<const std::uint64_t> tokens, bool abuse, double rate, double l2 = 0,
             double weight = 1.0);

  // Bulk training: `epochs` shuffled passes over the examples.
  struct Example {
    std::span<const std::uint64_t> tokens;
    bool abuse = false;
  };
  void train(std::span<const Example> examples, const LinearTraining& options = {});

  bool empty() const noexcept { return updates_ == 0; }
  std::uint64_t updates() const noexcept { return updates_; }

  // Parses a model from bytes, copying them.
  static Result<LinearModel> from_bytes(std::span<const std::byte> bytes);
  // Parses a model whose weights stay where they are (a mapped file kept alive by `keep`);
  // learning copies them first.
  static Result<LinearModel> view(std::span<const std::byte> bytes,
                                  std::shared_ptr<const void> keep);
  std::vector<std::byte> to_bytes() const;

 private:
  std::size_t slot(std::uint64_t hash) const noexcept {
    return static_cast<std::size_t>((hash * 0x9e3779b97f4a7c15ull) >> (64 - bits_));
  }

  static Result<LinearModel> parse(std::span<const std::byte> bytes, bool copy,
                                   std::shared_ptr<const void> keep);
  const float* weights() const noexcept {
    return keep_ ? mapped_ : (owned_.empty() ? nullptr : owned_.data());
  }
  void make_owned();  // before a step: allocate, or copy the mapped weights

  std::uint32_t bits_;
  std::uint64_t updates_ = 0;
  double bias_ = 0;
  std::vector<float> owned_;          // the weights when learnt or copied here
  std::shared_ptr<const void> keep_;  // a mapping the weights live in, else null
  const float* mapped_ = nullptr;     // its weights
};

}  // namespace facteur::filter
