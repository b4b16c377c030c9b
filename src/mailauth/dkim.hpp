// DKIM signing and verification (RFC 6376, RFC 8463 Ed25519, RFC 8301 algorithm and key size
// rules). The crypto and canonicalisation are sans-I/O (DkimVerifier takes key answers as
// values); verify_dkim() is the coroutine that fetches the keys through a dns::Resolver.
// Trust: verifies internet messages and key records; hostile input yields permerror, never a
// crash. Limits: signatures checked per message (DkimVerifyOptions::max_signatures).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dns/record.hpp"
#include "dns/resolver.hpp"
#include "mailauth/auth_result.hpp"
#include "mailauth/canon.hpp"
#include "mailauth/dkim_key.hpp"

namespace facteur::mailauth {

enum class SignatureKind : std::uint8_t {
  dkim,                   // DKIM-Signature
  arc_message_signature,  // ARC-Message-Signature (RFC 8617 §4.1.2): i= is the instance
  arc_seal,               // ARC-Seal (RFC 8617 §4.1.3): no h=, bh=, c=
};

struct DkimSignature {
  DkimAlgorithm algorithm = DkimAlgorithm::rsa_sha256;
  std::string signature;      // b= decoded
  std::string signature_b64;  // b= without folding (for header.b)
  std::string body_hash;      // bh= decoded
  Canon header_canon = Canon::simple;
  Canon body_canon = Canon::simple;
  std::string domain;                        // d=
  std::string selector;                      // s=
  std::string identity;                      // i= (DKIM; default "@" + d)
  std::uint32_t instance = 0;                // i= (ARC)
  std::string chain_validation;              // cv= (ARC-Seal)
  std::vector<std::string> signed_headers;   // h=, in order, as written
  std::optional<std::uint64_t> body_length;  // l=
  std::optional<std::int64_t> timestamp;     // t=
  std::optional<std::int64_t> expiration;    // x=
};

// Parses and validates a signature header value (§3.5, §6.1.1). Errc::parse_error with the
// reason on any violation (the caller reports permerror).
Result<DkimSignature> parse_dkim_signature(std::string_view value,
                                           SignatureKind kind = SignatureKind::dkim);

// The header field value with the b= tag's value removed (§3.7), folding kept elsewhere.
std::string strip_signature_value(std::string_view raw_field);

// ---------------------------------------------------------------------------------------------
// Signing

// The default h= list; each is signed as often as it occurs, From once more (oversigning,
// §8.15) so that no From can be added.
extern const std::vector<std::string_view> kDefaultSignedHeaders;

struct DkimSignOptions {
  std::string domain;    // d=
  std::string selector;  // s=
  Canon header_canon = Canon::relaxed;
  Canon body_canon = Canon::relaxed;
  std::vector<std::string> headers;          // h= as given; empty: kDefaultSignedHeaders
  std::optional<std::string> identity;       // i=
  std::optional<std::int64_t> timestamp;     // t=; unset: the current time
  std::optional<std::int64_t> expire_after;  // x = t + this many seconds
  bool body_length = false;                  // add l= (weakens the signature; for lists)
};

// Returns the complete "DKIM-Signature: ..." field, folded and ending in CRLF, to prepend to
// the message. Errc::invalid_argument when the message has no From field or options are bad.
Result<std::string> dkim_sign(std::string_view message, const DkimPrivateKey& key,
                              const DkimSignOptions& options);

// Building blocks shared with ARC (arc.hpp).

// The canonicalised fields named in `names`, each name taking the next instance from the bottom
// (§5.4.2); names with no instance left contribute nothing; `exclude` is never selected.
std::string header_data(const CanonMessage& message, const std::vector<std::string>& names,
                        Canon canon, const mail::HeaderField* exclude);

// Builds, signs and folds "<field_name>: <tags>; h=<signed_names>; bh=<hash>; b=<signature>"
// ("h=" / "bh=" left out when empty). `data` is the canonicalised header data that precedes the
// field itself in the signed stream.
Result<std::string> sign_field(std::string_view field_name, const std::vector<std::string>& tags,
                               const std::vector<std::string>& signed_names,
                               std::string_view body_hash_b64, std::string_view data, Canon canon,
                               const DkimPrivateKey& key);

// ---------------------------------------------------------------------------------------------
// Verification

struct DkimVerifyOptions {
  std::int64_t now = 0;                // Unix time; 0: the current time
  unsigned min_rsa_bits = 1024;        // RFC 8301 §3.2
  std::size_t max_signatures = 8;      // later ones are not checked (each costs a DNS query)
  std::int64_t max_future_skew = 300;  // t= further in the future than this: permerror
};

struct DkimVerdict {
  AuthResult result = AuthResult::none;
  std::string reason;  // why, for humans and Authentication-Results comments
  std::string domain;  // d=
  std::string selector;
  std::string identity;                      // i=
  std::string algorithm;                     // a=
  std::string signature_b64;                 // b= (Authentication-Results header.b uses a prefix)
  bool testing = false;                      // key record t=y
  std::optional<std::uint64_t> body_length;  // l= was used: unsigned content may follow
  std::uint64_t unsigned_body_bytes = 0;     // canonical body bytes after l=, not covered
  unsigned key_bits = 0;
};

// A checked key, or the verdict that ends the verification.
struct KeyCheck {
  Pkey key;
  DkimKeyRecord record;
  std::optional<DkimVerdict> failure;
};
// Looks at the TXT answer for s._domainkey.d against the signature (§6.1.2, RFC 8301).
KeyCheck check_key(const dns::Answer& answer, const DkimSignature& signature,
                   const DkimVerifyOptions& options, SignatureKind kind = SignatureKind::dkim);

// The data a signature covers (§3.7): the selected header fields canonicalised, then the
// signature field with b= emptied, without its final CRLF. `signature_field` is excluded from
// the selection.
std::string signed_header_data(const CanonMessage& message, const DkimSignature& signature,
                               const mail::HeaderField& signature_field);

class DkimVerifier {
 public:
  explicit DkimVerifier(std::string_view message, DkimVerifyOptions options = {});

  std::size_t size() const noexcept { return signatures_.size(); }
  // The TXT name to query for signature i ("sel._domainkey.example.com"), or "" when the
  // signature is already decided (it did not parse).
  std::string key_name(std::size_t i) const;
  DkimVerdict verify(std::size_t i, const dns::Answer& key_answer) const;
  const CanonMessage& message() const noexcept { return message_; }

 private:
  struct Entry {
    const mail::HeaderField* field;
    Result<DkimSignature> parsed;
  };
  CanonMessage message_;
  DkimVerifyOptions options_;
  std::vector<Entry> signatures_;
};

// Verifies every DKIM-Signature of the message (up to max_signatures), in header order.
// An empty vector means no signature (dkim=none). `message` must outlive the coroutine.
net::awaitable<std::vector<DkimVerdict>> verify_dkim(dns::Resolver& resolver,
                                                     std::string_view message,
                                                     DkimVerifyOptions options = {});

}  // namespace facteur::mailauth
