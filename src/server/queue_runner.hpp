// QueueRunner: the scheduler of the outbound queue. It looks at the store for due entries
// (woken at once when a session queues something, else every [queue] poll_interval), groups them
// by destination domain, resolves where each domain's mail goes ([routes] first, else MX per
// RFC 5321 §5.1 with implicit MX and null MX, RFC 7505), and runs outbound SMTP sessions within
// the per-destination and total connection limits. After each message it records the outcome
// (queue::decide: retry with back-off, expiry, DSNs from <> to the sender) before the next one.
// Everything runs on one io_context (no locks); store work goes to the worker pool.
// TRUST: talks to DNS servers and remote MTAs (their answers are data, bounded where parsed).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "dns/mx.hpp"
#include "dns/resolver.hpp"
#include "net/asio.hpp"
#include "queue/mta_sts_fetch.hpp"
#include "queue/policy.hpp"
#include "server/context.hpp"
#include "server/outbound_session.hpp"

namespace facteur::server {

class QueueRunner {
 public:
  // `io`: where the runner and its outbound sessions run. `resolver` may be null (no DNS: only
  // [routes] with IP addresses work; MX lookups fail temporarily).
  QueueRunner(ServerContext& ctx, net::asio::io_context& io,
              std::shared_ptr<dns::Resolver> resolver);
  ~QueueRunner();
  QueueRunner(const QueueRunner&) = delete;
  QueueRunner& operator=(const QueueRunner&) = delete;

  void start();
  // Something was queued: look at the store now. Thread-safe.
  void wake();
  // No new sessions; the loop ends. Thread-safe. Sessions in flight end with the io_context
  // (what they had not recorded stays queued).
  void stop();

  // Sends a DSN (or any generated message) from <> to `to`: local domains through the router,
  // others through the queue. Blocking: call on the worker pool. Used for the notices the queue
  // owes and for "delivered" notices of local deliveries.
  Status send_generated(const std::string& to, std::string_view message, bool smtputf8);
  // Builds the DSN of `request` (its clock and unique token are filled here) and sends it with
  // send_generated. Returns where it went; Errc::invalid_argument when no DSN may be sent (the
  // original sender was <>, RFC 3461 §6.2). Blocking, as send_generated.
  Result<std::string> send_dsn(queue::DsnRequest request);

 private:
  struct Job;
  net::awaitable<void> loop();
  net::awaitable<void> run_job(std::shared_ptr<Job> job);
  net::awaitable<Result<std::vector<OutboundHost>>> route(const std::string& domain,
                                                          bool& permanent);
  // `secure`: every address answer (AAAA and A, records or denial) was DNSSEC-validated.
  net::awaitable<std::vector<net::tcp::endpoint>> resolve(const std::string& host,
                                                          std::uint16_t port, bool& secure);
  // DANE (RFC 7672) and MTA-STS (RFC 8461) policies of the MX hosts of `domain`.
  net::awaitable<void> apply_tls_policies(const std::string& domain,
                                          const std::vector<dns::MxHost>& mx,
                                          const std::vector<bool>& addresses_secure,
                                          std::vector<OutboundHost>& hosts, std::uint16_t port);
  net::awaitable<void> finish(OutboundItem& item);
  void send_notices(const store::QueueEntry& entry, std::string_view original,
                    queue::Decision& decision);

  ServerContext& ctx_;
  net::asio::any_io_executor executor_;
  std::shared_ptr<dns::Resolver> resolver_;
  OutboundOptions outbound_;
  std::shared_ptr<queue::StsPolicySource> sts_;  // null: MTA-STS off or no resolver
  net::asio::steady_timer timer_;
  bool stopping_ = false;
  bool wake_pending_ = false;
  std::size_t active_ = 0;
  std::map<std::string, std::size_t> active_per_destination_;
  std::set<store::QueueEntryId> in_flight_;
};

}  // namespace facteur::server
