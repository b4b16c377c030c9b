// Password hashing for stored credentials: Argon2 (RFC 9106) in PHC string form,
//   $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>      (salt and hash: base64 without padding)
// New hashes are argon2id with a random 16-byte salt (OpenSSL RAND_bytes) and a 32-byte tag.
// verify_password() honours the parameters written in the stored string (so raising the default
// cost later keeps old hashes working; needs_rehash() tells when to upgrade one at next login),
// accepts argon2i/argon2d/version 0x10 strings imported from elsewhere, and compares in constant
// time.
//
// Default cost: m = 19 MiB, t = 2, p = 1 (OWASP's argon2id baseline). POP3 and IMAP clients log
// in again and again (a phone polls every few minutes, each IMAP folder watcher reconnects), so
// a verification must stay near 20-40 ms and 19 MiB of a worker thread, not the 1-2 GiB
// "interactive" settings of RFC 9106 §4, which would let a few dozen concurrent logins exhaust
// the memory of a small server. The cost is a parameter; raise it where logins are rare.
//
// TRUST: hashes come from our own store, passwords from clients. Parameters read from a stored
// string are capped (kMaxVerifyParams) so a corrupt record cannot allocate gigabytes; malformed
// strings never match. Hashing is CPU-heavy: run it on the worker pool, never on an I/O thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace facteur::directory {

struct Argon2Params {
  std::uint32_t memory_kib = 19 * 1024;  // m: KiB of memory
  std::uint32_t iterations = 2;          // t: passes over the memory
  std::uint32_t parallelism = 1;         // p: lanes (computed on one thread here)
};

enum class Argon2Type { argon2d, argon2i, argon2id };

// The largest parameters verify_password() accepts from a stored string.
inline constexpr Argon2Params kMaxVerifyParams{1024 * 1024, 64, 16};  // 1 GiB, 64 passes, 16 lanes

// A parsed PHC string.
struct PhcHash {
  Argon2Type type = Argon2Type::argon2id;
  std::uint32_t version = 0x13;  // 19; strings without "v=" are 0x10
  Argon2Params params;
  std::string salt;  // raw bytes, 8..64
  std::string hash;  // raw bytes, 4..64
};

// A new argon2id PHC string for `password` (random salt). Errors: parameters out of range,
// RAND_bytes or argon2 failure.
Result<std::string> hash_password(std::string_view password, const Argon2Params& params = {});

// True when `phc` is a well-formed Argon2 PHC string whose hash matches `password`. Malformed or
// over-cost strings return false.
bool verify_password(std::string_view phc, std::string_view password);

// True when `phc` is not argon2id v19 with exactly `wanted` (or is malformed): hash it anew after
// the next successful login.
bool needs_rehash(std::string_view phc, const Argon2Params& wanted = {});

Result<PhcHash> parse_phc(std::string_view phc);  // syntax and ranges only
std::string format_phc(const PhcHash& hash);

// Raw Argon2 (RFC 9106 §3.2) with optional secret K and associated data X, for the RFC test
// vectors and for callers that need a tag rather than a PHC string.
Result<std::string> argon2_raw(Argon2Type type, std::uint32_t version, const Argon2Params& params,
                               std::string_view password, std::string_view salt,
                               std::string_view secret, std::string_view associated_data,
                               std::size_t tag_length);

}  // namespace facteur::directory
