// Signals computed by the SMTP session and handed over in Context: SPF, DKIM and DMARC results
// (src/mailauth), rate-limit observations and DNS blocklist hits. Silent when absent, so
// `facteur scan` without them gives content-only verdicts.
#include <fmt/format.h>

#include "filter/checks.hpp"

namespace facteur::filter {
namespace {

class SessionCheck final : public Check {
 public:
  std::string_view name() const noexcept override { return "session"; }

  void run(const MessageView& m, const Context& ctx, Verdict& v) const override {
    if (ctx.auth) {
      const AuthSignals& a = *ctx.auth;
      std::string domain = a.dmarc_domain.empty() ? m.from_domain : a.dmarc_domain;
      if (a.dmarc == AuthOutcome::fail) {
        bool enforced = a.dmarc_policy == "reject" || a.dmarc_policy == "quarantine";
        v.add("auth.dmarc-fail", enforced ? 3.5 : 2.0, Label::phishing,
              fmt::format("From domain {} fails DMARC (policy {})", domain,
                          a.dmarc_policy.empty() ? "unknown" : a.dmarc_policy));
      } else if (dmarc_vouches(a)) {
        v.add("auth.dmarc-pass", -0.5, Label::ham,
              fmt::format("From domain {} passes DMARC", domain));
      }
      if (a.spf == AuthOutcome::fail)
        v.add("auth.spf-fail", 1.5, Label::spam, "SPF fail: the sending host is not allowed");
      else if (a.spf == AuthOutcome::softfail)
        v.add("auth.spf-softfail", 0.5, Label::spam, "SPF softfail");
      if (a.dkim == AuthOutcome::fail)
        v.add("auth.dkim-fail", 1.0, Label::spam, "DKIM signature does not verify");
    }
    // A hint, not a verdict: the rate limits already refuse the excess; this only tips mail
    // from a client that was refused lately (rates, address guessing) towards Junk.
    if (ctx.rate && ctx.rate->over_limit) {
      const auto n = ctx.rate->messages_from_client_last_hour;
      v.add("rate.over-limit", 1.0, Label::spam,
            n ? fmt::format("client over its rate limits ({} messages in the last hour)", n)
              : std::string("client refused lately for its rates or for guessing addresses"));
    }
    for (const auto& hit : ctx.dnsbl)
      v.add("dnsbl", hit.points, Label::spam, fmt::format("{} listed in {}", hit.what, hit.zone));
  }
};

}  // namespace

std::unique_ptr<Check> make_session_check() {
  return std::make_unique<SessionCheck>();
}

}  // namespace facteur::filter
