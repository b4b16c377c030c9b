#include "mailauth/authenticate.hpp"

#include "mail/header.hpp"

namespace facteur::mailauth {

net::awaitable<InboundAuthentication> authenticate_message(dns::Resolver& resolver,
                                                           std::string_view message,
                                                           SpfRequest envelope,
                                                           AuthenticateOptions options) {
  InboundAuthentication out;
  const bool null_sender = envelope.mail_from.empty();
  out.spf = co_await check_spf_mail_from(resolver, envelope, options.spf);
  out.dkim = co_await verify_dkim(resolver, message, options.dkim);
  out.arc = co_await verify_arc(resolver, message, options.dkim);

  DmarcInput input;
  CanonMessage parsed(message);
  if (auto from = author_domain(parsed.header())) input.from_domain = std::move(*from);
  input.spf = out.spf.result;
  input.spf_domain = out.spf.domain;  // MAIL FROM's domain, or HELO for <> (RFC 7489 §3.1.2)
  for (const auto& v : out.dkim)
    input.dkim.push_back({v.result, v.domain});
  if (input.from_domain.empty()) {
    out.dmarc.result = AuthResult::permerror;
    out.dmarc.reason = "no single author domain in From";
  } else {
    out.dmarc = co_await check_dmarc(resolver, std::move(input), {}, options.psl);
  }

  out.results.authserv_id = options.authserv_id;
  out.results.results.push_back(spf_result(out.spf, null_sender));
  for (auto& r : dkim_results(out.dkim))
    out.results.results.push_back(std::move(r));
  out.results.results.push_back(dmarc_result(out.dmarc));
  out.results.results.push_back(arc_result(out.arc));
  co_return out;
}

}  // namespace facteur::mailauth
