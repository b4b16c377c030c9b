#include "server/login.hpp"

namespace facteur::server {

Result<std::optional<store::Account>> find_login_account(store::Store& store, const Config& config,
                                                         std::string_view user) {
  if (user.empty() || user.size() > 320) return std::optional<store::Account>{};
  std::string address(user);
  if (address.find('@') == std::string::npos) address += "@" + config.domains.front();
  auto account = store.find_account(address);
  if (account) return std::optional<store::Account>(std::move(*account));
  if (account.error().code == Errc::not_found || account.error().code == Errc::invalid_argument)
    return std::optional<store::Account>{};
  return std::unexpected(account.error());
}

directory::Credentials credentials_of(const store::Account& account) {
  directory::Credentials c;
  c.password_hash = account.credentials.password_hash;
  c.scram_sha256 = account.credentials.scram_sha256;
  c.apop_secret = account.apop_secret;
  return c;
}

}  // namespace facteur::server
