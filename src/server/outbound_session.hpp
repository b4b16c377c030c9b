// The outbound SMTP session: one connection to another MTA (an MX host, a [routes] target or a
// smarthost) driving smtp::ClientProtocol. It connects to the destination's addresses in order
// (RFC 5321 §5.1: next address / next MX on connection trouble or a refused greeting), runs
// STARTTLS when offered (opportunistic, RFC 3207 / RFC 7435; or required by the config), and
// sends several queued messages over the one connection, handing each message's per-recipient
// results to `done` as soon as the peer answered its end of data (so the store records them
// before the next message goes: a crash then resends at most the message in flight).
// TRUST: talks to remote servers; replies are bounded by the client protocol's limits.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

#include "net/asio.hpp"
#include "proto/smtp/client_protocol.hpp"
#include "queue/policy.hpp"
#include "queue/tls_policy.hpp"
#include "store/store.hpp"

namespace facteur::server {

struct OutboundHost {
  std::string name;  // MX or route host name (Remote-MTA, SNI, logs)
  std::vector<net::tcp::endpoint> addresses;
  // What DANE / MTA-STS require of this host (queue/tls_policy.hpp). Anything above
  // opportunistic makes STARTTLS mandatory (no clear-text retry); dane checks the certificate
  // against the TLSA records with OpenSSL's DANE (RFC 7672 §3; no name checks for DANE-EE,
  // the host name for DANE-TA), pkix against the CA store for this host name (RFC 8461 §4.2);
  // unreachable skips the host. A failure is temporary: the message stays queued.
  queue::HostTlsPolicy tls;
};

struct OutboundItem {
  const store::QueueEntry* entry = nullptr;
  std::string_view data;        // the message bytes, valid for the whole session
  queue::AttemptReport report;  // filled by the session
  bool finished = false;        // `done` was called for it
};

struct OutboundOptions {
  smtp::ClientOptions client;  // helo name, TLS mode, smarthost credentials...
  std::chrono::seconds connect_timeout{30};
  std::optional<boost::asio::ip::address> source;  // bind here before connecting
  std::shared_ptr<boost::asio::ssl::context> tls;  // client context; null: no TLS possible
  std::size_t max_messages = 100;                  // per connection
};

// Called once per item whose transaction ended (its report filled); awaited before the next
// message is sent.
using OutboundDone = std::function<net::awaitable<void>(OutboundItem&)>;

// Delivers `items` to the first host that takes them. Items left unfinished (every host failed,
// or the connection broke) get report.error (and report.permanent when every host refused us
// permanently) and are NOT passed to `done`: the caller finishes them.
net::awaitable<void> deliver_to(const std::vector<OutboundHost>& hosts,
                                std::vector<OutboundItem>& items, const OutboundOptions& options,
                                const OutboundDone& done);

// A client TLS context: TLS >= 1.2, no certificate verification by default (opportunistic TLS,
// RFC 7435: encryption without authentication, as Postfix's "may" level). DANE is enabled on it
// and the system CA store (plus `ca_file` when not empty) is loaded, so that a connection whose
// host has a DANE or MTA-STS policy can turn verification on for itself.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& ca_file = {});

}  // namespace facteur::server
