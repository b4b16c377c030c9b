// facteur: the one executable. `facteur serve` runs the daemon; the other subcommands manage
// accounts and aliases (and, later, the queue, DKIM keys, the spam filter). They work while the
// daemon runs: both sides share the store (SQLite WAL).
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "base/config.hpp"
#include "base/log.hpp"
#include "cli/commands.hpp"
#include "cli/filter_commands.hpp"
#include "cli/queue_commands.hpp"
#include "server/server.hpp"

int main(int argc, char** argv) {
  using namespace facteur;
  CLI::App app{"Facteur: a complete mail system (SMTP, POP3, IMAP) in one program", "facteur"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(cli::kVersion));

  std::string config_path;
  auto add_config = [&](CLI::App* cmd) {
    cmd->add_option("--config,-c", config_path, "configuration file (TOML)")
        ->check(CLI::ExistingFile);
  };

  auto* serve = app.add_subcommand("serve", "run the daemon in the foreground");
  add_config(serve);

  // --- user
  auto* user = app.add_subcommand("user", "manage accounts");
  user->require_subcommand(1);
  std::string address;
  std::uint64_t quota = 0;
  bool with_apop = false;
  auto* user_add =
      user->add_subcommand("add", "create an account; password on the first line of stdin");
  add_config(user_add);
  user_add->add_option("address", address, "the account's address")->required();
  user_add->add_option("--quota", quota, "storage quota in bytes (0: unlimited)");
  user_add->add_flag("--apop", with_apop, "also keep the password as APOP secret (RFC 1939 §7)");
  auto* user_del = user->add_subcommand("del", "delete an account and all its mail");
  add_config(user_del);
  user_del->add_option("address", address)->required();
  auto* user_passwd = user->add_subcommand("passwd", "set a new password (first line of stdin)");
  add_config(user_passwd);
  user_passwd->add_option("address", address)->required();
  user_passwd->add_flag("--apop", with_apop, "also keep the password as APOP secret");
  auto* user_list = user->add_subcommand("list", "list accounts");
  add_config(user_list);
  auto* user_apop = user->add_subcommand(
      "apop", "set the account's APOP secret (first line of stdin), or remove it with --clear");
  add_config(user_apop);
  user_apop->add_option("address", address)->required();
  bool clear = false;
  user_apop->add_flag("--clear", clear, "remove the APOP secret");
  auto* user_quota = user->add_subcommand("quota", "set the storage quota in bytes (0: unlimited)");
  add_config(user_quota);
  user_quota->add_option("address", address)->required();
  user_quota->add_option("bytes", quota)->required();

  // --- alias
  auto* alias = app.add_subcommand("alias", "manage aliases");
  alias->require_subcommand(1);
  std::vector<std::string> targets;
  auto* alias_add = alias->add_subcommand("add", "map ALIAS to one or more addresses");
  add_config(alias_add);
  alias_add->add_option("alias", address, "the alias (\"@domain\" for a catch-all)")->required();
  alias_add->add_option("targets", targets, "where its mail goes")->required();
  auto* alias_del = alias->add_subcommand("del", "remove an alias, or only some of its targets");
  add_config(alias_del);
  alias_del->add_option("alias", address)->required();
  alias_del->add_option("targets", targets);
  auto* alias_list = alias->add_subcommand("list", "list aliases");
  add_config(alias_list);

  // --- scan, spam train|learn (src/cli/filter_commands.cpp)
  cli::FilterCommands filter_commands(app, add_config);
  // --- queue, dkim, dns-records (src/cli/queue_commands.cpp)
  cli::QueueCommands queue_commands(app, add_config);

  CLI11_PARSE(app, argc, argv);

  Config config;
  if (config_path.empty()) {
    config = default_config();
  } else {
    auto loaded = load_config(config_path);
    if (!loaded) {
      std::cerr << "facteur: " << loaded.error().message << "\n";
      return 2;
    }
    config = std::move(*loaded);
  }

  if (serve->parsed()) {
    init_logging(config.log_level);
    if (config_path.empty()) cli::print_demo_banner(config, argv[0]);
    return server::serve(config);
  }

  if (auto rc = filter_commands.run(config)) return *rc;
  if (auto rc = queue_commands.run(config)) return *rc;

  cli::Tool tool(config);
  if (user_add->parsed()) return tool.user_add(address, quota, with_apop);
  if (user_del->parsed()) return tool.user_del(address);
  if (user_passwd->parsed()) return tool.user_passwd(address, with_apop);
  if (user_list->parsed()) return tool.user_list();
  if (user_apop->parsed()) return tool.user_apop(address, clear);
  if (user_quota->parsed()) return tool.user_quota(address, quota);
  if (alias_add->parsed()) return tool.alias_add(address, targets);
  if (alias_del->parsed()) return tool.alias_del(address, targets);
  if (alias_list->parsed()) return tool.alias_list();
  return 2;
}
