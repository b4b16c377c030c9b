#include "queue/policy.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "mail/address.hpp"

namespace facteur::queue {

Result<FixedRoute> parse_route(std::string_view text) {
  FixedRoute route;
  std::string_view port_text;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close == 1)
      return make_error(Errc::invalid_argument, fmt::format("bad route '{}'", text));
    route.host = std::string(text.substr(1, close - 1));
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':')
        return make_error(Errc::invalid_argument, fmt::format("bad route '{}'", text));
      port_text = rest.substr(1);
    }
  } else {
    auto colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon)
      return make_error(Errc::invalid_argument,
                        fmt::format("bad route '{}': write IPv6 as [addr]:port", text));
    route.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) port_text = text.substr(colon + 1);
  }
  if (route.host.empty() || route.host.find_first_of(" \t\r\n/") != std::string::npos)
    return make_error(Errc::invalid_argument, fmt::format("bad route '{}': no host", text));
  if (!port_text.empty() || text.ends_with(':')) {
    auto port = parse_port(port_text);
    if (!port)
      return make_error(Errc::invalid_argument, fmt::format("bad port in route '{}'", text));
    route.port = *port;
  }
  return route;
}

Result<std::optional<FixedRoute>> fixed_route(const std::map<std::string, std::string>& routes,
                                              std::string_view domain) {
  const std::string* value = nullptr;
  for (const auto& [key, target] : routes) {
    if (iequals(key, domain)) value = &target;
  }
  if (!value) {
    if (auto it = routes.find("*"); it != routes.end()) value = &it->second;
  }
  if (!value) return std::optional<FixedRoute>();
  auto route = parse_route(*value);
  if (!route) return std::unexpected(route.error());
  return std::optional<FixedRoute>(std::move(*route));
}

