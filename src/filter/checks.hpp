// The built-in checks: the statistical classifier, the phishing, advance-fee (419) and hoax
// detectors, and the session signals (SPF/DKIM/DMARC results, rate limits, DNS blocklists) that
// the SMTP side computes and hands over in Context.
#pragma once

#include <memory>

#include "filter/bayes.hpp"
#include "filter/brands.hpp"
#include "filter/check.hpp"
#include "filter/model_store.hpp"
#include "filter/tokenizer.hpp"

namespace facteur::filter {

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

// Abstains (adds nothing) when no model is trained or the models are too small.
// With `account_models`, the recipient's own model is summed with the site-wide one.
std::unique_ptr<Check> make_bayes_check(std::shared_ptr<const ModelStore> store,
                                        BayesParams params = {}, BayesPoints points = {},
                                        TokenizerOptions tokenizer = {},
                                        bool account_models = true);
std::unique_ptr<Check> make_phishing_check(std::shared_ptr<const BrandList> brands);
std::unique_ptr<Check> make_scam_check();
std::unique_ptr<Check> make_hoax_check();
std::unique_ptr<Check> make_session_check();
std::unique_ptr<Check> make_spam_heuristics_check();

// Free-mail providers (anyone can get an address there): the scam and phishing checks weigh a
// Reply-To at one of them differently.
bool is_freemail_domain(std::string_view domain) noexcept;

}  // namespace facteur::filter
