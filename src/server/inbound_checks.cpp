#include "server/inbound_checks.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "filter/filter.hpp"
#include "server/inbound_policy.hpp"

namespace facteur::server {
namespace {

namespace asio = boost::asio;
using Strand = asio::strand<asio::thread_pool::executor_type>;
using MaybeAuth = std::optional<mailauth::InboundAuthentication>;

// Runs on the strand: the authentication, or nothing once the deadline passes (or stop()
// cancels it); the loser of the race is cancelled, which ends its DNS exchanges.
net::awaitable<MaybeAuth> authenticate_within(dns::Resolver& resolver, std::string_view message,
                                              mailauth::SpfRequest envelope,
                                              mailauth::AuthenticateOptions options,
                                              asio::steady_timer* deadline) {
  using namespace asio::experimental::awaitable_operators;
  // Named first: g++ 12 may destroy the arguments of a coroutine call made inside a co_await
  // expression twice.
  auto auth =
      mailauth::authenticate_message(resolver, message, std::move(envelope), std::move(options));
  auto raced = co_await (std::move(auth) || deadline->async_wait(net::use_nothrow));
  if (raced.index() != 0) co_return std::nullopt;
  co_return std::move(std::get<0>(raced));
}

// "550 5.7.1 text" -> the reply.
smtp::Reply refusal(const filter::Verdict& verdict) {
  std::string line = verdict.smtp_reply();
  constexpr std::string_view kPrefix = "550 5.7.1 ";
  std::string text = line.starts_with(kPrefix) ? line.substr(kPrefix.size()) : line;
  return {550, "5.7.1", std::move(text)};
}

// What rspamd is told besides the message (rspamd_protocol.hpp).
RspamdEnvelope rspamd_envelope(const InboundRequest& request, const Config& config) {
  RspamdEnvelope env;
  env.ip = request.client.to_string();
  env.helo = request.helo;
  env.mail_from = request.mail_from;
  env.queue_id = request.queue_id;
  env.user = request.user;
  env.mta_name = config.hostname;
  env.password = config.rspamd.password;
  if (request.recipients) {
    env.rcpts = *request.recipients;
  } else if (request.routes) {
    for (const auto& route : *request.routes)
      for (const auto& target : route.targets)
        env.rcpts.push_back(target.address);
  }
  return env;
}

std::string summary(const filter::Verdict& v) {
  std::string reasons;
  for (const auto& r : v.reasons) {
    if (r.points <= 0) continue;
    if (!reasons.empty()) reasons += "; ";
    reasons += r.check;
  }
  return fmt::format("{} score={:.1f} action={} ({})", filter::to_string(v.label), v.score,
                     filter::to_string(v.action), reasons);
}

}  // namespace

struct InboundChecks::Running {
  explicit Running(const Strand& s) : strand(s), deadline(s, kAuthBudget) {}
  Strand strand;
  asio::steady_timer deadline;
};

InboundChecks::InboundChecks(const Config& config, net::WorkerPool& workers,
                             std::shared_ptr<dns::Resolver> resolver,
                             std::shared_ptr<filter::Filter> filter, store::Store& store)
    : config_(config),
      workers_(workers),
      resolver_(std::move(resolver)),
      filter_(std::move(filter)),
      store_(store) {}

void InboundChecks::stop() {
  if (rspamd_) rspamd_->stop();
  if (dnsbl_) dnsbl_->stop();
  std::vector<std::shared_ptr<Running>> live;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    for (auto& weak : running_)
      if (auto r = weak.lock()) live.push_back(std::move(r));
    running_.clear();
  }
  for (auto& r : live)
    asio::post(r->strand, [r] { r->deadline.cancel(); });
}

