#include "directory/credentials.hpp"

#include <utility>

namespace facteur::directory {

Result<Credentials> make_credentials(std::string_view password, const CredentialOptions& options) {
  auto hash = hash_password(password, options.argon2);
  if (!hash) return std::unexpected(hash.error());
  auto scram = make_scram_credentials(password, options.scram_iterations);
  if (!scram) return std::unexpected(scram.error());
  Credentials c;
  c.password_hash = std::move(*hash);
  c.scram_sha256 = serialize(*scram);
  if (options.keep_apop_secret) c.apop_secret = std::string(password);
  return c;
}

bool check_password(const std::optional<Credentials>& credentials, std::string_view password,
                    const Argon2Params& decoy_cost) {
  if (credentials) return verify_password(credentials->password_hash, password);
  // The same work as a real check; the result is thrown away, so a fixed salt is fine.
  auto decoy = argon2_raw(Argon2Type::argon2id, 0x13, decoy_cost, password,
                          "decoy-salt-for-unknown-users", {}, {}, 32);
  (void)decoy;
  return false;
}

}  // namespace facteur::directory
