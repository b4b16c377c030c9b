// The outbound subcommands:
//   facteur queue list|show ID|retry [ID...|--all]|delete ID... --config FILE
//   facteur dkim generate --config FILE DOMAIN [--selector S] [--algorithm rsa|ed25519] [--bits N]
//   facteur dns-records --config FILE DOMAIN
// They work while the daemon runs: queue changes go through the store (the daemon sees a retry
// at its next look, [queue] poll_interval), DKIM keys are files it re-reads when they change.
// Registered on the CLI11 app by QueueCommands so that main.cpp only constructs it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/config.hpp"

namespace facteur::cli {

class QueueCommands {
 public:
  QueueCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_config);
  // The exit code when one of these subcommands was given, nullopt otherwise.
  std::optional<int> run(const Config& config) const;

 private:
  CLI::App* list_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* retry_ = nullptr;
  CLI::App* delete_ = nullptr;
  CLI::App* dkim_generate_ = nullptr;
  CLI::App* dns_records_ = nullptr;
  std::vector<std::int64_t> ids_;
  bool all_ = false;
  std::string domain_;
  std::string selector_;
  std::string algorithm_;
  unsigned bits_ = 0;
};

}  // namespace facteur::cli
