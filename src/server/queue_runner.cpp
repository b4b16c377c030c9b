#include "server/queue_runner.hpp"

#include <ctime>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "dns/mx.hpp"
#include "mail/date.hpp"
#include "queue/dsn.hpp"
#include "queue/submit.hpp"
#include "server/queue_id.hpp"

namespace facteur::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

smtp::TlsMode tls_mode(const std::string& setting) {
  if (setting == "none") return smtp::TlsMode::none;
  if (setting == "required") return smtp::TlsMode::required;
  return smtp::TlsMode::opportunistic;
}

}  // namespace

struct QueueRunner::Job {
  std::string domain;
  std::vector<store::QueueEntry> entries;
};

QueueRunner::QueueRunner(ServerContext& ctx, net::asio::io_context& io,
                         std::shared_ptr<dns::Resolver> resolver)
    : ctx_(ctx), executor_(io.get_executor()), resolver_(std::move(resolver)), timer_(io) {
  const auto& q = ctx_.config.queue;
  outbound_.client.helo_name = q.helo_name.empty() ? ctx_.config.hostname : q.helo_name;
  outbound_.client.starttls = tls_mode(q.starttls);
  outbound_.connect_timeout = q.connect_timeout;
  outbound_.max_messages = q.max_messages_per_connection;
  if (!q.source_address.empty()) {
    boost::system::error_code ec;
    auto source = boost::asio::ip::make_address(q.source_address, ec);
    if (!ec) outbound_.source = source;
  }
  outbound_.tls = make_client_tls_context(q.mta_sts_ca_file);
  if (q.mta_sts && resolver_) {
    queue::StsFetchOptions fetch;
    fetch.port = q.mta_sts_port;
    sts_ = std::make_shared<queue::StsPolicySource>(
        resolver_, std::make_shared<queue::StsCache>(ctx_.config.data_dir / "mta-sts"),
        queue::make_sts_tls_context(q.mta_sts_ca_file), fetch);
  }
}

QueueRunner::~QueueRunner() = default;

void QueueRunner::start() {
  asio::co_spawn(
      executor_, [this] { return loop(); }, asio::detached);
}

void QueueRunner::wake() {
  asio::post(executor_, [this] {
    wake_pending_ = true;
    timer_.cancel();
  });
}

void QueueRunner::stop() {
  asio::post(executor_, [this] {
    stopping_ = true;
    timer_.cancel();
  });
}

net::awaitable<void> QueueRunner::loop() {
  const auto& q = ctx_.config.queue;
  while (!stopping_) {
    wake_pending_ = false;
    std::int64_t now = std::time(nullptr);
    auto due = co_await net::run_blocking(ctx_.workers, [&] {
      store::QueueQuery query;
      query.due_before = now;
      query.limit = 2000;
      return ctx_.store.list_queue(query);
    });
    if (!due) {
      spdlog::error("queue: cannot read the queue: {}", due.error().message);
    } else {
      std::map<std::string, std::vector<store::QueueEntry>> by_destination;
      for (auto& e : *due) {
        if (!in_flight_.contains(e.id)) by_destination[e.domain].push_back(std::move(e));
      }
      for (auto& [domain, entries] : by_destination) {
        std::size_t taken = 0;
        while (taken < entries.size() && active_ < q.max_connections &&
               active_per_destination_[domain] < q.max_per_destination) {
          auto job = std::make_shared<Job>();
          job->domain = domain;
          for (; taken < entries.size() && job->entries.size() < q.max_messages_per_connection;
               ++taken) {
            in_flight_.insert(entries[taken].id);
            job->entries.push_back(std::move(entries[taken]));
          }
          ++active_;
          ++active_per_destination_[domain];
          asio::co_spawn(
              executor_, [this, job] { return run_job(job); }, asio::detached);
        }
      }
    }
    if (stopping_) break;
    if (!wake_pending_) {
      timer_.expires_after(q.poll_interval);
      co_await timer_.async_wait(net::use_nothrow);
    }
  }
}

net::awaitable<std::vector<net::tcp::endpoint>> QueueRunner::resolve(const std::string& host,
                                                                     std::uint16_t port,
                                                                     bool& secure) {
  std::vector<net::tcp::endpoint> out;
  secure = false;
  boost::system::error_code ec;
  auto literal = asio::ip::make_address(host, ec);
  if (!ec) {
    out.emplace_back(literal, port);
    co_return out;
  }
  if (!resolver_) co_return out;
  secure = true;
  for (auto type : {dns::RType::aaaa, dns::RType::a}) {
    std::string name = host;
    auto answer = co_await resolver_->query(std::move(name), type);
    secure = secure && answer.secure;
    for (const auto& a : dns::addresses(answer))
      out.emplace_back(a, port);
  }
  co_return out;
}

