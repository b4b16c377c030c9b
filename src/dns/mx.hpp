// MX routing (RFC 5321 §5.1, RFC 7505): the ordered list of hosts to try for a domain.
// Trust: works on DNS answers (internet data); bounded by MxLimits.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dns/resolver.hpp"

namespace facteur::dns {

struct MxHost {
  std::string host;  // exchange name (the domain itself for the implicit MX)
  std::uint16_t preference = 0;
  bool implicit = false;  // no MX record: the domain's own A/AAAA (§5.1)
  // The MX answer (or, for the implicit MX, the denial of MX records) was DNSSEC-validated:
  // the host name can be trusted as a DANE base domain (RFC 7672 §2.2.1).
  bool secure = false;
};

struct MxLimits {
  std::size_t max_hosts = 20;  // more MX records than this are cut (lowest preference kept)
};

// A source of random numbers for shuffling hosts of equal preference (tests pass their own).
using RandomSource = std::function<std::uint32_t()>;

// Orders MX records by preference, shuffling records of equal preference (§5.1: "randomize").
// Null MX records (exchange ".") among others are dropped (RFC 7505 §4.3).
std::vector<MxHost> order_mx(std::vector<MxData> records, const RandomSource& random,
                             const MxLimits& limits = {});

// Looks up where to deliver mail for `domain`. Errors:
//  - Errc::unavailable (temporary, retry later): SERVFAIL, timeouts;
//  - Errc::not_found (permanent): the domain does not exist, or has neither MX nor A/AAAA;
//  - Errc::permission_denied (permanent): null MX, the domain accepts no mail (RFC 7505 §3,
//    reply code 556 5.1.10);
//  - Errc::invalid_argument (permanent): not a domain name.
net::awaitable<Result<std::vector<MxHost>>> resolve_mx(Resolver& resolver, std::string domain,
                                                       RandomSource random = {},
                                                       MxLimits limits = {});

}  // namespace facteur::dns
