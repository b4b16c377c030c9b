// SCRAM-SHA-256 stored credentials (RFC 5802 §3, RFC 7677): what the server keeps so it can
// check a client proof without knowing the password, and the primitives the exchange uses.
// Serialised in PostgreSQL's layout, so records can be moved between the two:
//   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
//
// Passwords are used as UTF-8 bytes without SASLprep (RFC 4013): identical for printable ASCII,
// which is what clients send in practice; a non-ASCII password that SASLprep would change
// (e.g. a non-NFKC form) fails SCRAM and must use PLAIN over TLS.
//
// Iterations: 4096 by default, RFC 7677's minimum and what clients expect; the client computes
// PBKDF2 on every login (phones included) while the server never does after set-up time.
//
// TRUST: records come from our own store; parse_scram_credentials() still checks everything.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace facteur::directory {

inline constexpr std::uint32_t kDefaultScramIterations = 4096;
inline constexpr std::uint32_t kMaxScramIterations = 10'000'000;

struct ScramCredentials {
  std::string salt;  // raw bytes (16 when made here)
  std::uint32_t iterations = kDefaultScramIterations;
  std::string stored_key;  // H(ClientKey), 32 raw bytes
  std::string server_key;  // HMAC(SaltedPassword, "Server Key"), 32 raw bytes
};

// Random 16-byte salt from RAND_bytes.
Result<ScramCredentials> make_scram_credentials(std::string_view password,
                                                std::uint32_t iterations = kDefaultScramIterations);
// With a given salt (tests, imports).
Result<ScramCredentials> make_scram_credentials(std::string_view password, std::uint32_t iterations,
                                                std::string_view salt);

std::string serialize(const ScramCredentials& credentials);
Result<ScramCredentials> parse_scram_credentials(std::string_view text);

namespace scram {
// RFC 5802 §2.2 primitives over SHA-256 (32-byte outputs).
std::string h(std::string_view data);
std::string hmac(std::string_view key, std::string_view data);
std::string hi(std::string_view password, std::string_view salt, std::uint32_t iterations);
}  // namespace scram

}  // namespace facteur::directory
