#include "cli/commands.hpp"

#include <iostream>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "directory/credentials.hpp"
#include "server/privileges.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace facteur::cli {
namespace {

int fail(std::string_view message) {
  std::cerr << "facteur: " << message << "\n";
  return 1;
}

// The first line of stdin, without its line end. Empty or missing: nullopt.
std::optional<std::string> read_secret() {
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
    line.pop_back();
  if (line.empty()) return std::nullopt;
  return line;
}

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? std::string() : address.substr(at + 1);
}

}  // namespace

void print_demo_banner(const Config& config, const char* argv0) {
  std::cerr << fmt::format(
      "Facteur, embedded default: data in {}, local domain '{}'.\n"
      "  Add a mailbox:   echo 'secret' | {} user add alice@{}\n"
      "  Send a message:  swaks --server 127.0.0.1:2525 --to alice@{}\n"
      "  Read it (POP3):  curl pop3://alice%40{}:secret@127.0.0.1:2110/1\n",
      config.data_dir.string(), config.domains.front(), argv0, config.domains.front(),
      config.domains.front(), config.domains.front());
}

store::Store* Tool::open() {
  if (store_) return store_.get();
  // Run as the daemon's user so files in data_dir keep one owner.
  if (auto dropped = server::drop_privileges(config_.run_as, config_.data_dir); !dropped) {
    fail(dropped.error().message);
    return nullptr;
  }
  auto store = store::open_sqlite_store(config_.data_dir);
  if (!store) {
    fail(fmt::format("cannot open the store in {}: {}", config_.data_dir.string(),
                     store.error().message));
    return nullptr;
  }
  store_ = std::move(*store);
  return store_.get();
}

int Tool::user_add(const std::string& address, std::uint64_t quota, bool with_apop) {
  auto canonical = store::canonical_address(address);
  if (!canonical || canonical->starts_with('@'))
    return fail(fmt::format("'{}' is not an address", address));
  if (!config_.is_local_domain(domain_of(*canonical)))
    return fail(fmt::format("{} is not one of the local domains ({})", domain_of(*canonical),
                            fmt::join(config_.domains, ", ")));
  auto password = read_secret();
  if (!password) return fail("no password on standard input");
  directory::CredentialOptions options;
  options.keep_apop_secret = with_apop;
  auto creds = directory::make_credentials(*password, options);
  if (!creds) return fail(creds.error().message);
  auto* store = open();
  if (!store) return 1;
  store::NewAccount account;
  account.address = *canonical;
  account.credentials = {creds->password_hash, creds->scram_sha256};
  account.apop_secret = creds->apop_secret;
  account.quota_bytes = quota;
  auto created = store->create_account(account);
  if (!created) return fail(fmt::format("cannot add {}: {}", *canonical, created.error().message));
  std::cout << "added " << created->address << "\n";
  return 0;
}

int Tool::user_del(const std::string& address) {
  auto* store = open();
  if (!store) return 1;
  auto account = store->find_account(address);
  if (!account) return fail(fmt::format("no account {}", address));
  if (auto st = store->delete_account(account->id); !st) return fail(st.error().message);
  std::cout << "deleted " << account->address << "\n";
  return 0;
}

int Tool::user_passwd(const std::string& address, bool with_apop) {
  auto password = read_secret();
  if (!password) return fail("no password on standard input");
  auto* store = open();
  if (!store) return 1;
  auto account = store->find_account(address);
  if (!account) return fail(fmt::format("no account {}", address));
  directory::CredentialOptions options;
  options.keep_apop_secret = with_apop;
  auto creds = directory::make_credentials(*password, options);
  if (!creds) return fail(creds.error().message);
  if (auto st = store->set_credentials(account->id, {creds->password_hash, creds->scram_sha256});
      !st)
    return fail(st.error().message);
  if (with_apop) {
    if (auto st = store->set_apop_secret(account->id, creds->apop_secret); !st)
      return fail(st.error().message);
  }
  std::cout << "password changed for " << account->address << "\n";
  return 0;
}

int Tool::user_list() {
  auto* store = open();
  if (!store) return 1;
  auto accounts = store->list_accounts();
  if (!accounts) return fail(accounts.error().message);
  for (const auto& a : *accounts) {
    std::cout << a.address << "\t" << a.used_messages << " messages\t" << a.used_bytes << " bytes";
    if (a.quota_bytes) std::cout << "\tquota " << a.quota_bytes;
    if (a.apop_secret) std::cout << "\tapop";
    std::cout << "\n";
  }
  return 0;
}

int Tool::user_apop(const std::string& address, bool clear) {
  std::optional<std::string> secret;
  if (!clear) {
    secret = read_secret();
    if (!secret) return fail("no APOP secret on standard input");
  }
  auto* store = open();
  if (!store) return 1;
  auto account = store->find_account(address);
  if (!account) return fail(fmt::format("no account {}", address));
  if (auto st = store->set_apop_secret(account->id, secret); !st) return fail(st.error().message);
  std::cout << (clear ? "APOP secret removed for " : "APOP secret set for ") << account->address
            << "\n";
  return 0;
}

int Tool::user_quota(const std::string& address, std::uint64_t quota) {
  auto* store = open();
  if (!store) return 1;
  auto account = store->find_account(address);
  if (!account) return fail(fmt::format("no account {}", address));
  if (auto st = store->set_quota(account->id, quota, account->quota_messages); !st)
    return fail(st.error().message);
  std::cout << "quota of " << account->address << ": " << quota << " bytes\n";
  return 0;
}

int Tool::alias_add(const std::string& alias, const std::vector<std::string>& targets) {
  auto canonical = store::canonical_address(alias);
  if (!canonical) return fail(fmt::format("'{}' is not an address", alias));
  if (!config_.is_local_domain(domain_of(*canonical)))
    return fail(fmt::format("{} is not one of the local domains ({})", domain_of(*canonical),
                            fmt::join(config_.domains, ", ")));
  std::vector<std::string> canonical_targets;
  for (const auto& t : targets) {
    auto c = store::canonical_address(t);
    if (!c || c->starts_with('@')) return fail(fmt::format("'{}' is not an address", t));
    canonical_targets.push_back(*c);
  }
  auto* store = open();
  if (!store) return 1;
  if (auto st = store->add_alias(*canonical, canonical_targets); !st)
    return fail(st.error().message);
  std::cout << *canonical << " -> " << fmt::format("{}", fmt::join(canonical_targets, ", "))
            << "\n";
  return 0;
}

int Tool::alias_del(const std::string& alias, const std::vector<std::string>& targets) {
  auto* store = open();
  if (!store) return 1;
  if (auto st = store->delete_alias(alias, targets); !st) return fail(st.error().message);
  std::cout << "deleted " << alias << "\n";
  return 0;
}

int Tool::alias_list() {
  auto* store = open();
  if (!store) return 1;
  auto aliases = store->list_aliases();
  if (!aliases) return fail(aliases.error().message);
  for (const auto& a : *aliases)
    std::cout << a.address << "\t" << fmt::format("{}", fmt::join(a.targets, ", ")) << "\n";
  return 0;
}

}  // namespace facteur::cli
