// The statistical classifier: Robinson's per-token probabilities with a belief prior, combined
// with Fisher's chi-square method (G. Robinson, "A Statistical Approach to the Spam Problem",
// 2003; the combining used by SpamBayes and SpamAssassin's Bayes). First "abuse or ham" over all
// abuse labels together; then, for the label, each abuse label against the other abuse labels.
// Several models (site-wide and the recipient's own) are summed token by token.
// Trust: sees tokens of internet input; O(tokens log tokens).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "filter/bayes_model.hpp"
#include "filter/verdict.hpp"

namespace facteur::filter {

struct BayesParams {
  double s = 0.45;  // strength of the prior (in messages)
  double x = 0.5;   // prior probability of an unknown token
  // Tokens with |f - 0.5| below this are ignored (0.15: in 5-fold cross-validation three
  // fewer false positives in 2,506 ham than 0.1 for the same spam; 0.2 lost phishing and spam).
  double min_deviation = 0.15;
  std::size_t max_tokens = 300;  // most significant tokens combined
  std::uint32_t min_ham = 20;    // fewer ham messages learned: abstain
  std::uint32_t min_abuse = 20;  // fewer abuse messages learned: abstain
  std::uint32_t min_label = 5;   // an abuse label needs this many messages to be chosen
  bool per_label_abuse = true;   // also each abuse label (>= min_abuse messages) against ham
  bool pairwise_labels = true;   // name the kind one-vs-one (else each against the rest pooled)
  // Cap both classifiers' abuse points for a message in a language the models learnt no ham in
  // (bayes_check.cpp; [filter] language_coverage).
  bool language_coverage = true;
  // Also cap them for mail a protected brand or a government authenticated (bayes_check.cpp,
  // vouched_sender; [filter] vouched_brands). Off by default: brands' own infrastructure
  // carries text scammers write (calendar invitations, classroom posts, cloud alerts with a
  // number to call) beyond the hosts it excludes, and the classifiers are their only signal.
  bool vouched_brands = false;
};

// Points given for the classifier's abuse probability (ham evidence is negative).
struct BayesPoints {
  double p999 = 7.0;   // p >= 0.999
  double p99 = 5.5;    // p >= 0.99
  double p95 = 4.0;    // p >= 0.95
  double p90 = 3.0;    // p >= 0.90
  double p80 = 2.0;    // p >= 0.80
  double p60 = 1.0;    // p >= 0.60
  double h20 = -0.5;   // p <= 0.20
  double h01 = -1.5;   // p <= 0.01
  double h001 = -2.5;  // p <= 0.001
};

struct BayesResult {
  bool abstained = true;  // not enough training: no opinion
  double p_abuse = 0.5;   // 0 = surely ham, 1 = surely abuse
  // Per abuse label, its probability against the other abuse labels (ham slot unused).
  std::array<double, kLabels> p_label{};
  Label best = Label::spam;  // the most likely abuse label
  std::size_t tokens_used = 0;
};

// Robinson's f(w): (s*x + n*p) / (s + n) with p = (a/na) / (a/na + b/nb), n = a + b.
double token_probability(double a, double na, double b, double nb, const BayesParams& params);

// Fisher's combining of token probabilities: the indicator (1 + H - S) / 2 in [0, 1].
double chi_square_combine(std::span<const double> probabilities);

// Upper tail of the chi-square distribution with `dof` (even) degrees of freedom.
double chi2q(double chi2, std::size_t dof);

BayesResult classify(std::span<const std::uint64_t> tokens,
                     std::span<const BayesModel* const> models, const BayesParams& params = {});

}  // namespace facteur::filter
