// `facteur scan` and `facteur spam train|learn`: the filter from the command line.
//   facteur scan [--config FILE] [--account ADDR] < message       -> one JSON verdict
//   facteur spam train --config FILE --spam DIR --ham DIR [--scam DIR] [--phishing DIR]
//                      [--hoax DIR] [--account ADDR] [--reset]
//   facteur spam learn --config FILE --as spam|ham|scam|phishing|hoax [--account ADDR]
//                      [--forget] < message
// Registered on the CLI11 app by FilterCommands so that main.cpp only constructs it and asks
// it to run.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/config.hpp"

namespace facteur::cli {

struct ScanOptions {
  std::string account;       // recipient account: its thresholds and model
  bool pretty = false;       // indented JSON
  bool headers = false;      // add the X-Spam-* / X-Facteur-* fields to the JSON
  std::string dmarc;         // session signals to pretend (no look-ups are made):
  std::string dmarc_policy;  //   pass|fail|none..., and the DMARC policy
  std::string spf;
  std::string dkim;
};

struct SpamTrainOptions {
  std::vector<std::string> spam, ham, scam, phishing, hoax;
  std::string account;  // "" = the site-wide model
  bool reset = false;   // start from an empty model
};

struct SpamLearnOptions {
  std::string label;  // spam, ham, scam, phishing, hoax
  std::string account;
  bool forget = false;
};

// Reads one message on stdin, prints {"verdict", "score", "reasons", ...}. Exit 0, or 2 on
// errors (bad configuration, unreadable input).
int run_scan(const Config& config, const ScanOptions& options);
int run_spam_train(const Config& config, const SpamTrainOptions& options);
int run_spam_learn(const Config& config, const SpamLearnOptions& options);

class FilterCommands {
 public:
  // Adds "scan" and "spam" to `app`; `add_config` adds the --config option to a subcommand.
  FilterCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_config);
  // The exit code when one of these subcommands was given, nullopt otherwise.
  std::optional<int> run(const Config& config) const;

 private:
  CLI::App* scan_ = nullptr;
  CLI::App* train_ = nullptr;
  CLI::App* learn_ = nullptr;
  ScanOptions scan_options_;
  SpamTrainOptions train_options_;
  SpamLearnOptions learn_options_;
};

}  // namespace facteur::cli
