// Config: the daemon's configuration, read from TOML (see etc/facteur.toml for every key).
// Parsed once at start-up; exceptions are allowed here (never on the data path).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace facteur {

// "ip:port" or "[ipv6]:port".
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const;
};

Result<ListenAddress> parse_listen_address(std::string_view text);

struct SmtpLimits {
  std::uint64_t max_message_size = 50ull * 1024 * 1024;  // SIZE (RFC 1870), 552 5.3.4
  std::size_t max_recipients = 100;                      // 452 4.5.3 beyond (RFC 5321 §4.5.3.1.8)
  std::size_t max_command_line = 4096;        // 500 5.5.2 beyond (RFC 5321 §4.5.3.1.4: >= 512)
  std::size_t max_data_line = 65536;          // longer text lines are refused (§4.5.3.1.6)
  std::size_t max_errors = 10;                // 421 4.7.0 and disconnect after this many
  std::chrono::seconds command_timeout{300};  // RFC 5321 §4.5.3.2.7: 5 minutes
  std::chrono::seconds data_timeout{600};     // §4.5.3.2.5/6: 3 min per block, 10 at end
  std::size_t max_connections = 1000;
  std::size_t max_connections_per_ip = 50;
};

struct Pop3Limits {
  std::size_t max_command_line = 512;      // RFC 2449 §4: 255 octets of arguments
  std::chrono::seconds idle_timeout{600};  // RFC 1939 §3: at least 10 minutes
  std::size_t max_connections = 1000;
  std::size_t max_auth_failures = 3;                   // then the connection is closed
  std::chrono::milliseconds auth_failure_delay{1000};  // grows with every failure
};

// The outbound queue and its SMTP client ([queue]).
struct QueueSettings {
  std::chrono::seconds expiry{5 * 24 * 3600};   // give up and bounce (RFC 5321 §4.5.4.1: 4-5 days)
  std::chrono::seconds delay_notice{4 * 3600};  // "delayed" DSN once this old (0: never)
  // Waits between attempts; the last one repeats. RFC 5321 §4.5.4.1 wants at least 30 minutes
  // once the first quick retries (as Postfix's 5 minutes) have failed.
  std::vector<std::chrono::seconds> retry_schedule = {
      std::chrono::seconds(300),  std::chrono::seconds(900),  std::chrono::seconds(1800),
      std::chrono::seconds(3600), std::chrono::seconds(7200), std::chrono::seconds(14400)};
  std::size_t max_per_destination = 4;  // concurrent connections to one destination
  std::size_t max_connections = 64;     // concurrent outbound connections in all
  std::size_t max_messages_per_connection = 100;
  std::chrono::seconds poll_interval{30};    // how often the store is looked at for due entries
  std::chrono::seconds connect_timeout{30};  // per address
  std::string starttls = "opportunistic";    // none | opportunistic | required
  std::string helo_name;                     // EHLO name; empty: hostname
  // Local IP address outbound connections come from (Postfix's smtp_bind_address), so that
  // SPF records naming it hold on multi-homed hosts; empty: the kernel's choice.
  std::string source_address;
  // Outbound TLS policy published by the destination (src/queue/tls_policy.hpp).
  bool dane = true;                  // RFC 7672, needs DNSSEC answers (see dns_dnssec)
  bool mta_sts = true;               // RFC 8461
  std::string mta_sts_ca_file;       // extra CA file for policy fetches and MTA-STS MX checks
  std::uint16_t mta_sts_port = 443;  // HTTPS port of mta-sts.<domain> (tests only)
  std::uint16_t smtp_port = 25;      // port of MX hosts (tests only; [routes] carry their own)
};

// Submission (ports 587/465, [submission]).
struct SubmissionSettings {
  std::size_t max_messages_per_hour = 500;     // per account; 0: no limit
  std::size_t max_recipients_per_hour = 2000;  // per account; 0: no limit
};

// DKIM signing of outgoing mail ([dkim]). Keys live in data_dir/dkim/<domain>/<selector>.pem.
struct DkimSettings {
  bool sign = true;                  // sign submitted mail from local domains that have keys
  std::string selector = "facteur";  // selector of `facteur dkim generate` (rsa)
  std::string algorithm = "rsa";     // rsa | ed25519 (`facteur dkim generate` default)
  unsigned rsa_bits = 2048;
};

// Mail-bombing limits of the MX listener ([rate_limits]; src/server/abuse_limits.hpp). Clients in
// trusted_networks and authenticated submission sessions are exempt. 0 turns a rate off.
struct RateLimitSettings {
  std::size_t connections_per_minute = 60;   // per client address (IPv6: /64); 421 4.7.0 beyond
  std::size_t messages_per_minute = 60;      // MAIL commands per client; 450 4.7.1 beyond
  std::size_t messages_per_hour = 1000;      // likewise, per hour
  std::size_t sender_messages_per_hour = 0;  // per envelope sender (spoofable: off by default)
  std::size_t recipient_messages_per_hour = 600;  // per local recipient; 450 4.7.1 at RCPT
  std::size_t max_tracked = 100000;  // buckets kept per kind; least recently used dropped
  std::chrono::milliseconds tarpit_delay{250};       // first delay once a client is refused
  std::chrono::milliseconds tarpit_max_delay{8000};  // doubling up to this
  std::chrono::seconds tarpit_forget{600};           // refusal-free time that clears the tarpit
};

