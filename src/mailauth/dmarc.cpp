#include "mailauth/dmarc.hpp"

#include <random>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "mail/address.hpp"
#include "mailauth/tag_list.hpp"

namespace facteur::mailauth {
namespace {

std::optional<DmarcPolicy> parse_policy(std::string_view v) {
  if (iequals(v, "none")) return DmarcPolicy::none;
  if (iequals(v, "quarantine")) return DmarcPolicy::quarantine;
  if (iequals(v, "reject")) return DmarcPolicy::reject;
  return std::nullopt;
}

std::vector<std::string> uri_list(std::string_view v) {
  std::vector<std::string> out;
  for (auto item : split(v, ',')) {
    auto uri = remove_fws(item);
    if (!uri.empty()) out.push_back(std::move(uri));
  }
  return out;
}

struct Discovery {
  dns::Status status = dns::Status::nxdomain;
  std::optional<DmarcRecord> record;
  std::string detail;
};

net::awaitable<Discovery> discover(dns::Resolver& resolver, const std::string& domain) {
  Discovery out;
  auto answer = co_await resolver.query("_dmarc." + domain, dns::RType::txt);
  out.status = answer.status;
  out.detail = answer.detail;
  if (!answer.ok()) co_return out;
  std::vector<std::string> candidates;
  for (auto& txt : dns::txt_strings(answer)) {
    // §6.6.3: records that do not start with "v=DMARC1" are discarded.
    std::string_view t = trim(txt);
    if (t.starts_with("v=DMARC1") &&
        (t.size() == 8 || t[8] == ';' || t[8] == ' ' || t[8] == '\t')) {
      candidates.push_back(std::move(txt));
    }
  }
  if (candidates.size() != 1) {
    out.detail = candidates.empty() ? "no DMARC record" : "several DMARC records";
    out.status = dns::Status::no_data;
    co_return out;
  }
  auto parsed = parse_dmarc_record(candidates[0]);
  if (!parsed) {
    out.detail = parsed.error().message;
    out.status = dns::Status::no_data;
    co_return out;
  }
  out.record = std::move(*parsed);
  co_return out;
}

}  // namespace

std::string_view to_string(DmarcPolicy policy) noexcept {
  switch (policy) {
    case DmarcPolicy::none:
      return "none";
    case DmarcPolicy::quarantine:
      return "quarantine";
    case DmarcPolicy::reject:
      return "reject";
  }
  return "?";
}

Result<DmarcRecord> parse_dmarc_record(std::string_view txt) {
  auto tags = parse_tag_list(txt);
  if (!tags) return make_error(Errc::parse_error, "DMARC record: " + tags.error().message);
  if (tags->empty() || (*tags)[0].name != "v" || (*tags)[0].value != "DMARC1") {
    return make_error(Errc::parse_error, "DMARC record does not start with v=DMARC1");
  }
  DmarcRecord r;
  if (auto rua = find_tag(*tags, "rua")) r.aggregate_reports = uri_list(*rua);
  if (auto ruf = find_tag(*tags, "ruf")) r.failure_reports = uri_list(*ruf);
  auto p = find_tag(*tags, "p");
  auto policy = p ? parse_policy(*p) : std::nullopt;
  if (!policy) {
    if (r.aggregate_reports.empty()) {
      return make_error(Errc::parse_error, "DMARC record has no valid p=");
    }
    policy = DmarcPolicy::none;
  }
  r.policy = *policy;
  if (auto sp = find_tag(*tags, "sp")) r.subdomain_policy = parse_policy(*sp);
  if (auto a = find_tag(*tags, "adkim"); a && iequals(*a, "s"))
    r.dkim_alignment = Alignment::strict;
  if (auto a = find_tag(*tags, "aspf"); a && iequals(*a, "s")) r.spf_alignment = Alignment::strict;
  if (auto pct = find_tag(*tags, "pct")) {
    unsigned v = 0;
    bool ok = !pct->empty() && pct->size() <= 3;
    for (char c : *pct) {
      if (c < '0' || c > '9') ok = false;
      v = v * 10 + unsigned(c - '0');
    }
    if (ok && v <= 100) r.percent = v;  // an invalid pct is ignored (§6.3: default 100)
  }
  if (auto fo = find_tag(*tags, "fo")) r.failure_options = std::string(*fo);
  return r;
}

Result<std::string> author_domain(const mail::Header& header) {
  auto froms = header.find_all("From");
  if (froms.size() != 1) {
    return make_error(Errc::parse_error,
                      froms.empty() ? "no From field" : "more than one From field");
  }
  auto list = mail::parse_address_list(froms[0]->raw_value);
  std::string domain;
  for (const auto* mailbox : list.mailboxes()) {
    if (mailbox->domain.empty()) continue;
    if (!domain.empty() && !iequals(domain, mailbox->domain)) {
      return make_error(Errc::parse_error, "From holds several domains");
    }
    domain = to_lower(mailbox->domain);
  }
  if (domain.empty()) return make_error(Errc::parse_error, "From has no domain");
  return domain;
}

bool aligned(std::string_view a, std::string_view b, Alignment mode, const PublicSuffixList& psl) {
  if (a.empty() || b.empty()) return false;
  if (mode == Alignment::strict) return iequals(a, b);
  return psl.organizational_domain(a) == psl.organizational_domain(b);
}

net::awaitable<DmarcOutcome> check_dmarc(dns::Resolver& resolver, DmarcInput input,
                                         std::function<unsigned()> percent_roll,
                                         const PublicSuffixList* psl) {
  if (psl == nullptr) psl = &PublicSuffixList::system();
  DmarcOutcome out;
  out.from_domain = to_lower(input.from_domain);
  if (out.from_domain.empty()) {
    out.result = AuthResult::permerror;
    out.reason = "no author domain";
    co_return out;
  }
  const std::string org = psl->organizational_domain(out.from_domain);
  auto found = co_await discover(resolver, out.from_domain);
  out.record_domain = out.from_domain;
  if (!found.record && found.status != dns::Status::temp_failure && org != out.from_domain) {
    found = co_await discover(resolver, org);
    out.record_domain = org;
  }
  if (found.status == dns::Status::temp_failure) {
    out.result = AuthResult::temperror;
    out.reason = "DNS error: " + found.detail;
    out.record_domain.clear();
    co_return out;
  }
  if (!found.record) {
    out.result = AuthResult::none;
    out.reason = "no DMARC record";
    out.record_domain.clear();
    co_return out;
  }
  const DmarcRecord& record = *found.record;
  out.record = record;
  // §6.6.3: sp= applies when the record came from the organisational domain of a subdomain.
  out.policy = out.record_domain != out.from_domain
                   ? record.subdomain_policy.value_or(record.policy)
                   : record.policy;
  out.spf_aligned = input.spf == AuthResult::pass &&
                    aligned(input.spf_domain, out.from_domain, record.spf_alignment, *psl);
  for (const auto& d : input.dkim) {
    if (d.result == AuthResult::pass &&
        aligned(d.domain, out.from_domain, record.dkim_alignment, *psl)) {
      out.dkim_aligned = true;
      break;
    }
  }
  if (out.spf_aligned || out.dkim_aligned) {
    out.result = AuthResult::pass;
    out.disposition = DmarcPolicy::none;
    out.reason = out.dkim_aligned ? "aligned DKIM pass" : "aligned SPF pass";
    co_return out;
  }
  out.result = AuthResult::fail;
  out.reason = "no aligned SPF or DKIM pass";
  out.disposition = out.policy;
  if (record.percent < 100 && out.policy != DmarcPolicy::none) {
    unsigned roll = percent_roll ? percent_roll() % 100 : [] {
      thread_local std::mt19937 engine{std::random_device{}()};
      return static_cast<unsigned>(engine() % 100);
    }();
    if (roll >= record.percent) {
      // §6.6.4: outside the sample, apply the next less strict policy.
      out.disposition =
          out.policy == DmarcPolicy::reject ? DmarcPolicy::quarantine : DmarcPolicy::none;
      out.reason += fmt::format(" (pct={} sampled out)", record.percent);
    }
  }
  co_return out;
}

}  // namespace facteur::mailauth