net::awaitable<MaybeAuth> InboundChecks::authenticate(std::string_view message,
                                                      const InboundRequest& request) {
  if (!resolver_) co_return std::nullopt;
  std::shared_ptr<Running> run;
  {
    std::lock_guard lock(mutex_);
    if (!stopped_) {
      run = std::make_shared<Running>(asio::make_strand(workers_.pool().get_executor()));
      std::erase_if(running_, [](const auto& w) { return w.expired(); });
      running_.push_back(run);
    }
  }
  if (!run) co_return std::nullopt;
  mailauth::SpfRequest envelope;
  envelope.ip = request.client;
  envelope.mail_from = request.mail_from;
  envelope.helo = request.helo;
  envelope.receiver = config_.hostname;
  mailauth::AuthenticateOptions options;
  options.authserv_id = config_.hostname;
  auto task = authenticate_within(*resolver_, message, std::move(envelope), std::move(options),
                                  &run->deadline);
  auto spawned = asio::co_spawn(run->strand, std::move(task), asio::as_tuple(asio::use_awaitable));
  auto [error, result] = co_await std::move(spawned);
  if (error) {
    spdlog::error("smtp: {}: sender authentication failed unexpectedly", request.queue_id);
    co_return std::nullopt;
  }
  if (!result) spdlog::warn("smtp: {}: sender authentication cut short", request.queue_id);
  co_return std::move(result);
}

