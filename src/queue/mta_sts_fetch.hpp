// MTA-STS policy discovery over the network (RFC 8461 §3): the `_mta-sts.<domain>` TXT lookup,
// the HTTPS fetch of https://mta-sts.<domain>/.well-known/mta-sts.txt (Boost.Beast over Asio
// SSL) and the cache (queue/mta_sts.hpp) that ties them together.
// RFCs: 8461 §3.3 (HTTPS with a valid certificate for mta-sts.<domain>, no redirects, 200 only,
// text/plain, 64 KiB, a timeout), §3.1, §5.1 (cache and id changes).
// Trust: talks to web servers named by internet domains; bodies are bounded and then parsed by
// parse_sts_policy().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "base/result.hpp"
#include "dns/resolver.hpp"
#include "net/asio.hpp"
#include "queue/mta_sts.hpp"

namespace facteur::queue {

struct StsFetchOptions {
  std::uint16_t port = 443;               // tests point it elsewhere
  std::chrono::seconds timeout{60};       // whole fetch (§3.3: "a reasonable timeout")
  std::chrono::seconds retry_after{300};  // a failed fetch of an id is not retried sooner
  std::size_t max_header_bytes = 8192;    // response header
  StsLimits limits;                       // max_policy_bytes bounds the body
};

// A TLS client context that verifies certificates against the system CA store (and `ca_file`
// when not empty): the policy host's certificate must be valid for mta-sts.<domain> (§3.3).
std::shared_ptr<boost::asio::ssl::context> make_sts_tls_context(const std::string& ca_file = {});

// GETs the policy from `addresses` (those of mta-sts.<domain>, tried in order). The body on a
// 200 text/plain answer; Errc::unavailable for everything else (redirects included, §3.3).
net::awaitable<Result<std::string>> fetch_sts_policy(std::string domain,
                                                     std::vector<net::tcp::endpoint> addresses,
                                                     boost::asio::ssl::context& tls,
                                                     StsFetchOptions options);

// The policy that applies to `domain` now, looking up the TXT record, using or refreshing the
// cache and fetching when the id changed (§3.3, §5.1). nullopt: no MTA-STS for the domain.
// Fetch failures fall back to a still fresh cached policy, else to no policy (§3.3).
class StsPolicySource {
 public:
  StsPolicySource(std::shared_ptr<dns::Resolver> resolver, std::shared_ptr<StsCache> cache,
                  std::shared_ptr<boost::asio::ssl::context> tls, StsFetchOptions options);

  net::awaitable<std::optional<StsPolicy>> policy_for(std::string domain);

 private:
  std::shared_ptr<dns::Resolver> resolver_;
  std::shared_ptr<StsCache> cache_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  StsFetchOptions options_;
  // domain -> (id whose fetch failed, unix time before which it is not fetched again): an
  // unreachable policy host must not cost every queue run a full timeout.
  std::mutex mutex_;
  std::map<std::string, std::pair<std::string, std::int64_t>> failed_;
};

}  // namespace facteur::queue
