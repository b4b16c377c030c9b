// delivery::Router: decides where mail for an envelope recipient goes (RFC 5321 §3.6, §4.5.1):
// local accounts after alias expansion, plus-addressing and the postmaster rule, or "not ours".
// Trust: the address comes from an SMTP client (already parsed by the protocol layer).
// Blocking (store lookups): call from the worker pool.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/config.hpp"
#include "base/result.hpp"
#include "store/store.hpp"

namespace facteur::delivery {

// One mailbox owner a message must reach.
struct LocalTarget {
  store::AccountId account = 0;
  std::string address;  // the account's address: what Delivered-To: names
};

enum class RouteKind {
  local,         // targets holds at least one account
  unknown_user,  // a local domain, but no such account or alias: 550 5.1.1
  not_local,     // another domain: relaying (550 5.7.1 without authentication)
};

struct Route {
  RouteKind kind = RouteKind::unknown_user;
  std::vector<LocalTarget> targets;  // local accounts, deduplicated
  std::vector<std::string> remote;   // alias targets on other domains (forwarding)
};

struct RouterOptions {
  char recipient_delimiter = '+';  // alice+tag@ -> alice@ ('\0' turns it off)
  std::size_t max_alias_depth = 10;
  std::size_t max_targets = 1000;  // an alias expanding further is cut (and logged)
};

class Router {
 public:
  Router(const Config& config, store::Store& store, RouterOptions options = {});

  // `domain` as written in the path: a name, or an address literal "[192.0.2.1]" /
  // "[IPv6:2001:db8::1]", which is ours when it names one of `our_addresses` (e.g. the local
  // address of the connection). Errors are store failures (answer 451 4.3.0).
  Result<Route> route(std::string_view local_part, std::string_view domain,
                      const std::vector<std::string>& our_addresses = {}) const;

  // The postmaster mailbox of RFC 5321 §4.5.1 (RCPT TO:<Postmaster> without a domain).
  Result<Route> route_postmaster() const;

 private:
  // Expands `address` (canonical) through aliases into accounts and remote addresses.
  Status expand(const std::string& address, std::size_t depth, Route& out,
                std::vector<std::string>& seen) const;
  Result<bool> add_account(const std::string& address, Route& out) const;
  Result<Route> route_local(std::string_view local_part, std::string_view domain) const;
  std::string local_domain_for(std::string_view domain,
                               const std::vector<std::string>& our_addresses) const;

  const Config& config_;
  store::Store& store_;
  RouterOptions options_;
};

}  // namespace facteur::delivery
