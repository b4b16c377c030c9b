// Login helpers shared by the POP3 (and later IMAP and submission) sessions: from the name a
// client types to the account and the credential record the directory checks.
#pragma once

#include <optional>
#include <string_view>

#include "base/config.hpp"
#include "base/result.hpp"
#include "directory/credentials.hpp"
#include "store/store.hpp"

namespace facteur::server {

// "alice@example.test" as is; a bare "alice" means the primary (first) local domain, as users of
// a single-domain site expect. nullopt when there is no such account; errors are store failures.
Result<std::optional<store::Account>> find_login_account(store::Store& store, const Config& config,
                                                         std::string_view user);

directory::Credentials credentials_of(const store::Account& account);

}  // namespace facteur::server