net::awaitable<InboundDecision> InboundChecks::check(const InboundRequest& request) {
  InboundDecision out;
  auto& blob = *request.blob;
  // The message as received (after our Received: line) and the fields to remove from it.
  struct Received {
    Result<std::string_view> bytes = std::string_view();
    std::size_t trace = 0;
    std::vector<ByteRange> forged;
    RspamdEffect rspamd;  // [filter.rspamd]: what its answer means here
  } received;
  auto& in = received;
  co_await net::run_blocking(workers_, [&blob, &in, this] {
    in.bytes = blob->finish();
    if (!in.bytes) return false;
    in.trace = first_field_size(*in.bytes);
    in.forged = forged_fields(in.bytes->substr(in.trace), config_.hostname);
    return true;
  });
  if (!received.bytes) {
    out.error = smtp::Reply{451, "4.3.0", "Error reading the message, try again later"};
    co_return out;
  }

  // [dnsbl]: the message's domains are taken now (the bytes may be replaced below); the
  // look-ups run while the sender authentication does.
  std::shared_ptr<DnsblChecker::Pending> dnsbl;
  if (request.filter && filter_ && dnsbl_) {
    std::optional<boost::asio::ip::address> client;
    if (!request.trusted) client = request.client;
    auto starting = dnsbl_->start_message(workers_, client, received.bytes->substr(received.trace),
                                          request.mail_from, config_.domains);
    dnsbl = co_await std::move(starting);
  }

  MaybeAuth auth;
  if (request.filter && rspamd_) {
    // rspamd reads the message while the DNS exchanges of the authentication run.
    using namespace asio::experimental::awaitable_operators;
    const RspamdEnvelope envelope = rspamd_envelope(request, config_);
    // Named first: g++ 12 may destroy the arguments of a coroutine call made inside a co_await
    // expression twice.
    auto authenticating = authenticate(received.bytes->substr(received.trace), request);
    auto scanning = rspamd_->check(*received.bytes, envelope);
    auto both = co_await (std::move(authenticating) && std::move(scanning));
    auth = std::move(std::get<0>(both));
    const RspamdResult& scanned = std::get<1>(both);
    spdlog::info("smtp: {}: {}", request.queue_id, rspamd_summary(scanned));
    received.rspamd = rspamd_effect(scanned, config_.rspamd);
    if (received.rspamd.refuse) {
      out.reject = std::move(received.rspamd.refuse);
      co_return out;
    }
  } else if (request.filter) {
    auth = co_await authenticate(received.bytes->substr(received.trace), request);
  }
  if (auth) out.local_headers = mailauth::format_authentication_results(auth->results);
  // [filter] dmarc_enforce: what the From domain's policy asks (inbound_policy.hpp).
  DmarcEnforcement dmarc;
  if (auth) {
    dmarc = dmarc_enforcement(*auth, config_.dmarc, request.trusted);
    if (!dmarc.why.empty()) spdlog::info("smtp: {}: {}", request.queue_id, dmarc.why);
  }

  if (dnsbl) out.dnsbl = co_await dnsbl->wait();
  auto& decision = out;
  const auto& maybe_auth = auth;
  const auto& policy = dmarc;
  bool ok = co_await net::run_blocking(
      workers_, [&request, &blob, &in, &decision, &maybe_auth, &policy, this] {
        if (!in.forged.empty()) {
          // RFC 8601 §5: fields claiming our authserv-id (and our verdict fields) are removed.
          auto fresh = store_.new_blob_writer();
          std::string_view all = *in.bytes;
          std::size_t at = 0;
          bool written = true;
          for (const auto& r : in.forged) {
            written = written && fresh->append(all.substr(at, in.trace + r.begin - at));
            at = in.trace + r.end;
          }
          written = written && fresh->append(all.substr(at));
          if (!written) return false;
          spdlog::info("smtp: {}: removed {} header field(s) claiming to be ours", request.queue_id,
                       in.forged.size());
          blob = std::move(fresh);
          auto bytes = blob->finish();
          if (!bytes) return false;
          in.bytes = *bytes;
        }
        if (!request.filter) return true;
        if (!filter_) {
          // No filter: the DMARC policy alone decides, alike for every copy (it is site-wide).
          if (policy.action == filter::Action::reject) {
            decision.reject = dmarc_refusal(maybe_auth->dmarc);
          } else if (policy.action == filter::Action::junk) {
            for (const auto& route : *request.routes)
              for (const auto& target : route.targets)
                decision.placement[target.account].junk = true;
          }
          return true;
        }

        std::string_view message = in.bytes->substr(in.trace);
        auto view = filter::MessageView::analyze(message);
        filter::Context base;
        if (maybe_auth) base.auth = auth_signals(*maybe_auth);
        base.dnsbl = decision.dnsbl;
        base.rate = request.rate;
        const auto& fc = filter_->config();
        // [filter.rspamd]: its reason joins every verdict (in add mode with its points).
        auto scan = [&](const filter::Context& c) {
          filter::Verdict v = filter_->scan(view, c);
          if (in.rspamd.reason) {
            add_rspamd_reason(v, in.rspamd);
            filter_->decide(v, c);
          }
          return v;
        };
        const filter::Verdict site = scan(base);

        // One verdict per account that judges for itself (its own thresholds or model), the
        // site-wide one for the others (and for forwarded copies).
        struct Unit {
          store::AccountId account = 0;  // 0: the forwarded copies
          filter::Verdict verdict;
          filter::Thresholds thresholds;
        };
        constexpr std::size_t kMaxOwnScans = 32;
        std::vector<Unit> units;
        std::size_t own_scans = 0;
        for (const auto& route : *request.routes) {
          for (const auto& target : route.targets) {
            bool seen = false;
            for (const auto& u : units)
              seen = seen || u.account == target.account;
            if (seen) continue;
            std::string account = to_lower(target.address);
            bool own = fc.accounts.contains(account) ||
                       (fc.account_models && filter_->models()->account(account) != nullptr);
            if (own && own_scans < kMaxOwnScans) {
              ++own_scans;
              filter::Context ctx = base;
              ctx.account = account;
              units.push_back({target.account, scan(ctx), fc.thresholds_for(account)});
            } else {
              units.push_back({target.account, site, fc.site});
            }
          }
        }
        if (request.remote) units.push_back({0, site, fc.site});

        std::vector<filter::Action> actions;
        for (const auto& u : units)
          actions.push_back(stricter(u.verdict.action, policy.action));
        auto combined = combine_actions(actions);
        spdlog::info("smtp: {}: {}", request.queue_id, summary(site));
        if (combined.reject) {
          decision.reject = policy.action == filter::Action::reject
                                ? dmarc_refusal(maybe_auth->dmarc)
                                : refusal(units.empty() ? site : units.front().verdict);
          return true;
        }
        for (std::size_t i = 0; i < units.size(); ++i) {
          const auto& u = units[i];
          if (u.account == 0) {
            decision.drop_remote = u.verdict.action == filter::Action::reject;
            continue;
          }
          auto& p = decision.placement[u.account];
          p.headers = filter::format_verdict_headers(u.verdict, u.thresholds);
          p.junk = combined.actions[i] == filter::Action::junk;
          if (u.verdict.action != site.action || u.verdict.label != site.label)
            spdlog::info("smtp: {}: account {} judges it {}", request.queue_id, u.account,
                         summary(u.verdict));
        }
        return true;
      });
  if (!ok) out.error = smtp::Reply{451, "4.3.0", "Error writing the message, try again later"};
  // [filter.rspamd] mode = "replace": rspamd's "add header" / "rewrite subject" file every copy
  // in Junk.
  if (ok && received.rspamd.junk && !out.reject)
    for (const auto& route : *request.routes)
      for (const auto& target : route.targets)
        out.placement[target.account].junk = true;
  co_return out;
}

}  // namespace facteur::server
