// What the SMTP side knows about a message besides its bytes, handed to the filter: the
// recipient account, our local domains, and the results of checks that need the network or the
// session (SPF/DKIM/DMARC, rate limits, DNS blocklists). Every field is optional: `facteur
// scan` fills only what it is told, and the checks that need a missing input stay silent.
// Trust: filled by our own code; the values may describe internet input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace facteur::filter {

// Results in the words of Authentication-Results (RFC 8601 §2.7).
enum class AuthOutcome : std::uint8_t { none, pass, fail, softfail, neutral, temperror, permerror };

struct AuthSignals {
  AuthOutcome spf = AuthOutcome::none;
  AuthOutcome dkim = AuthOutcome::none;   // best signature aligned with From, if any
  AuthOutcome dmarc = AuthOutcome::none;  // RFC 7489 evaluation of the From domain
  std::string dmarc_domain;               // the RFC5322.From domain evaluated
  std::string dmarc_policy;               // "none", "quarantine", "reject" ("" unknown)
  // The author's only authentication is a DKIM signature with l= (RFC 6376 §8.2) under which
  // body text was appended: anybody relaying the message may have written that text.
  bool unsigned_content = false;
};

// True when the domain `from_domain` (the From field's, lower case) vouches for the message:
// DMARC evaluated that very domain and passes or, for a domain that publishes no DMARC record,
// a DKIM signature aligned with it verifies. Never after a DMARC failure, an error (several
// From addresses: permerror, and no author domain to align with) or SPF alone (a domain that
// publishes no DMARC record may let a shared provider's other customers pass its SPF), nor when
// the passing signature left appended text unsigned (AuthSignals::unsigned_content).
bool author_authenticated(const AuthSignals& a, std::string_view from_domain) noexcept;

// DMARC passes and the authentication covers the whole body (not an l= signature with text
// appended): what the filter may take as the From domain's word for the message.
bool dmarc_vouches(const AuthSignals& a) noexcept;

struct RateSignals {
  std::size_t messages_from_client_last_hour = 0;
  std::size_t recipients_in_transaction = 0;
  bool over_limit = false;  // a configured rate was exceeded (not refused outright)
};

struct DnsblHit {
  std::string zone;  // "zen.example.org"
  std::string what;  // the listed IP or domain
  double points = 0;
};

struct Context {
  std::string account;                     // recipient account address; "" for site-wide
  std::vector<std::string> local_domains;  // lower case; for lookalike checks
  std::optional<AuthSignals> auth;
  std::optional<RateSignals> rate;
  std::vector<DnsblHit> dnsbl;
  bool authenticated = false;  // submitted by one of our users (AUTH): content checks only
};

}  // namespace facteur::filter
