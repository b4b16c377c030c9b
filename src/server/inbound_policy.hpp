// The sans-I/O half of the inbound checks (inbound_checks.hpp): which header fields a sender
// must not be able to plant (RFC 8601 §5), what the filter learns from the authentication
// results, and how the verdicts of several recipients combine into one SMTP answer.
// Trust: reads internet input (message headers); linear in the header, no allocation beyond
// the field list. Also what DMARC enforcement (RFC 7489 §6.6.4, §6.7) asks of a message.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.hpp"
#include "filter/context.hpp"
#include "filter/verdict.hpp"
#include "mailauth/authenticate.hpp"
#include "proto/smtp/reply.hpp"

namespace facteur::server {

struct ByteRange {
  std::size_t begin = 0;
  std::size_t end = 0;  // past the field's line end
};

// The authserv-id an Authentication-Results value starts with (RFC 8601 §2.2), without
// comments or quotes; "" when there is none.
std::string authserv_id_of(std::string_view raw_value);

// Header fields of `message` that claim to come from us and so must be removed before the
// message is stored (RFC 8601 §5): Authentication-Results with our authserv-id (compared
// case-insensitively), and every X-Spam-Status / X-Spam-Score / X-Spam-Flag /
// X-Facteur-Verdict / X-Facteur-Reasons, which we alone write for our users. In message order.
std::vector<ByteRange> forged_fields(std::string_view message, std::string_view authserv_id);

// `message` without the given (sorted, disjoint) ranges.
std::string without_ranges(std::string_view message, std::span<const ByteRange> ranges);

// Size of the first header field of `message` with its line end (our own Received: line,
// which the session writes first): what precedes the message as the client sent it.
std::size_t first_field_size(std::string_view message);

// The session signals for the filter (filter::Context::auth): SPF and DMARC as evaluated,
// DKIM as the best signature aligned with the From domain (relaxed, RFC 7489 §3.1.1).
filter::AuthSignals auth_signals(const mailauth::InboundAuthentication& auth);

// One SMTP answer for several recipients whose accounts may judge differently: the message is
// refused only when every recipient would refuse it; otherwise each copy follows its own
// verdict, and a copy whose verdict alone says "reject" is filed into Junk instead (the other
// recipients get the message, so the client sees 250 and nothing may be lost silently).
struct CombinedActions {
  bool reject = false;                  // answer 550 5.7.1, store nothing
  std::vector<filter::Action> actions;  // per input, never reject unless `reject`
};
CombinedActions combine_actions(std::span<const filter::Action> actions);

// The stricter of two actions (deliver < junk < reject).
filter::Action stricter(filter::Action a, filter::Action b);

// What the From domain's DMARC policy asks of this message under [filter] dmarc_enforce:
// deliver (nothing enforced), junk (p=quarantine failing) or reject (p=reject failing). The
// policy is the outcome's disposition, so sp= (subdomains) and pct= sampling (§6.6.4: a
// sampled-out reject is quarantined, a sampled-out quarantine delivered) are already applied.
// Nothing is enforced for "score", for clients in trusted networks, for any result but fail
// (a temperror means the policy is unknown: fail open, §6.6.3), nor for a message whose ARC
// chain passes (RFC 8617 §5.2) and was last sealed by a domain of arc_trusted_sealers (a list
// or forwarder that vouches for what it saw, §7.2; RFC 7489 §10.4).
struct DmarcEnforcement {
  filter::Action action = filter::Action::deliver;
  std::string why;  // for the logs; "" when nothing is enforced and nothing is worth saying
};
DmarcEnforcement dmarc_enforcement(const mailauth::InboundAuthentication& auth,
                                   const DmarcSettings& settings, bool trusted_client);

// 550 5.7.1 naming DMARC and the From domain (RFC 7489 §6.6.4 / §10.3: "reject" at SMTP time).
smtp::Reply dmarc_refusal(const mailauth::DmarcOutcome& dmarc);

}  // namespace facteur::server