net::awaitable<void> QueueRunner::apply_tls_policies(const std::string& domain,
                                                     const std::vector<dns::MxHost>& mx,
                                                     const std::vector<bool>& addresses_secure,
                                                     std::vector<OutboundHost>& hosts,
                                                     std::uint16_t port) {
  const auto& q = ctx_.config.queue;
  std::optional<queue::StsPolicy> sts;
  if (sts_) {
    std::string name = domain;
    auto policy = co_await sts_->policy_for(std::move(name));
    sts = std::move(policy);
  }
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    auto& host = hosts[i];
    queue::HostTlsPolicy dane;
    if (q.dane && resolver_ && queue::dane_applies(mx[i].secure, addresses_secure[i])) {
      auto answer = co_await resolver_->query(queue::tlsa_name(host.name, port), dns::RType::tlsa);
      dane = queue::dane_policy(answer);
    }
    queue::HostTlsPolicy from_sts;
    if (sts) {
      from_sts = queue::sts_host_policy(*sts, host.name);
      if (sts->mode == queue::StsMode::testing)
        spdlog::info("queue: {} via {}: {}", domain, host.name, from_sts.reason);
    }
    host.tls = queue::combine(std::move(dane), std::move(from_sts));
    if (host.tls.level != queue::TlsLevel::opportunistic)
      spdlog::info("queue: {} via {}: TLS {} ({})", domain, host.name,
                   queue::to_string(host.tls.level), host.tls.reason);
  }
}

net::awaitable<Result<std::vector<OutboundHost>>> QueueRunner::route(const std::string& domain,
                                                                     bool& permanent) {
  permanent = false;
  std::vector<OutboundHost> hosts;
  auto fixed = queue::fixed_route(ctx_.config.routes, domain);
  if (!fixed) co_return std::unexpected(fixed.error());
  if (*fixed) {
    // No co_await inside an initializer: g++ 12 mishandles the temporaries there.
    OutboundHost host;
    host.name = (*fixed)->host;
    bool secure = false;  // [routes] are configured, not published: no DANE / MTA-STS
    auto addresses = co_await resolve(host.name, (*fixed)->port, secure);
    host.addresses = std::move(addresses);
    if (host.addresses.empty())
      co_return make_error(Errc::unavailable,
                           fmt::format("route {}: no address for {}", domain, host.name));
    hosts.push_back(std::move(host));
    co_return hosts;
  }
  if (domain.starts_with('[') && domain.ends_with(']')) {  // address literal (RFC 5321 §4.1.3)
    std::string inner = domain.substr(1, domain.size() - 2);
    if (istarts_with(inner, "IPv6:")) inner = inner.substr(5);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(inner, ec);
    if (ec) {
      permanent = true;
      co_return make_error(Errc::invalid_argument, "bad address literal " + domain);
    }
    hosts.push_back(OutboundHost{domain, {net::tcp::endpoint(address, 25)}, {}});
    co_return hosts;
  }
  if (!resolver_) co_return make_error(Errc::unavailable, "no DNS resolver configured");
  std::string name = domain;
  auto mx = co_await dns::resolve_mx(*resolver_, std::move(name));
  if (!mx) {
    permanent = mx.error().code != Errc::unavailable;
    co_return std::unexpected(mx.error());
  }
  const std::uint16_t port = ctx_.config.queue.smtp_port;
  std::vector<dns::MxHost> used;
  std::vector<bool> addresses_secure;
  for (const auto& h : *mx) {
    OutboundHost host;
    host.name = h.host;
    bool secure = false;
    auto addresses = co_await resolve(host.name, port, secure);
    host.addresses = std::move(addresses);
    if (host.addresses.empty()) continue;
    hosts.push_back(std::move(host));
    used.push_back(h);
    addresses_secure.push_back(secure);
  }
  if (hosts.empty())
    co_return make_error(Errc::unavailable,
                         fmt::format("no address for the MX hosts of {}", domain));
  co_await apply_tls_policies(domain, used, addresses_secure, hosts, port);
  co_return hosts;
}

net::awaitable<void> QueueRunner::run_job(std::shared_ptr<Job> job) {
  // Load the messages (one blob per queued message, mapped when big).
  std::vector<std::unique_ptr<store::BlobReader>> readers(job->entries.size());
  std::vector<OutboundItem> items;
  auto loaded = co_await net::run_blocking(ctx_.workers, [&] {
    for (std::size_t i = 0; i < job->entries.size(); ++i) {
      auto reader = ctx_.store.open_queue_message(job->entries[i].id);
      if (!reader) {
        spdlog::warn("queue: entry {} unreadable: {}", job->entries[i].id, reader.error().message);
        continue;
      }
      readers[i] = std::move(*reader);
    }
    return Status{};
  });
  (void)loaded;
  for (std::size_t i = 0; i < job->entries.size(); ++i) {
    if (!readers[i]) continue;
    auto view = readers[i]->view();
    if (!view) continue;
    OutboundItem item;
    item.entry = &job->entries[i];
    item.data = *view;
    items.push_back(std::move(item));
  }

  bool permanent = false;
  auto hosts = co_await route(job->domain, permanent);
  if (!hosts) {
    spdlog::info("queue: {}: {}", job->domain, hosts.error().message);
    for (auto& item : items) {
      item.report.error = hosts.error().message;
      item.report.permanent = permanent;
    }
  } else {
    OutboundDone done = [this](OutboundItem& item) { return finish(item); };
    co_await deliver_to(*hosts, items, outbound_, done);
  }
  for (auto& item : items) {
    if (!item.finished) co_await finish(item);
  }
  for (const auto& e : job->entries)
    in_flight_.erase(e.id);
  --active_;
  if (--active_per_destination_[job->domain] == 0) active_per_destination_.erase(job->domain);
  if (!stopping_) {
    wake_pending_ = true;
    timer_.cancel();
  }
}

