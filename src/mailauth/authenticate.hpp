// Inbound sender authentication of one message in one call: SPF (MAIL FROM, HELO for <>),
// DKIM, ARC and DMARC, summed up as an Authentication-Results field (RFC 8601). The SMTP
// server calls this once the message is received; each part stays available separately.
// Trust: everything here is internet input; DNS through the given resolver only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.hpp"
#include "mailauth/arc.hpp"
#include "mailauth/auth_results.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/dmarc.hpp"
#include "mailauth/spf.hpp"

namespace facteur::mailauth {

struct InboundAuthentication {
  SpfOutcome spf;
  std::vector<DkimVerdict> dkim;
  ArcOutcome arc;
  DmarcOutcome dmarc;
  AuthenticationResults results;  // for the Authentication-Results field
};

struct AuthenticateOptions {
  std::string authserv_id;  // our host name, as in the Authentication-Results field
  DkimVerifyOptions dkim;
  SpfLimits spf;
  const PublicSuffixList* psl = nullptr;  // nullptr: PublicSuffixList::system()
};

// `message` must outlive the coroutine. `envelope` carries the client IP, MAIL FROM and HELO.
net::awaitable<InboundAuthentication> authenticate_message(dns::Resolver& resolver,
                                                           std::string_view message,
                                                           SpfRequest envelope,
                                                           AuthenticateOptions options);

}  // namespace facteur::mailauth