std::string_view domain_of(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

std::vector<store::NewQueueEntry> group_by_domain(
    std::vector<store::NewQueueRecipient> recipients) {
  std::vector<store::NewQueueEntry> entries;
  std::set<std::string> seen;
  for (auto& r : recipients) {
    std::string domain = to_lower(domain_of(r.address));
    auto local =
        std::string_view(r.address).substr(0, r.address.size() - domain_of(r.address).size());
    if (!seen.insert(std::string(local) + domain).second) continue;
    auto it = std::find_if(entries.begin(), entries.end(),
                           [&](const store::NewQueueEntry& e) { return e.domain == domain; });
    if (it == entries.end()) {
      entries.push_back(store::NewQueueEntry{domain, {}});
      it = entries.end() - 1;
    }
    it->recipients.push_back(std::move(r));
  }
  return entries;
}

std::int64_t next_attempt_after(std::uint32_t attempts,
                                const std::vector<std::chrono::seconds>& schedule,
                                std::int64_t now) {
  if (schedule.empty()) return now + 3600;
  std::size_t i = attempts == 0 ? 0 : std::min<std::size_t>(attempts - 1, schedule.size() - 1);
  return now + schedule[i].count();
}

std::string describe(const smtp::Reply& reply) {
  std::string text = reply.text;
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (reply.enhanced.empty()) return fmt::format("{} {}", reply.code, text);
  return fmt::format("{} {} {}", reply.code, reply.enhanced, text);
}

namespace {

mail::Path path_of(std::string_view address) {
  mail::PathOptions options;
  options.smtputf8 = true;
  auto parsed = mail::parse_forward_path("<" + std::string(address) + ">", options);
  if (parsed) return *parsed;
  // Stored addresses came through the parser once; keep going with a plain split if not.
  mail::Path p;
  auto at = address.rfind('@');
  p.local_part = std::string(address.substr(0, at));
  if (at != std::string_view::npos) p.domain = std::string(address.substr(at + 1));
  return p;
}

DsnRecipient dsn_recipient(const store::QueueRecipient& r, DsnAction action) {
  DsnRecipient d;
  d.final_recipient = path_of(r.address);
  if (!r.orcpt_type.empty()) d.original = smtp::OriginalRecipient{r.orcpt_type, r.orcpt};
  d.action = action;
  return d;
}

bool wants(unsigned notify, DsnAction action) {
  return dsn_wanted(notify, action, true);
}

}  // namespace

Decision decide(const store::QueueEntry& entry, const AttemptReport& report,
                const QueueSettings& settings, std::int64_t now) {
  Decision d;
  d.attempt.entry = entry.id;
  d.attempt.attempted_at = now;
  d.attempt.last_error = report.error;
  d.attempt.next_attempt = next_attempt_after(entry.attempts + 1, settings.retry_schedule, now);
  const bool bounces_allowed = !entry.envelope.reverse_path.empty();
  const std::int64_t arrival = entry.envelope.arrival;
  const bool expired = now >= arrival + settings.expiry.count();
  const bool delay_due = !entry.delay_notified && settings.delay_notice.count() > 0 &&
                         now >= arrival + settings.delay_notice.count();
  const auto last_attempt = std::chrono::sys_seconds(std::chrono::seconds(now));
  bool any_delayed = false;

  for (const auto& r : entry.recipients) {
    const RecipientOutcome* outcome = nullptr;
    for (const auto& o : report.recipients)
      if (o.id == r.id) outcome = &o;
    RecipientStatus status = RecipientStatus::temporary;
    if (outcome) {
      status = outcome->status;
    } else if (report.permanent) {
      status = RecipientStatus::permanent;
    }

    if (status == RecipientStatus::delivered) {
      d.attempt.done.push_back(r.id);
      ++d.delivered;
      if (bounces_allowed && !outcome->peer_dsn && (r.notify & smtp::kNotifySuccess)) {
        auto n = dsn_recipient(r, DsnAction::relayed);
        n.remote_mta = report.remote_mta;
        n.remote_reply = outcome->reply;
        n.remote_stage = outcome->stage;
        n.last_attempt = last_attempt;
        d.relayed.push_back(std::move(n));
      }
      continue;
    }

    auto notice = dsn_recipient(r, DsnAction::failed);
    notice.last_attempt = last_attempt;
    if (outcome && outcome->remote) {
      notice.remote_mta = report.remote_mta;
      notice.remote_reply = outcome->reply;
      notice.remote_stage = outcome->stage;
      notice.status = outcome->reply.enhanced;
    } else if (outcome) {
      notice.status = outcome->reply.enhanced;
      notice.explanation = outcome->reply.text;
    } else if (report.error_reply) {
      notice.remote_mta = report.remote_mta;
      notice.remote_reply = report.error_reply;
      notice.status = report.error_reply->enhanced;
    } else {
      notice.explanation = report.error;
    }
    std::string reason = outcome ? describe(outcome->reply) : report.error;

    if (status == RecipientStatus::permanent || expired) {
      d.attempt.done.push_back(r.id);
      if (status != RecipientStatus::permanent) {
        // RFC 3463 4.4.7: delivery time expired; the last temporary reason says why.
        notice.status = "4.4.7";
        notice.remote_reply.reset();
        auto expiry = settings.expiry.count();
        auto span = expiry % 86400 == 0 ? fmt::format("{} days", expiry / 86400)
                                        : fmt::format("{} seconds", expiry);
        notice.explanation =
            fmt::format("Delivery gave up after {} of attempts; the last one said: {}", span,
                        reason.empty() ? r.last_error : reason);
      }
      if (notice.status.empty() || (notice.status[0] != '5' && notice.status != "4.4.7"))
        notice.status = status == RecipientStatus::permanent ? "5.0.0" : "4.4.7";
      if (bounces_allowed && wants(r.notify, DsnAction::failed))
        d.failed.push_back(std::move(notice));
      continue;
    }

    // Still temporary.
    if (!reason.empty()) d.attempt.errors.emplace_back(r.id, reason);
    any_delayed = true;
    if (delay_due && bounces_allowed && wants(r.notify, DsnAction::delayed)) {
      notice.action = DsnAction::delayed;
      if (notice.status.empty() || notice.status[0] != '4') notice.status = "4.0.0";
      notice.will_retry_until =
          std::chrono::sys_seconds(std::chrono::seconds(arrival + settings.expiry.count()));
      d.delayed.push_back(std::move(notice));
    }
  }
  if (delay_due && any_delayed) d.attempt.delay_notified = true;
  return d;
}

DsnRequest dsn_request(const store::QueueEntry& entry, std::string reporting_mta,
                       std::vector<DsnRecipient> recipients) {
  DsnRequest r;
  r.reporting_mta = std::move(reporting_mta);
  r.sender = path_of(entry.envelope.reverse_path);
  r.sender.is_null = entry.envelope.reverse_path.empty();
  r.envid = entry.envelope.envid;
  r.ret = static_cast<smtp::DsnRet>(entry.envelope.ret);
  r.arrival_date = std::chrono::sys_seconds(std::chrono::seconds(entry.envelope.arrival));
  r.smtputf8 = entry.envelope.smtputf8;
  r.recipients = std::move(recipients);
  return r;
}

}  // namespace facteur::queue
