// MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy file, MX pattern matching, the
// policy cache (memory plus a file per domain in data_dir) and what a policy means for one MX
// host. No network I/O here: the HTTPS fetch lives in src/server/mta_sts_fetch.*.
// RFCs: 8461 §3.1 (TXT record), §3.2 (policy), §3.3 (fetching limits), §4.1 (MX matching),
// §4.2 / §5 (application, caching), §2 (DANE first).
// Trust: parses DNS answers and HTTPS bodies from the internet; bounded by StsLimits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "queue/tls_policy.hpp"

namespace facteur::queue {

struct StsLimits {
  std::size_t max_policy_bytes = 64 * 1024;  // §3.3: "MUST NOT be larger than 64 KiB"
  std::size_t max_mx_patterns = 64;          // more mx lines: parse error
  std::uint32_t max_max_age = 31'557'600;    // §3.2: at most one year (values above: cut)
};

// §3.1: "v=STSv1; id=20160831085700Z;". The id is 1..32 letters and digits.
struct StsRecord {
  std::string id;
};
Result<StsRecord> parse_sts_record(std::string_view txt);
// The record among a name's TXT strings: those not starting with "v=STSv1" are ignored; none or
// several left (or a bad one) means no policy (§3.1). Errc::not_found then.
Result<StsRecord> find_sts_record(const std::vector<std::string>& txt_strings);

enum class StsMode : std::uint8_t { enforce, testing, none };
std::string_view to_string(StsMode mode) noexcept;

struct StsPolicy {
  StsMode mode = StsMode::none;
  std::vector<std::string> mx;  // patterns, lower-cased: "mx.example.test", "*.example.test"
  std::uint32_t max_age = 0;    // seconds
};

// §3.2: "key: value" lines (LF or CRLF); version STSv1, mode and max_age required, mx required
// unless mode is none; unknown keys ignored; a repeated key other than mx keeps its first value.
Result<StsPolicy> parse_sts_policy(std::string_view body, const StsLimits& limits = {});

// §4.1: a pattern is a host name, or "*." and a domain matching exactly one more leftmost label
// ("*.example.test" matches "mx.example.test", not "example.test" nor "a.b.example.test").
// Case-insensitive; a final dot on the host is ignored.
bool mx_pattern_matches(std::string_view pattern, std::string_view host) noexcept;
bool policy_allows_mx(const StsPolicy& policy, std::string_view host) noexcept;

// What the policy asks of one MX host (§4.2, §5): enforce → PKIX-valid TLS for its name, or
// unreachable when the host matches no pattern; testing and none → opportunistic (callers log).
HostTlsPolicy sts_host_policy(const StsPolicy& policy, std::string_view host);

struct CachedStsPolicy {
  StsPolicy policy;
  std::string id;            // the TXT record's id the policy was fetched for
  std::int64_t fetched = 0;  // unix time
  std::string body;          // as fetched (what the file keeps)

  bool fresh(std::int64_t now) const noexcept {
    return now < fetched + static_cast<std::int64_t>(policy.max_age);
  }
};

// §3.3 / §5.1: what to do for a destination, given its TXT lookup and the cached policy.
enum class StsStep : std::uint8_t {
  none,       // no policy applies
  use_cache,  // the cached policy is current (same id) or the record is gone / unreadable
  fetch,      // a new or changed id: fetch; on failure fall back to a fresh cached policy
};
StsStep next_sts_step(const Result<StsRecord>& record, const CachedStsPolicy* cached,
                      std::int64_t now) noexcept;

// Policies by domain, kept for their max_age, in memory and (when `dir` is not empty) in one
// file per domain in `dir` so that a restart keeps them (§5: a cached enforce policy is what
// defeats an attacker who strips the TXT record). Thread-safe.
class StsCache {
 public:
  explicit StsCache(std::filesystem::path dir = {}, StsLimits limits = {});
  // The cached policy of `domain`, fresh or not (nullopt: never fetched or unreadable file).
  std::optional<CachedStsPolicy> get(const std::string& domain);
  // Stores a policy (a parse of `body`); writes the file when there is a directory.
  void put(const std::string& domain, CachedStsPolicy policy);

  // The file format, exposed for tests: "facteur-mta-sts 1 <fetched> <id>\n" then the body.
  static std::string serialize(const CachedStsPolicy& policy);
  static std::optional<CachedStsPolicy> deserialize(std::string_view text,
                                                    const StsLimits& limits = {});

 private:
  std::filesystem::path file_for(const std::string& domain) const;
  std::filesystem::path dir_;
  StsLimits limits_;
  std::mutex mutex_;
  std::map<std::string, CachedStsPolicy> memory_;
};

}  // namespace facteur::queue
