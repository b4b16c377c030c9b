#include "filter/context.hpp"

#include "base/strings.hpp"

namespace facteur::filter {

bool author_authenticated(const AuthSignals& a, std::string_view from_domain) noexcept {
  if (from_domain.empty() || a.dmarc_domain.empty() || !iequals(a.dmarc_domain, from_domain))
    return false;
  if (a.unsigned_content) return false;
  if (a.dmarc == AuthOutcome::pass) return true;
  return a.dmarc == AuthOutcome::none && a.dkim == AuthOutcome::pass;
}

bool dmarc_vouches(const AuthSignals& a) noexcept {
  return a.dmarc == AuthOutcome::pass && !a.unsigned_content;
}

}  // namespace facteur::filter