// Greylisting ([greylist], RFC 6647): off by default.
struct GreylistSettings {
  bool enabled = false;
  std::chrono::seconds delay{300};           // a retry is accepted once this old
  std::chrono::seconds retry_window{14400};  // a first sighting not retried within is forgotten
  std::chrono::seconds expiry{36 * 86400};   // a passed triplet is remembered this long unused
  std::size_t max_entries = 100000;
  // Where the triplets survive restarts (SQLite, WAL; `state_file`, relative to data_dir);
  // empty: memory only. Written in batches every `flush_interval` off the SMTP path, so a crash
  // loses at most the last moments (those senders are greylisted once more).
  std::filesystem::path state_file;
  std::chrono::milliseconds flush_interval{1000};
};

// DMARC enforcement on port 25 ([filter] dmarc_enforce, arc_trusted_sealers; RFC 7489 §6.6.4,
// §6.7, §10). "reject" honours the published policy of a failing From domain: p=reject -> 550
// 5.7.1, p=quarantine -> Junk (after pct= sampling, sp= for subdomains). "score": the failure
// only feeds the filter's score. Trusted networks are exempt, and so is mail whose ARC chain
// (RFC 8617) passes and was last sealed by a domain of `arc_trusted_sealers` (mailing lists).
enum class DmarcEnforce : std::uint8_t { score, reject };
struct DmarcSettings {
  DmarcEnforce enforce = DmarcEnforce::reject;
  std::vector<std::string> arc_trusted_sealers;  // lower case
};

// DNS blocklists ([dnsbl]; src/server/dnsbl_lookup.hpp): off by default. RFC 5782 lists of
// client addresses (DNSBL) and of domains (RHSBL/URIBL, for link and sender domains).
struct DnsblZone {
  std::string zone;   // "zen.example.org": lower case, no final dot
  double points = 0;  // added to the filter score for a listing
  // Answers that mean "listed": inclusive IPv4 ranges, host byte order. Empty: any 127.0.0.0/8
  // answer but 127.0.0.1. Answers outside 127.0.0.0/8 and in 127.255.255.0/24 (the lists'
  // "query refused / error" codes) never count.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> codes;
  bool reject = false;  // client zones: refuse a listed client with 554 5.7.1 at RCPT
};

struct DnsblSettings {
  bool enabled = false;
  std::vector<DnsblZone> client_zones;      // asked about the connecting client's address
  std::vector<DnsblZone> domain_zones;      // asked about the domains of links (and senders)
  bool check_sender = false;                // also the envelope sender's and From's domains
  std::size_t max_domains = 20;             // domains looked up per message
  std::chrono::milliseconds timeout{4000};  // for all the look-ups of one message
  std::size_t cache_entries = 10000;        // answers remembered; least recently used dropped
  std::chrono::seconds cache_ttl{300};      // at most this long (less when the TTL says so)
};

// Hand-off to an external rspamd over its HTTP protocol ([filter.rspamd]; docs/filter.md,
// src/server/rspamd_client.hpp). Off by default.
struct RspamdSettings {
  bool enabled = false;
  std::string url = "http://127.0.0.1:11333";    // the normal worker; http only
  std::chrono::milliseconds timeout{5000};       // the whole exchange, per message
  std::uint64_t max_size = 10ull * 1024 * 1024;  // larger messages are not sent
  std::string password;                          // sent as the Password header when set
  std::string mode = "add";                      // add | replace
  std::string fail = "open";                     // open | tempfail
  // From `url` at load time: where to connect and the path /checkv2 is appended to.
  std::string host = "127.0.0.1";
  std::uint16_t port = 11333;
  std::string base_path;  // "" or "/prefix" (no trailing slash)
};

// "http://host[:port][/path]" (host a name, an IPv4 address or "[IPv6]"; port 80 when absent)
// into RspamdSettings' host, port and base_path.
struct HttpUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string path;  // "" or starting with '/', without a trailing slash
};
Result<HttpUrl> parse_http_url(std::string_view url);

struct Config {
  std::string hostname = "localhost";
  std::filesystem::path data_dir = "./var";
  std::vector<std::string> domains = {"localhost"};

  // Listener role ("smtp", "submission", "pop3", …) -> addresses. A missing role is off.
  std::map<std::string, std::vector<ListenAddress>> listen;

  std::optional<std::filesystem::path> tls_cert;
  std::optional<std::filesystem::path> tls_key;

  // Destination domain (or "*") -> "host:port"; bypasses MX lookup.
  std::map<std::string, std::string> routes;
  std::vector<std::string> dns_servers;  // empty: /etc/resolv.conf
  std::string dns_dnssec = "auto";       // auto | trust | off: whose AD bit to believe

  // Networks whose clients are treated as local: plaintext auth allowed, rate limits exempt.
  std::vector<std::string> trusted_networks = {"127.0.0.0/8", "::1/128"};

  SmtpLimits smtp;
  Pop3Limits pop3;
  QueueSettings queue;
  SubmissionSettings submission;
  DkimSettings dkim;
  RateLimitSettings rate_limits;
  GreylistSettings greylist;
  RspamdSettings rspamd;  // [filter.rspamd]
  DmarcSettings dmarc;    // read from [filter]
  DnsblSettings dnsbl;

  std::string log_level = "info";
  std::string run_as;  // user to switch to after binding when started as root; empty: "facteur" if
                       // it exists
  unsigned io_threads = 0;      // 0: one per core
  unsigned worker_threads = 0;  // 0: max(2, cores)

  std::filesystem::path config_path;  // where it came from (empty: built-in default)

  bool is_local_domain(std::string_view domain) const;
};

// Reads and validates a configuration file. Relative paths are taken relative to the file.
Result<Config> load_config(const std::filesystem::path& path);

// The embedded default used by `facteur serve` without --config: data under ./var,
// domain localhost, loopback demo ports.
Config default_config();

}  // namespace facteur