net::awaitable<void> QueueRunner::finish(OutboundItem& item) {
  item.finished = true;
  const auto& entry = *item.entry;
  std::int64_t now = std::time(nullptr);
  auto decision = queue::decide(entry, item.report, ctx_.config.queue, now);
  // Notices first, then the record: a crash in between repeats a notice rather than losing it.
  auto recorded = co_await net::run_blocking(ctx_.workers, [&] {
    send_notices(*item.entry, item.data, decision);
    return ctx_.store.record_queue_attempt(decision.attempt);
  });
  if (!recorded && recorded.error().code != Errc::not_found)
    spdlog::error("queue: cannot record the attempt of entry {}: {}", entry.id,
                  recorded.error().message);
  std::size_t left = entry.recipients.size() - decision.attempt.done.size();
  spdlog::info("queue: entry {} to {} from=<{}>: {} delivered, {} failed, {} deferred{}{}",
               entry.id, entry.domain, entry.envelope.reverse_path, decision.delivered,
               decision.attempt.done.size() - decision.delivered, left,
               item.report.error.empty() ? "" : ": ", item.report.error);
}

void QueueRunner::send_notices(const store::QueueEntry& entry, std::string_view original,
                               queue::Decision& decision) {
  for (auto* list : {&decision.failed, &decision.delayed, &decision.relayed}) {
    if (list->empty()) continue;
    const auto action = list->front().action;
    auto request = queue::dsn_request(entry, ctx_.config.hostname, std::move(*list));
    request.original_message = original;
    auto sent = send_dsn(std::move(request));
    if (!sent && sent.error().code == Errc::invalid_argument)
      spdlog::debug("queue: no notice for entry {}: {}", entry.id, sent.error().message);
    else if (!sent)
      spdlog::error("queue: notice to <{}> about entry {} failed: {}", entry.envelope.reverse_path,
                    entry.id, sent.error().message);
    else
      spdlog::info("queue: {} notice sent to <{}> about entry {}", queue::to_string(action), *sent,
                   entry.id);
  }
}

Result<std::string> QueueRunner::send_dsn(queue::DsnRequest request) {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  request.now = now;
  request.utc_offset_minutes =
      mail::local_utc_offset_minutes(std::chrono::system_clock::to_time_t(now));
  request.unique = make_queue_id();
  auto dsn = queue::build_dsn(request);
  if (!dsn) return std::unexpected(dsn.error());
  auto to = dsn->envelope_to.to_string();
  if (auto sent = send_generated(to, dsn->message, dsn->smtputf8); !sent)
    return std::unexpected(sent.error());
  return to;
}

Status QueueRunner::send_generated(const std::string& to, std::string_view message, bool smtputf8) {
  queue::AcceptedMessage m;
  m.envelope.reverse_path = "";
  m.envelope.smtputf8 = smtputf8;
  auto domain = std::string(queue::domain_of(to));
  auto local_part = to.substr(0, to.size() - domain.size() - (domain.empty() ? 0 : 1));
  if (ctx_.config.is_local_domain(domain)) {
    auto route = ctx_.router.route(local_part, domain);
    if (!route) return std::unexpected(route.error());
    if (route->kind != delivery::RouteKind::local)
      return make_error(Errc::not_found, fmt::format("<{}> is not a local mailbox", to));
    for (const auto& r : route->remote)
      m.remote.push_back(store::NewQueueRecipient{r, 0, "", ""});
    m.local = delivery::local_copies({*route});
  } else {
    m.remote.push_back(store::NewQueueRecipient{to, 0, "", ""});
  }
  m.blob = ctx_.store.new_blob_writer();
  if (auto s = m.blob->append(message); !s) return s;
  bool queued = !m.remote.empty();
  std::promise<Result<store::DeliveryReceipt>> promise;
  auto future = promise.get_future();
  queue::accept_message(ctx_.store, std::move(m), [&promise](Result<store::DeliveryReceipt> r) {
    promise.set_value(std::move(r));
  });
  auto receipt = future.get();
  if (!receipt) return std::unexpected(receipt.error());
  if (queued) wake();
  // A local recipient's copy can fail alone (its mailbox full, too small): say so.
  for (const auto& target : receipt->targets)
    if (!target) return std::unexpected(target.error());
  return {};
}

}  // namespace facteur::server
