// Outbound TLS policy per MX host: what DANE (RFC 7672) and MTA-STS (RFC 8461) published for a
// destination requires of the connection. Decisions only (no I/O): the queue runner feeds DNS
// answers and fetched policies in, the outbound session applies the result to the handshake
// (OpenSSL's DANE matching, or PKIX verification of the MX host name).
// RFCs: 7672 (SMTP with DANE), 6698 / 7218 (TLSA parameters), 8461 §2, §4 (MTA-STS application).
// Trust: inputs are DNS answers and HTTPS bodies from the internet; DNS answers are trusted
// only as far as dns::Answer::secure says (a validating resolver we believe).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/record.hpp"

namespace facteur::queue {

enum class TlsLevel : std::uint8_t {
  opportunistic,  // STARTTLS when offered, clear text otherwise (RFC 7435)
  encrypt,        // STARTTLS mandatory, certificate not checked (TLSA RRset all unusable)
  dane,           // STARTTLS mandatory, certificate must match a usable TLSA record
  pkix,           // STARTTLS mandatory, CA-valid certificate for the MX name (MTA-STS enforce)
  unreachable,    // do not use this host (TLSA lookup failed, or not allowed by MTA-STS)
};

std::string_view to_string(TlsLevel level) noexcept;

struct HostTlsPolicy {
  TlsLevel level = TlsLevel::opportunistic;
  std::vector<dns::TlsaData> tlsa;  // usable records (level dane)
  std::string reason;               // for logs and the queue's error text

  bool requires_tls() const noexcept {
    return level == TlsLevel::encrypt || level == TlsLevel::dane || level == TlsLevel::pkix;
  }
};

// TLSA usages (RFC 7218 §2.1).
inline constexpr std::uint8_t kPkixTa = 0, kPkixEe = 1, kDaneTa = 2, kDaneEe = 3;

// "_25._tcp.mx.example.test" (RFC 6698 §3; RFC 7672 §2.2.3 with the MX host as base domain).
std::string tlsa_name(std::string_view host, std::uint16_t port);

// Can this record authenticate an SMTP server? RFC 7672 §3.1.3: PKIX-TA(0) and PKIX-EE(1)
// are unusable (no CA store is agreed on for MTA-to-MTA SMTP); RFC 6698 §2.1 / RFC 7671 §4:
// unknown usage, selector or matching type, or a digest of the wrong length, are unusable.
bool usable_for_smtp(const dns::TlsaData& record) noexcept;

// Is a TLSA lookup worth doing for this host? RFC 7672 §2.2.1 / §2.2.2: only when the MX
// RRset (or, for the implicit MX, its denial) and the host's address records are secure; an
// insecure link anywhere means an attacker could have chosen the host, so DANE cannot apply.
bool dane_applies(bool mx_secure, bool addresses_secure) noexcept;

// The policy from the TLSA answer for a host where dane_applies() (RFC 7672 §2.2, §3):
//  - secure with usable records: DANE authentication (level dane);
//  - secure with only unusable records: TLS mandatory, unauthenticated (level encrypt);
//  - secure denial (NXDOMAIN / no data) or insecure answer: opportunistic, as before;
//  - lookup failure (SERVFAIL, bogus, timeout): the host cannot be used now (unreachable): a
//    downgrade attack would look exactly like this.
HostTlsPolicy dane_policy(const dns::Answer& tlsa);

// RFC 8461 §2: "senders who implement MTA-STS and DANE SHOULD use DANE when available": a host
// with a DANE policy (levels dane / encrypt / unreachable from DANE) keeps it; other hosts get
// `sts` (pkix or unreachable under an enforced policy).
HostTlsPolicy combine(HostTlsPolicy dane, HostTlsPolicy sts);

}  // namespace facteur::queue
