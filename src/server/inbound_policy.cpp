#include "server/inbound_policy.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "mail/header.hpp"
#include "mailauth/dmarc.hpp"

namespace facteur::server {
namespace {

constexpr std::string_view kVerdictFields[] = {"X-Spam-Status", "X-Spam-Score", "X-Spam-Flag",
                                               "X-Facteur-Verdict", "X-Facteur-Reasons"};

bool is_wsp(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Skips whitespace and (nested) comments.
std::size_t skip_cfws(std::string_view s, std::size_t i) {
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (depth > 0) {
      if (c == '\\' && i + 1 < s.size())
        ++i;
      else if (c == '(')
        ++depth;
      else if (c == ')')
        --depth;
      ++i;
    } else if (c == '(') {
      depth = 1;
      ++i;
    } else if (is_wsp(c)) {
      ++i;
    } else {
      break;
    }
  }
  return i;
}

filter::AuthOutcome outcome(mailauth::AuthResult r) {
  using filter::AuthOutcome;
  using mailauth::AuthResult;
  switch (r) {
    case AuthResult::pass:
      return AuthOutcome::pass;
    case AuthResult::fail:
      return AuthOutcome::fail;
    case AuthResult::softfail:
      return AuthOutcome::softfail;
    case AuthResult::neutral:
    case AuthResult::policy:
      return AuthOutcome::neutral;
    case AuthResult::temperror:
      return AuthOutcome::temperror;
    case AuthResult::permerror:
      return AuthOutcome::permerror;
    case AuthResult::none:
      break;
  }
  return AuthOutcome::none;
}

}  // namespace

std::string authserv_id_of(std::string_view v) {
  std::size_t i = skip_cfws(v, 0);
  std::string id;
  if (i < v.size() && v[i] == '"') {
    for (++i; i < v.size() && v[i] != '"'; ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      id += v[i];
    }
    return id;
  }
  while (i < v.size() && !is_wsp(v[i]) && v[i] != ';' && v[i] != '(')
    id += v[i++];
  return id;
}

std::vector<ByteRange> forged_fields(std::string_view message, std::string_view authserv_id) {
  std::vector<ByteRange> out;
  auto header = mail::parse_header(message);
  for (const auto& f : header.fields()) {
    bool ours = false;
    if (iequals(f.name, "Authentication-Results")) {
      ours = iequals(authserv_id_of(f.raw_value), authserv_id);
    } else {
      for (auto name : kVerdictFields)
        ours = ours || iequals(f.name, name);
    }
    if (!ours) continue;
    std::size_t end =
        static_cast<std::size_t>(f.raw_value.data() - message.data()) + f.raw_value.size();
    if (end < message.size() && message[end] == '\r') ++end;
    if (end < message.size() && message[end] == '\n') ++end;
    out.push_back({f.offset, end});
  }
  return out;
}

std::string without_ranges(std::string_view message, std::span<const ByteRange> ranges) {
  std::string out;
  out.reserve(message.size());
  std::size_t at = 0;
  for (const auto& r : ranges) {
    if (r.begin < at || r.end > message.size() || r.end < r.begin) continue;
    out.append(message.substr(at, r.begin - at));
    at = r.end;
  }
  out.append(message.substr(at));
  return out;
}

std::size_t first_field_size(std::string_view message) {
  std::size_t i = 0;
  while (true) {
    auto nl = message.find('\n', i);
    if (nl == std::string_view::npos) return message.size();
    i = nl + 1;
    if (i >= message.size() || (message[i] != ' ' && message[i] != '\t')) return i;
  }
}

filter::AuthSignals auth_signals(const mailauth::InboundAuthentication& auth) {
  filter::AuthSignals s;
  s.spf = outcome(auth.spf.result);
  s.dmarc = outcome(auth.dmarc.result);
  s.dmarc_domain = auth.dmarc.from_domain;
  if (auth.dmarc.record) {
    auto policy = auth.dmarc.result == mailauth::AuthResult::fail ? auth.dmarc.disposition
                                                                  : auth.dmarc.policy;
    s.dmarc_policy = std::string(mailauth::to_string(policy));
  }
  // Best aligned signature: a pass wins, then a failure; unaligned signatures say nothing
  // about the author, and without a single author domain (several From addresses) none is.
  const std::string& from = auth.dmarc.from_domain;
  bool whole_body = false;
  bool partial_body = false;
  for (const auto& v : auth.dkim) {
    if (from.empty() || !mailauth::aligned(v.domain, from, mailauth::Alignment::relaxed)) continue;
    auto o = outcome(v.result);
    if (o == filter::AuthOutcome::pass) {
      s.dkim = o;
      (v.unsigned_body_bytes > 0 ? partial_body : whole_body) = true;
    } else if ((o == filter::AuthOutcome::fail || o == filter::AuthOutcome::permerror) &&
               s.dkim != filter::AuthOutcome::pass) {
      s.dkim = filter::AuthOutcome::fail;
    }
  }
  // An aligned SPF pass vouches for the whole transmission; else the signatures must cover
  // the whole body for the author to have written all of it.
  s.unsigned_content = partial_body && !whole_body && !auth.dmarc.spf_aligned;
  return s;
}

CombinedActions combine_actions(std::span<const filter::Action> actions) {
  CombinedActions out;
  out.reject = !actions.empty();
  for (auto a : actions)
    out.reject = out.reject && a == filter::Action::reject;
  out.actions.assign(actions.begin(), actions.end());
  if (!out.reject) {
    for (auto& a : out.actions)
      if (a == filter::Action::reject) a = filter::Action::junk;
  }
  return out;
}

filter::Action stricter(filter::Action a, filter::Action b) {
  return static_cast<std::uint8_t>(a) >= static_cast<std::uint8_t>(b) ? a : b;
}

DmarcEnforcement dmarc_enforcement(const mailauth::InboundAuthentication& auth,
                                   const DmarcSettings& settings, bool trusted_client) {
  using mailauth::DmarcPolicy;
  DmarcEnforcement out;
  const auto& d = auth.dmarc;
  if (settings.enforce != DmarcEnforce::reject || d.result != mailauth::AuthResult::fail ||
      d.disposition == DmarcPolicy::none)
    return out;
  if (trusted_client) {
    out.why = "DMARC policy not enforced: trusted network";
    return out;
  }
  // The newest instance is the hop that handed the message to us (RFC 8617 §4.2.1).
  if (auth.arc.chain == mailauth::ArcChain::pass && !auth.arc.instances.empty()) {
    const auto& sealer = auth.arc.instances.back().seal_domain;
    if (std::any_of(settings.arc_trusted_sealers.begin(), settings.arc_trusted_sealers.end(),
                    [&](const std::string& t) { return iequals(t, sealer); })) {
      out.why = fmt::format("DMARC policy not enforced: ARC chain sealed by trusted {}", sealer);
      return out;
    }
  }
  out.action = d.disposition == DmarcPolicy::reject ? filter::Action::reject : filter::Action::junk;
  out.why = fmt::format("DMARC {} of {} ({})", mailauth::to_string(d.disposition), d.from_domain,
                        d.reason);
  return out;
}

smtp::Reply dmarc_refusal(const mailauth::DmarcOutcome& dmarc) {
  return {550, "5.7.1",
          fmt::format("Rejected by the DMARC policy of {}: the message fails authentication "
                      "for its From domain ({})",
                      dmarc.from_domain, dmarc.reason)};
}

}  // namespace facteur::server
