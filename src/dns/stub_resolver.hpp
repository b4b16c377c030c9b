// StubResolver: asks recursive DNS servers over UDP, retrying over TCP when an answer is
// truncated (RFC 1035 §4.2, RFC 7766), with a TTL-respecting cache.
//
// Why our own client rather than c-ares: Debian's c-ares 1.18 has no record-level API (its
// ares_parse_*_reply drop TTLs for MX/TXT/PTR, know no TLSA, and collapse NXDOMAIN / no data /
// SERVFAIL differences that SPF and MX routing need), and driving its socket callbacks from Asio
// adds more code than the ~300 lines of a stub client whose packet parser we fuzz ourselves.
//
// Trust: talks to the configured resolvers only; replies are checked against the query (source
// address via a connected socket, random ID, question echoed) and parsed with bounds.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/ip/udp.hpp>

#include "base/result.hpp"
#include "dns/cache.hpp"
#include "dns/message.hpp"
#include "dns/resolver.hpp"

namespace facteur::dns {

using Endpoint = boost::asio::ip::udp::endpoint;

struct ResolverOptions {
  std::vector<Endpoint> servers;             // asked in order; must not be empty
  std::chrono::milliseconds timeout{2'000};  // per server and attempt (UDP, then TCP)
  unsigned attempts = 2;                     // rounds over the server list
  std::uint16_t udp_payload = 1'232;         // EDNS0 buffer size advertised (DNS flag day 2020)
  unsigned max_cname_chain = 8;              // CNAMEs followed by extra queries
  bool use_cache = true;
  CacheLimits cache;
  // DNSSEC (RFC 4035 §3.2, RFC 6840 §5.7): ask with the DO bit, and believe the AD bit of the
  // answers (Answer::secure) only when trust_ad holds. A stub cannot check signatures itself,
  // so AD is only worth something from a validating resolver over a path nobody can tamper
  // with: one on loopback (as Postfix's smtp_dns_support_level = dnssec expects), or servers
  // the administrator vouches for. See dnssec_options().
  bool dnssec_ok = false;
  bool trust_ad = false;
};

// "127.0.0.1:5353", "[::1]:53", "192.0.2.1" (port 53): the `[dns] servers` config key.
Result<std::vector<Endpoint>> parse_servers(const std::vector<std::string>& servers);
// The `nameserver` lines of a resolv.conf text; 127.0.0.1:53 when there is none (as glibc).
std::vector<Endpoint> parse_resolv_conf(std::string_view text);
Result<std::vector<Endpoint>> read_resolv_conf(const std::string& path = "/etc/resolv.conf");
// Options for the `[dns] servers` config key: those servers, or /etc/resolv.conf's when empty.
Result<ResolverOptions> resolver_options(const std::vector<std::string>& configured_servers,
                                         const std::string& resolv_conf = "/etc/resolv.conf");

// The `[dns] dnssec` config key: "auto" (DO bit; AD trusted when every server is on loopback),
// "trust" (DO bit; AD trusted from the configured servers wherever they are: a validating
// resolver reached over a trusted network), "off" (no DO bit, nothing is secure, so no DANE).
// Errc::invalid_argument for other values.
facteur::Status apply_dnssec_setting(ResolverOptions& options, std::string_view setting);
bool all_loopback(const std::vector<Endpoint>& servers) noexcept;

class StubResolver final : public Resolver {
 public:
  explicit StubResolver(ResolverOptions options);

  // Runs on the caller's executor: one StubResolver may serve every io_context thread.
  net::awaitable<Answer> query(std::string name, RType type) override;

  const ResolverOptions& options() const noexcept { return options_; }
  Cache& cache() noexcept { return cache_; }

 private:
  struct Exchange;
  net::awaitable<Exchange> ask(const std::string& name, RType type);
  net::awaitable<Exchange> ask_server(const Endpoint& server, const std::string& name, RType type);

  ResolverOptions options_;
  Cache cache_;
};

// Turns a response to (qname, qtype) into an Answer: follows the CNAME chain inside the answer
// section and keeps the records of the final name. Exposed for tests. `complete` is false when
// the chain ends at a name the server said nothing about (another query is needed).
// `secure` is the response's AD bit: callers decide whether to trust it.
Answer interpret_response(const Message& response, std::string_view qname, RType qtype,
                          bool& complete);

}  // namespace facteur::dns
