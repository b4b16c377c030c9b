#include "delivery/router.hpp"

#include <algorithm>
#include <arpa/inet.h>

#include "base/log.hpp"
#include "base/strings.hpp"

namespace facteur::delivery {
namespace {

// "[192.0.2.1]" / "[IPv6:2001:db8::1]" -> the address in a canonical text form; "" if not a
// literal or not an IP literal.
std::string literal_ip(std::string_view domain) {
  if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']') return {};
  std::string inner(domain.substr(1, domain.size() - 2));
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN];
  if (istarts_with(inner, "IPv6:")) {
    inner.erase(0, 5);
    if (inet_pton(AF_INET6, inner.c_str(), buf) != 1) return {};
    return inet_ntop(AF_INET6, buf, text, sizeof text) ? std::string(text) : std::string();
  }
  if (inet_pton(AF_INET, inner.c_str(), buf) != 1) return {};
  return inet_ntop(AF_INET, buf, text, sizeof text) ? std::string(text) : std::string();
}

std::string canonical_ip(const std::string& ip) {
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN];
  std::string bare = ip;
  if (auto pct = bare.find('%'); pct != std::string::npos) bare.erase(pct);
  if (inet_pton(AF_INET, bare.c_str(), buf) == 1)
    return inet_ntop(AF_INET, buf, text, sizeof text) ? std::string(text) : bare;
  if (inet_pton(AF_INET6, bare.c_str(), buf) == 1) {
    // v4-mapped IPv6 (::ffff:127.0.0.1) names the IPv4 address.
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped, kMapped + 12, buf))
      return inet_ntop(AF_INET, buf + 12, text, sizeof text) ? std::string(text) : bare;
    return inet_ntop(AF_INET6, buf, text, sizeof text) ? std::string(text) : bare;
  }
  return bare;
}

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? std::string() : to_lower(address.substr(at + 1));
}

bool same_address(const std::string& a, const std::string& b) {
  return iequals(a, b);
}

}  // namespace

Router::Router(const Config& config, store::Store& store, RouterOptions options)
    : config_(config), store_(store), options_(options) {}

std::string Router::local_domain_for(std::string_view domain,
                                     const std::vector<std::string>& our_addresses) const {
  if (domain.starts_with('[')) {
    auto ip = literal_ip(domain);
    if (ip.empty()) return {};
    for (const auto& ours : our_addresses)
      if (canonical_ip(ours) == ip) return config_.domains.front();
    return {};
  }
  std::string lower = to_lower(domain);
  if (!lower.empty() && lower.back() == '.') lower.pop_back();  // absolute form "example.test."
  return config_.is_local_domain(lower) ? lower : std::string();
}

Result<bool> Router::add_account(const std::string& address, Route& out) const {
  auto account = store_.find_account(address);
  if (!account) {
    if (account.error().code == Errc::not_found) return false;
    return std::unexpected(account.error());
  }
  bool present = std::any_of(out.targets.begin(), out.targets.end(),
                             [&](const LocalTarget& t) { return t.account == account->id; });
  if (!present && out.targets.size() < options_.max_targets)
    out.targets.push_back(LocalTarget{account->id, account->address});
  return true;
}

Status Router::expand(const std::string& address, std::size_t depth, Route& out,
                      std::vector<std::string>& seen) const {
  if (depth > options_.max_alias_depth) {
    spdlog::warn("alias expansion of {} deeper than {}: cut", address, options_.max_alias_depth);
    return {};
  }
  if (std::any_of(seen.begin(), seen.end(),
                  [&](const auto& s) { return same_address(s, address); }))
    return {};  // alias loop
  seen.push_back(address);

  auto alias = store_.find_alias(address);
  if (!alias) {
    if (alias.error().code != Errc::not_found) return std::unexpected(alias.error());
    auto found = add_account(address, out);
    if (!found) return std::unexpected(found.error());
    return {};
  }
  for (const auto& target : alias->targets) {
    if (!config_.is_local_domain(domain_of(target))) {
      if (std::none_of(out.remote.begin(), out.remote.end(),
                       [&](const auto& r) { return same_address(r, target); }))
        out.remote.push_back(target);
      continue;
    }
    if (same_address(target, address)) {
      // "a -> a, b": keep a copy in a's own mailbox (the alias names itself).
      if (auto found = add_account(target, out); !found) return std::unexpected(found.error());
      continue;
    }
    if (auto st = expand(target, depth + 1, out, seen); !st) return st;
  }
  return {};
}

Result<Route> Router::route_local(std::string_view local_part, std::string_view domain) const {
  Route route;
  std::vector<std::string> seen;
  std::string address = std::string(local_part) + "@" + std::string(domain);
  if (auto st = expand(address, 0, route, seen); !st) return std::unexpected(st.error());

  // Plus-addressing: alice+tag@ -> alice@ (RFC 5233 subaddress).
  if (route.targets.empty() && route.remote.empty() && options_.recipient_delimiter != '\0') {
    auto delim = local_part.find(options_.recipient_delimiter);
    if (delim != std::string_view::npos && delim > 0) {
      seen.clear();
      std::string base = std::string(local_part.substr(0, delim)) + "@" + std::string(domain);
      if (auto st = expand(base, 0, route, seen); !st) return std::unexpected(st.error());
    }
  }
  // Catch-all alias "@domain" last, so real accounts are never shadowed by it.
  if (route.targets.empty() && route.remote.empty()) {
    seen.clear();
    if (auto st = expand("@" + std::string(domain), 0, route, seen); !st)
      return std::unexpected(st.error());
  }
  if (route.targets.empty() && route.remote.empty() && iequals(local_part, "postmaster"))
    return route_postmaster();

  route.kind =
      (route.targets.empty() && route.remote.empty()) ? RouteKind::unknown_user : RouteKind::local;
  return route;
}

Result<Route> Router::route(std::string_view local_part, std::string_view domain,
                            const std::vector<std::string>& our_addresses) const {
  std::string local_domain = local_domain_for(domain, our_addresses);
  if (local_domain.empty()) return Route{RouteKind::not_local, {}, {}};
  return route_local(local_part, local_domain);
}

Result<Route> Router::route_postmaster() const {
  // An explicit postmaster (alias or account) of the primary domain first.
  Route route;
  std::vector<std::string> seen;
  if (auto st = expand("postmaster@" + config_.domains.front(), 0, route, seen); !st)
    return std::unexpected(st.error());
  if (route.targets.empty() && route.remote.empty()) {
    // Otherwise the oldest account (the first one an administrator creates), so mail to the
    // postmaster, which RFC 5321 §4.5.1 says must be accepted, always lands somewhere.
    auto accounts = store_.list_accounts();
    if (!accounts) return std::unexpected(accounts.error());
    auto oldest = std::min_element(accounts->begin(), accounts->end(),
                                   [](const auto& a, const auto& b) { return a.id < b.id; });
    if (oldest != accounts->end())
      route.targets.push_back(LocalTarget{oldest->id, oldest->address});
  }
  route.kind =
      (route.targets.empty() && route.remote.empty()) ? RouteKind::unknown_user : RouteKind::local;
  return route;
}

}  // namespace facteur::delivery
