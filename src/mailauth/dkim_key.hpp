// DKIM keys: private keys for signing (RSA, Ed25519), public key records published in DNS
// (RFC 6376 §3.6.1, RFC 8463 §4), key generation, and the signature primitives (OpenSSL 3 EVP).
// Trust: key records come from DNS (internet input); private keys from the local config.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

using evp_pkey_st = struct evp_pkey_st;

namespace facteur::mailauth {

enum class DkimAlgorithm : std::uint8_t { rsa_sha256, ed25519_sha256, rsa_sha1 };

std::string_view to_string(DkimAlgorithm algorithm) noexcept;  // "rsa-sha256"...

struct PkeyDeleter {
  void operator()(evp_pkey_st* key) const noexcept;
};
using Pkey = std::unique_ptr<evp_pkey_st, PkeyDeleter>;

class DkimPrivateKey {
 public:
  // A PEM private key (PKCS#8 or traditional RSA), or an Ed25519 key given as the base64 of
  // its 32-byte seed (the form of RFC 8463 §A.1 and dkimpy).
  static Result<DkimPrivateKey> load(std::string_view text);

  // rsa_sha256 or ed25519_sha256.
  DkimAlgorithm algorithm() const noexcept { return algorithm_; }
  unsigned bits() const noexcept { return bits_; }
  // The p= value of the matching key record.
  std::string public_key_base64() const;
  // "v=DKIM1; k=rsa; p=..." for the selector's TXT record.
  std::string dns_record() const;
  // Signs the canonicalised header data (the hash is computed here; for Ed25519 the SHA-256
  // digest is what is signed, RFC 8463 §3).
  Result<std::string> sign(std::string_view data) const;

 private:
  Pkey key_;
  DkimAlgorithm algorithm_ = DkimAlgorithm::rsa_sha256;
  unsigned bits_ = 0;
};

struct DkimKeyPair {
  std::string private_pem;
  std::string dns_record;  // TXT value: "v=DKIM1; k=ed25519; p=..."
};

// A fresh key: RSA (rsa_bits, >= 1024) or Ed25519.
Result<DkimKeyPair> generate_dkim_key(DkimAlgorithm algorithm, unsigned rsa_bits = 2048);

// A parsed key record (the TXT at selector._domainkey.domain).
struct DkimKeyRecord {
  std::string key_type = "rsa";       // k=
  std::string public_key;             // p= decoded; empty: revoked (§3.6.1)
  std::vector<std::string> hashes;    // h=; empty: any
  std::vector<std::string> services;  // s=; default "*"
  bool testing = false;               // t=y
  bool strict_identity = false;       // t=s: i= domain must equal d=
};

// Errc::parse_error for syntax errors, bad v=, bad base64 (all "permerror" for DKIM).
Result<DkimKeyRecord> parse_dkim_key_record(std::string_view txt);

// Loads the public key of a record: RSA SubjectPublicKeyInfo (or bare RSAPublicKey) DER, or a
// raw 32-byte Ed25519 key. Errc::parse_error when it is not such a key.
Result<Pkey> load_public_key(const DkimKeyRecord& record);
unsigned key_bits(const Pkey& key);

// True when `signature` is valid for `data` under the key and algorithm.
bool verify_signature(const Pkey& key, DkimAlgorithm algorithm, std::string_view data,
                      std::string_view signature);

std::string sha256(std::string_view data);
std::string sha1(std::string_view data);

// Base64 for tags: decodes ignoring FWS; nullopt on bad input.
std::optional<std::string> decode_base64_tag(std::string_view text);
std::string encode_base64(std::string_view bytes);

}  // namespace facteur::mailauth
