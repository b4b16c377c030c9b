// The [filter] section of the configuration: thresholds for the whole site and per account,
// what to do with hoaxes, extra protected brands, where the models live. Read from the same
// TOML file as the rest of the configuration (src/base/config.hpp ignores this section).
// Trust: local configuration; parsed once at start-up (exceptions stay inside the loader).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.hpp"
#include "base/result.hpp"
#include "filter/bayes.hpp"
#include "filter/brands.hpp"
#include "filter/linear_model.hpp"
#include "filter/tokenizer.hpp"
#include "filter/verdict.hpp"
#include "filter/welcome.hpp"

namespace facteur::filter {

struct FilterConfig {
  bool enabled = true;
  Thresholds site;                             // junk 5.0, reject 15.0
  std::map<std::string, Thresholds> accounts;  // lower-case address -> its own thresholds
  // Evidence (points for that label) needed before the verdict names a specific abuse label
  // rather than plain "spam"; hoaxes are labelled on their own evidence even below `junk`.
  double phishing_evidence = 4.0;
  double scam_evidence = 4.5;
  double hoax_evidence = 5.0;
  Action hoax_action = Action::deliver;  // filed with a warning, never refused
  bool account_models = true;            // use each account's own model next to the site's
  std::vector<Brand> brands;             // added to the built-in protected brands
  WelcomeConfig welcome;                 // authenticated senders always welcome (welcome.hpp)
  std::filesystem::path model_dir;       // default: data_dir/filter
  std::vector<std::string> local_domains;
  BayesParams bayes;
  BayesPoints bayes_points;
  LinearPoints linear;         // [filter] linear_classifier = false turns it off
  TokenizerOptions tokenizer;  // must match what the models were trained with (experiments)
  // Users' Junk moves (IMAP MOVE/COPY into or out of Junk) are learnt into their account's
  // model; bigger messages are skipped (they are rarely spam and costly to tokenize).
  bool learn_from_moves = true;
  std::size_t learn_max_bytes = 1024 * 1024;

  Thresholds thresholds_for(std::string_view account) const;
};

// Defaults for a configuration (model_dir and local domains from it).
FilterConfig default_filter_config(const Config& config);
// Reads [filter] from config.config_path (defaults when there is no file or no section).
Result<FilterConfig> load_filter_config(const Config& config);
// Parses [filter] from TOML text (for tests).
Result<FilterConfig> parse_filter_config(std::string_view toml_text, const Config& config);

}  // namespace facteur::filter
