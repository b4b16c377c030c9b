// ARC (RFC 8617): verification of the Authenticated Received Chain of a message (§5.2) and
// sealing a new instance (§5.1), on the DKIM machinery. Sans-I/O core (ArcVerifier takes key
// answers as values); verify_arc() fetches the keys through a dns::Resolver.
// Trust: chains come from the internet; at most 50 instances (§4.2.1), each field parsed with
// the DKIM tag parser.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dns/resolver.hpp"
#include "mailauth/auth_result.hpp"
#include "mailauth/dkim.hpp"

namespace facteur::mailauth {

enum class ArcChain : std::uint8_t { none, pass, fail };
std::string_view to_string(ArcChain chain) noexcept;

struct ArcInstance {
  std::uint32_t instance = 0;
  std::string ams_domain, ams_selector;
  std::string seal_domain, seal_selector;
  AuthResult ams = AuthResult::none;   // its ARC-Message-Signature
  AuthResult seal = AuthResult::none;  // its ARC-Seal
  std::string chain_validation;        // the cv= it recorded
  std::string reason;
};

struct ArcOutcome {
  ArcChain chain = ArcChain::none;  // the cv= the next hop would record
  std::string reason;
  std::vector<ArcInstance> instances;  // by instance, 1 first
  std::uint32_t oldest_pass = 0;       // lowest instance whose AMS still verifies (0: none)
};

class ArcVerifier {
 public:
  explicit ArcVerifier(std::string_view message, DkimVerifyOptions options = {});

  // The key records to fetch ("sel._domainkey.domain"), without duplicates.
  std::vector<std::string> key_names() const;
  // Verifies with the answers to key_names() (missing names count as temporary failures).
  ArcOutcome verify(const std::map<std::string, dns::Answer>& keys) const;

 private:
  struct Set {
    const mail::HeaderField* aar = nullptr;
    const mail::HeaderField* ams = nullptr;
    const mail::HeaderField* seal = nullptr;
    std::optional<DkimSignature> ams_sig;
    std::optional<DkimSignature> seal_sig;
  };
  CanonMessage message_;
  DkimVerifyOptions options_;
  std::vector<Set> sets_;        // index = instance - 1
  std::string structure_error_;  // a broken chain: fail without looking at signatures
};

net::awaitable<ArcOutcome> verify_arc(dns::Resolver& resolver, std::string_view message,
                                      DkimVerifyOptions options = {});

struct ArcSealOptions {
  std::string domain;       // d= of the AMS and the seal
  std::string selector;     // s=
  std::string authserv_id;  // of the ARC-Authentication-Results
  std::string results;      // its results: "spf=pass smtp.mailfrom=...; dkim=pass ..."
  std::optional<std::int64_t> timestamp;  // t=; unset: now
  std::vector<std::string> headers;       // AMS h=; empty: the DKIM default list
};

// Adds the next ARC set to a message whose existing chain verified as `chain` (none for the
// first hop). Returns the three fields (ARC-Seal, ARC-Message-Signature,
// ARC-Authentication-Results), CRLF-terminated, to prepend. Errc::limit_exceeded past i=50.
Result<std::string> arc_seal(std::string_view message, ArcChain chain, const DkimPrivateKey& key,
                             const ArcSealOptions& options);

}  // namespace facteur::mailauth
