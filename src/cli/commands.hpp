// The administrative subcommands (user, alias). Each returns the process exit status and prints
// errors on stderr as "facteur: ...". They open the store directly, like the daemon does, and
// work while it runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.hpp"
#include "store/store.hpp"

namespace facteur::cli {

inline constexpr std::string_view kVersion = "facteur 0.1.0";

// What `facteur serve` without --config prints first: where things are and how to begin.
void print_demo_banner(const Config& config, const char* argv0);

class Tool {
 public:
  explicit Tool(const Config& config) : config_(config) {}

  int user_add(const std::string& address, std::uint64_t quota, bool with_apop);
  int user_del(const std::string& address);
  int user_passwd(const std::string& address, bool with_apop);
  int user_list();
  int user_apop(const std::string& address, bool clear);
  int user_quota(const std::string& address, std::uint64_t quota);
  int alias_add(const std::string& alias, const std::vector<std::string>& targets);
  int alias_del(const std::string& alias, const std::vector<std::string>& targets);
  int alias_list();

 private:
  store::Store* open();  // nullptr after printing why
  std::unique_ptr<store::Store> store_;
  const Config& config_;
};

}  // namespace facteur::cli
