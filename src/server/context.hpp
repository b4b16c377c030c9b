// ServerContext: the services every session shares, built once by serve() and alive until every
// session has ended.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "base/config.hpp"
#include "delivery/router.hpp"
#include "net/connection_limiter.hpp"
#include "net/network_list.hpp"
#include "net/worker_pool.hpp"
#include "server/auth_throttle.hpp"
#include "server/session_registry.hpp"
#include "store/store.hpp"

namespace facteur::queue {
class DkimSigner;
}
namespace facteur::filter {
class Filter;
}

namespace facteur::server {

class InboundChecks;
class AbuseLimiter;
class Greylist;
class QueueRunner;
class SendRateLimiter;

struct ServerContext {
  const Config& config;
  net::WorkerPool& workers;
  store::Store& store;
  delivery::Router& router;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: no TLS at all
  net::NetworkList trusted;
  SessionRegistry& registry;
  AuthThrottle& auth_throttle;
  std::shared_ptr<net::ConnectionLimiter> smtp_limiter;
  std::shared_ptr<net::ConnectionLimiter> pop3_limiter;
  // Submission and the outbound queue; null where not wired (then remote recipients and
  // forwarding are refused with a temporary error).
  QueueRunner* queue = nullptr;
  queue::DkimSigner* dkim = nullptr;
  SendRateLimiter* send_rate = nullptr;
  // Mail-bombing limits and tarpit of the MX listener ([rate_limits]); null: none.
  AbuseLimiter* abuse = nullptr;
  Greylist* greylist = nullptr;  // [greylist] (RFC 6647); null when off
  // Sender authentication and filtering at the end of DATA (inbound_checks.hpp); null: none.
  InboundChecks* inbound = nullptr;
  // The anti-abuse filter ([filter]); null when disabled. Shared: SMTP scans with it, IMAP
  // learns users' Junk moves into it.
  std::shared_ptr<filter::Filter> filter = nullptr;
};

}  // namespace facteur::server
