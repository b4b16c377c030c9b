// Inbound checks at the end of DATA/BDAT: sender authentication (SPF, DKIM, ARC, DMARC over the
// daemon's resolver, recorded as Authentication-Results, RFC 8601) and the anti-abuse filter
// (src/filter) with each recipient account's model and thresholds. The outcome says whether to
// refuse the message (550 5.7.1), and for each local copy which header fields to add and whether
// it goes to Junk. Header fields claiming to be ours are removed from the message first
// (RFC 8601 §5), also for submission, which is neither authenticated nor filtered.
// CPU work (DKIM hashing, MIME parsing, classification) runs on the worker pool; the DNS
// exchanges of the authentication run there too, on a strand, bounded in time.
// Trust: faces the internet (every received message).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "base/config.hpp"
#include "delivery/router.hpp"
#include "dns/resolver.hpp"
#include "mailauth/authenticate.hpp"
#include "net/asio.hpp"
#include "net/worker_pool.hpp"
#include "proto/smtp/reply.hpp"
#include "queue/submit.hpp"
#include "server/dnsbl_lookup.hpp"
#include "server/rspamd_client.hpp"
#include "store/store.hpp"

namespace facteur::filter {
class Filter;
}

namespace facteur::server {

struct InboundRequest {
  bool filter = true;  // false for submission: only forged header fields are removed
  boost::asio::ip::address client;
  std::string helo;
  std::string mail_from;                                 // "" for the null reverse path
  std::string queue_id;                                  // for the logs
  const std::vector<delivery::Route>* routes = nullptr;  // local recipients
  bool remote = false;                                   // some recipients are forwarded elsewhere
  // A client of trusted_networks: its address is not looked up in DNSBLs and the DMARC policy
  // is not enforced on its mail.
  bool trusted = false;
  std::optional<filter::RateSignals> rate;  // what [rate_limits] saw of the client
  // The message as received, starting with our Received: line; replaced by a copy without
  // the forged fields when there are some.
  std::unique_ptr<store::BlobWriter>* blob = nullptr;
  // Envelope recipients as accepted (rspamd's Rcpt); null: the local accounts of `routes`.
  const std::vector<std::string>* recipients = nullptr;
  // The SASL-authenticated user, if any (rspamd's User).
  std::string user;
};

struct InboundDecision {
  std::optional<smtp::Reply> reject;  // 550 5.7.1: store nothing
  std::string local_headers;          // Authentication-Results, for every local copy
  std::map<store::AccountId, queue::LocalPlacement> placement;
  bool drop_remote = false;          // the forwarded copies would be refused: do not forward
  std::optional<smtp::Reply> error;  // 451: the message could not be read or rewritten
  // [dnsbl] listings, scored by the filter.
  std::vector<filter::DnsblHit> dnsbl;
};

class InboundChecks {
 public:
  // `resolver` null: no sender authentication; `filter` null: no filtering.
  InboundChecks(const Config& config, net::WorkerPool& workers,
                std::shared_ptr<dns::Resolver> resolver, std::shared_ptr<filter::Filter> filter,
                store::Store& store);

  // By reference (g++ 12 and coroutine arguments); `request` must outlive the call.
  net::awaitable<InboundDecision> check(const InboundRequest& request);

  // Ends the DNS work in progress (shutdown): those messages get no authentication results.
  void stop();

  // [dnsbl]; null when off. The SMTP session asks it about clients at RCPT (reject zones).
  DnsblChecker* dnsbl() const noexcept { return dnsbl_.get(); }

  // Upper bound for the DNS part of one message's authentication.
  static constexpr std::chrono::seconds kAuthBudget{20};

 private:
  struct Running;
  net::awaitable<std::optional<mailauth::InboundAuthentication>> authenticate(
      std::string_view message, const InboundRequest& request);

  const Config& config_;
  net::WorkerPool& workers_;
  std::shared_ptr<dns::Resolver> resolver_;
  std::shared_ptr<filter::Filter> filter_;
  // [filter.rspamd]; null when off. Asked while the sender authentication runs.
  std::unique_ptr<RspamdClient> rspamd_ =
      config_.rspamd.enabled ? std::make_unique<RspamdClient>(config_.rspamd) : nullptr;
  store::Store& store_;
  std::mutex mutex_;
  bool stopped_ = false;
  std::vector<std::weak_ptr<Running>> running_;
  // [dnsbl]; null when off. Its look-ups run while the sender authentication does.
  std::unique_ptr<DnsblChecker> dnsbl_ =
      config_.dnsbl.enabled && resolver_ ? std::make_unique<DnsblChecker>(config_.dnsbl, resolver_)
                                         : nullptr;
};

}  // namespace facteur::server
