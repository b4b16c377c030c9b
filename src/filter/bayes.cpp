#include "filter/bayes.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace facteur::filter {

double token_probability(double a, double na, double b, double nb, const BayesParams& params) {
  double n = a + b;
  double p = params.x;
  if (na > 0 && nb > 0) {
    double fa = a / na, fb = b / nb;
    if (fa + fb > 0) p = fa / (fa + fb);
  }
  return (params.s * params.x + n * p) / (params.s + n);
}

double chi2q(double chi2, std::size_t dof) {
  // Q(chi2 | dof) for even dof is P(Poisson(m) < k) = exp(-m) * sum_{i < k} m^i / i! with
  // m = chi2 / 2, k = dof / 2.
  double m = chi2 / 2.0;
  if (m <= 0) return 1.0;
  std::size_t k = dof / 2;
  if (k == 0) return 0.0;
  if (m < 700.0) {
    // exp(-m) does not underflow: the terms by recurrence, one exp in all.
    double term = std::exp(-m);
    double sum = term;
    for (std::size_t i = 1; i < k; ++i) {
      term *= m / static_cast<double>(i);
      sum += term;
    }
    return std::min(sum, 1.0);
  }
  // Large m (many strong tokens): the terms grow while i < m, so start from the last one in
  // the log domain and walk down until they no longer matter (a few dozen terms, not k).
  double last = static_cast<double>(k - 1);
  if (last > m) {
    // Only with more than 700 tokens combined: every term, in the log domain.
    double log_term = -m, log_m = std::log(m);
    double total = std::exp(log_term);
    for (std::size_t i = 1; i < k; ++i) {
      log_term += log_m - std::log(static_cast<double>(i));
      total += std::exp(log_term);
    }
    return std::min(total, 1.0);
  }
  double log_last = -m + last * std::log(m) - std::lgamma(last + 1.0);
  if (log_last < -745.0) return 0.0;  // every term underflows
  double term = 1.0, sum = 1.0;
  for (std::size_t i = k - 1; i > 0; --i) {
    term *= static_cast<double>(i) / m;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return std::min(std::exp(log_last + std::log(sum)), 1.0);
}

double chi_square_combine(std::span<const double> probabilities) {
  if (probabilities.empty()) return 0.5;
  // The logs of the products, by multiplying and renormalising the exponent now and then
  // (two logs per message instead of two per token).
  double prod_ham = 1.0, prod_abuse = 1.0;
  int exp_ham = 0, exp_abuse = 0;
  for (double f : probabilities) {
    f = std::clamp(f, 1e-6, 1.0 - 1e-6);
    prod_ham *= f;
    prod_abuse *= 1.0 - f;
    if (prod_ham < 1e-200) {
      int e = 0;
      prod_ham = std::frexp(prod_ham, &e);
      exp_ham += e;
    }
    if (prod_abuse < 1e-200) {
      int e = 0;
      prod_abuse = std::frexp(prod_abuse, &e);
      exp_abuse += e;
    }
  }
  constexpr double kLn2 = 0.69314718055994530942;
  double ln_ham = std::log(prod_ham) + exp_ham * kLn2;        // small when tokens say abuse
  double ln_abuse = std::log(prod_abuse) + exp_abuse * kLn2;  // small when tokens say ham
  std::size_t dof = 2 * probabilities.size();
  // Near 1 when the probabilities are consistent with "all high" (abuse-like tokens).
  double h = chi2q(-2.0 * ln_ham, dof);
  // Near 1 when they are consistent with "all low" (ham-like tokens).
  double s = chi2q(-2.0 * ln_abuse, dof);
  return (1.0 + h - s) / 2.0;
}

namespace {

// Combines the most significant of the given token probabilities.
double combine_top(std::vector<double>& f, const BayesParams& params, std::size_t* used) {
  auto strength = [](double p) { return std::abs(p - 0.5); };
  std::vector<double> keep;
  keep.reserve(f.size());
  for (double p : f)
    if (strength(p) >= params.min_deviation) keep.push_back(p);
  if (keep.size() > params.max_tokens) {
    std::nth_element(keep.begin(), keep.begin() + static_cast<std::ptrdiff_t>(params.max_tokens),
                     keep.end(), [&](double a, double b) { return strength(a) > strength(b); });
    keep.resize(params.max_tokens);
  }
  if (used) *used = keep.size();
  return chi_square_combine(keep);
}

}  // namespace

BayesResult classify(std::span<const std::uint64_t> tokens,
                     std::span<const BayesModel* const> models, const BayesParams& params) {
  BayesResult r;
  LabelCounts n{};
  for (const BayesModel* m : models)
    for (std::size_t k = 0; k < kLabels; ++k)
      n[k] += m->messages()[k];
  double n_ham = n[0];
  double n_abuse = 0;
  for (std::size_t k = 1; k < kLabels; ++k)
    n_abuse += n[k];
  if (n_ham < params.min_ham || n_abuse < params.min_abuse) return r;
  r.abstained = false;

  // Counts of the known tokens.
  std::vector<LabelCounts> counts;
  counts.reserve(tokens.size());
  constexpr std::size_t kAhead = 8;
  for (std::size_t i = 0; i < std::min(kAhead, tokens.size()); ++i)
    for (const BayesModel* m : models)
      m->prefetch(tokens[i]);
  for (std::size_t ti = 0; ti < tokens.size(); ++ti) {
    std::uint64_t t = tokens[ti];
    if (ti + kAhead < tokens.size())
      for (const BayesModel* m : models)
        m->prefetch(tokens[ti + kAhead]);
    LabelCounts c{};
    bool any = false;
    for (const BayesModel* m : models) {
      LabelCounts mc = m->lookup(t);
      for (std::size_t k = 0; k < kLabels; ++k) {
        c[k] += mc[k];
        any = any || mc[k] != 0;
      }
    }
    if (any) counts.push_back(c);
  }

  std::vector<double> f;
  f.reserve(counts.size());
  for (const auto& c : counts) {
    double abuse = 0;
    for (std::size_t k = 1; k < kLabels; ++k)
      abuse += c[k];
    // Probability of "abuse": a = abuse count, b = ham count.
    f.push_back(token_probability(abuse, n_abuse, c[0], n_ham, params));
  }
  r.p_abuse = combine_top(f, params, &r.tokens_used);

  // Pooling the abuse labels dilutes each kind's tokens by the others' mass (a spam word that
  // no 419 letter uses looks rarer in "abuse" than it is in spam, a word common in spam and
  // in ham then looks like ham). So each kind with enough messages is also asked on its own
  // against ham, and the message is as abusive as its most likely kind.
  if (params.per_label_abuse) {
    for (std::size_t k = 1; k < kLabels; ++k) {
      if (n[k] < params.min_abuse || n[k] == n_abuse) continue;
      f.clear();
      for (const auto& c : counts)
        if (c[k] + c[0] > 0) f.push_back(token_probability(c[k], n[k], c[0], n_ham, params));
      r.p_abuse = std::max(r.p_abuse, combine_top(f, params, nullptr));
    }
  }

  // Which abuse label (only asked of abuse).
  if (r.p_abuse < 0.5) return r;
  double best = -1;
  if (params.pairwise_labels) {
    // Each kind against each other kind on its own (one-vs-one), p_label = its weakest win:
    // against the pooled rest, the biggest kind (419 letters) would decide what "rest" looks
    // like, and a phishing message would be judged by how little it resembles a 419 letter.
    std::array<double, kLabels> worst;
    worst.fill(1.0);
    for (std::size_t k = 1; k < kLabels; ++k) {
      if (n[k] < params.min_label) continue;
      for (std::size_t j = k + 1; j < kLabels; ++j) {
        if (n[j] < params.min_label) continue;
        f.clear();
        for (const auto& c : counts)
          if (c[k] + c[j] > 0) f.push_back(token_probability(c[k], n[k], c[j], n[j], params));
        double p = combine_top(f, params, nullptr);
        worst[k] = std::min(worst[k], p);
        worst[j] = std::min(worst[j], 1.0 - p);
      }
    }
    for (std::size_t k = 1; k < kLabels; ++k) {
      if (n[k] < params.min_label) continue;
      r.p_label[k] = worst[k];
      if (worst[k] > best) {
        best = worst[k];
        r.best = static_cast<Label>(k);
      }
    }
    return r;
  }
  // Each against the other abuse labels pooled.
  for (std::size_t k = 1; k < kLabels; ++k) {
    if (n[k] < params.min_label) continue;
    double n_other = n_abuse - n[k];
    if (n_other <= 0) {
      r.p_label[k] = 1.0;
    } else {
      f.clear();
      for (const auto& c : counts) {
        double other = 0;
        for (std::size_t j = 1; j < kLabels; ++j)
          if (j != k) other += c[j];
        if (c[k] + other == 0) continue;
        f.push_back(token_probability(c[k], n[k], other, n_other, params));
      }
      r.p_label[k] = combine_top(f, params, nullptr);
    }
    if (r.p_label[k] > best) {
      best = r.p_label[k];
      r.best = static_cast<Label>(k);
    }
  }
  return r;
}

}  // namespace facteur::filter
