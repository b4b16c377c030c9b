// The IMAP server (RFC 9051 IMAP4rev2 and RFC 3501 IMAP4rev1 with the extensions imap::Protocol
// lists): listeners `imap` (port 143, STARTTLS) and `imaps` (port 993, implicit TLS). One
// coroutine per connection moves bytes between the socket (TLS, COMPRESS=DEFLATE, timeouts) and
// the sans-I/O imap::Protocol, and answers its events from the store on the worker pool.
//
// TRUST: faces the internet. Parsing and limits live in proto/imap; this layer bounds what one
// connection may hold (batches of FETCH data, streamed APPEND literals, a small read buffer
// when idle), throttles failed logins per client address and per account (AuthThrottle) and
// caps connections (ConnectionLimiter).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "net/asio.hpp"
#include "net/connection_limiter.hpp"

namespace facteur::server {

struct ServerContext;
class MailboxNotifier;

// Session limits (built-in defaults; not in the configuration file yet).
struct ImapSettings {
  std::chrono::seconds login_timeout{120};  // not authenticated yet
  // RFC 9051 §5.4: the autologout timer of an authenticated session is at least 30 minutes
  // (IDLE clients re-issue IDLE every 29 minutes, RFC 2177).
  std::chrono::seconds idle_timeout{31 * 60};
  std::chrono::seconds write_timeout{300};
  std::size_t max_connections = 20000;
  std::size_t max_connections_per_ip = 100;  // trusted networks are exempt
};

// What every IMAP session shares: settings, the connection limiter and the notifier that wakes
// sessions when their selected mailbox changes. Built once by serve(); outlives every session.
class ImapService {
 public:
  ImapService(ServerContext& ctx, ImapSettings settings = {});
  ~ImapService();
  ImapService(const ImapService&) = delete;
  ImapService& operator=(const ImapService&) = delete;

  // Takes an accepted connection (from a listener thread); the session runs on the socket's
  // executor.
  void start_session(net::tcp::socket socket, bool implicit_tls);

  ServerContext& context() { return ctx_; }
  const ImapSettings& settings() const { return settings_; }
  MailboxNotifier& notifier() { return *notifier_; }

 private:
  ServerContext& ctx_;
  ImapSettings settings_;
  std::shared_ptr<net::ConnectionLimiter> limiter_;
  std::unique_ptr<MailboxNotifier> notifier_;
};

}  // namespace facteur::server
