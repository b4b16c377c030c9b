// DNS blocklists ([dnsbl], off by default): the connecting client's address looked up in DNSBL
// zones, and the domains of a message's links (optionally of its envelope sender and From) in
// domain zones (RHSBL / URIBL), as Postfix's postscreen_dnsbl_sites, SpamAssassin's URIBL and
// rspamd's RBL module do. Listings become filter::DnsblHit, scored by the filter ("dnsbl").
//
// RFCs: 5782 (§2.1 IPv4 and §2.4 IPv6 query names, §2.3 A answers in 127.0.0.0/8, §3 domain
// lists), 3492 and 5890 (IDN labels queried in their A-label form).
// Fail open: a timeout, SERVFAIL or any other failure scores nothing; so do answers outside
// 127.0.0.0/8 and the "query refused / error" codes 127.255.255.0/24 the big lists return to
// resolvers they refuse to serve. All look-ups of a message run at once, bounded by one timeout;
// at most `max_domains` domains are asked per message, so hostile mail cannot cause a storm of
// queries. Answers are cached in memory (bounded, least recently used dropped first).
// Trust: faces the internet (client addresses, message content, DNS answers); thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/config.hpp"
#include "dns/resolver.hpp"
#include "filter/context.hpp"
#include "net/asio.hpp"
#include "net/worker_pool.hpp"

namespace facteur::filter {
class MessageView;
}

namespace facteur::server {

// RFC 5782 §2.1 / §2.4: "2.0.0.127.zone" (octets reversed), for IPv6 the 32 nibbles reversed
// ("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.zone"). An IPv4-mapped IPv6
// address is asked as the IPv4 address it carries.
std::string dnsbl_client_name(const boost::asio::ip::address& client, std::string_view zone);

// A domain as domain lists expect it (RFC 5782 §3): lower case, final dot removed, each
// non-ASCII label in its A-label ("xn--") form. nullopt when it cannot be a host name (empty
// label, label over 63 bytes, name over 253, bytes other than letters, digits, '-' and '_',
// invalid UTF-8) or is an IP address literal.
std::optional<std::string> dnsbl_normalize_domain(std::string_view domain);

// "domain.zone", or nullopt when the domain is not valid (above) or the name would be too long.
std::optional<std::string> dnsbl_domain_name(std::string_view domain, std::string_view zone);

// Does the A answer `code` mean "listed" for `zone`? Never outside 127.0.0.0/8 (RFC 5782 §2.3)
// nor in 127.255.255.0/24 (error codes); else within zone.codes, or, without codes, anything
// but 127.0.0.1 (which lists answer for "query blocked" and RFC 5782 §5 keeps unlisted).
bool dnsbl_code_accepted(const boost::asio::ip::address_v4& code, const DnsblZone& zone);

// The domains of a message to ask domain zones about, at most `max`, each once, in this order:
// the envelope sender's and the From domain (when `senders`), then the registrable domain of
// each link's host (IP hosts skipped), local domains left out.
std::vector<std::string> dnsbl_message_domains(const filter::MessageView& view,
                                               std::string_view mail_from, bool senders,
                                               const std::vector<std::string>& local_domains,
                                               std::size_t max);

struct DnsblRequest {
  std::optional<boost::asio::ip::address> client;  // none: trusted or authenticated client
  std::vector<std::string> domains;                // normalised or not (done here)
};

class DnsblChecker {
 public:
  using Clock = std::chrono::steady_clock;

  // `resolver` must outlive the checker.
  DnsblChecker(const DnsblSettings& settings, std::shared_ptr<dns::Resolver> resolver);

  // Whether there is anything to ask.
  bool active() const noexcept;

  // Every listing of the request's client and domains; runs the look-ups at once on the
  // caller's executor, for at most settings.timeout. By reference (g++ 12 and coroutine
  // arguments): `request` must outlive the call.
  net::awaitable<std::vector<filter::DnsblHit>> check(const DnsblRequest& request);

  // Starts the look-ups of a message and returns at once with a handle to their result, so
  // that they run while the other checks do: the message's domains are extracted first on the
  // worker pool (MIME parsing; `message` is not used after), then check() runs on the
  // caller's executor. `mail_from` and `local_domains` need not outlive the call.
  class Pending;
  net::awaitable<std::shared_ptr<Pending>> start_message(
      net::WorkerPool& workers, std::optional<boost::asio::ip::address> client,
      std::string_view message, std::string_view mail_from,
      const std::vector<std::string>& local_domains);

  // The first client zone marked `reject` that lists `client`, if any (for 554 5.7.1).
  net::awaitable<std::optional<std::string>> rejecting_zone(boost::asio::ip::address client);

  // Ends the look-ups in progress (shutdown): they score nothing.
  void stop();

  std::size_t cached() const;

 private:
  net::awaitable<std::vector<filter::DnsblHit>> check_owned(DnsblRequest request);

  struct Query {
    std::string name;
    const DnsblZone* zone = nullptr;
    std::string what;            // the client address or the domain
    std::optional<bool> listed;  // nullopt: no answer (failure or timeout)
  };
  struct CacheEntry {
    bool listed = false;
    Clock::time_point expires{};
    std::list<std::string>::iterator lru;
  };

  net::awaitable<void> run_queries(std::vector<Query>& queries);
  net::awaitable<void> ask(Query& query);
  std::optional<bool> cache_get(const std::string& name, Clock::time_point now);
  void cache_put(const std::string& name, bool listed, std::chrono::seconds ttl,
                 Clock::time_point now);

  DnsblSettings settings_;
  std::shared_ptr<dns::Resolver> resolver_;
  mutable std::mutex mutex_;
  bool stopped_ = false;
  std::vector<std::weak_ptr<boost::asio::steady_timer>> deadlines_;
  std::list<std::string> lru_;  // most recently used first
  std::unordered_map<std::string, CacheEntry> cache_;
};

// The result of start_message(), awaited on the executor that started it.
class DnsblChecker::Pending {
 public:
  explicit Pending(const net::asio::any_io_executor& executor);
  // The hits once every look-up has ended (or the timeout passed); each call returns them.
  net::awaitable<std::vector<filter::DnsblHit>> wait();

 private:
  friend class DnsblChecker;
  void finish(std::vector<filter::DnsblHit> hits);
  std::optional<std::vector<filter::DnsblHit>> hits_;
  boost::asio::steady_timer done_;  // cancelled by finish(): wakes wait()
};

}  // namespace facteur::server
