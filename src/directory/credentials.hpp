// Directory: the authentication primitives of the account directory. Pure logic: the store
// persists what these functions make, the sessions call them with what the store returns.
//   credentials.hpp    the record kept per account, made at password-set time, checked at login
//   password_hash.hpp  Argon2 PHC strings (RFC 9106)
//   scram.hpp          SCRAM-SHA-256 stored keys (RFC 5802, RFC 7677)
//   sasl.hpp           server-side SASL: PLAIN (RFC 4616), LOGIN, SCRAM-SHA-256
//   apop.hpp           POP3 APOP digests (RFC 1939 §7)
//
// TRUST: sees client-supplied credentials and SASL data (internet input, through the protocol
// layers) and our own stored records. Comparisons of secrets are constant-time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "directory/password_hash.hpp"
#include "directory/scram.hpp"

namespace facteur::directory {

// What the store keeps per account for authentication.
struct Credentials {
  std::string password_hash;               // Argon2id PHC string (password_hash.hpp)
  std::string scram_sha256;                // serialize(ScramCredentials); "" disables SCRAM
  std::optional<std::string> apop_secret;  // the clear secret APOP needs (RFC 1939 §7, §13);
                                           // kept only when asked for, apart from the hash
};

struct CredentialOptions {
  Argon2Params argon2;
  std::uint32_t scram_iterations = kDefaultScramIterations;
  bool keep_apop_secret = false;  // store the password in clear for APOP
};

// Everything for a new password: Argon2id hash, SCRAM-SHA-256 keys, optionally the APOP secret.
// Costly (argon2 + PBKDF2): run it on the worker pool.
Result<Credentials> make_credentials(std::string_view password,
                                     const CredentialOptions& options = {});

// The login check for USER/PASS, PLAIN and LOGIN. With no record (unknown account) it runs a
// decoy Argon2 with `decoy_cost` (pass the configured cost) and returns false, so response times
// do not reveal which accounts exist. Costly: run it on the worker pool.
bool check_password(const std::optional<Credentials>& credentials, std::string_view password,
                    const Argon2Params& decoy_cost = {});

}  // namespace facteur::directory
