#include "queue/mta_sts.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace facteur::queue {
namespace {

std::string_view strip_dot(std::string_view s) {
  if (s.ends_with('.')) s.remove_suffix(1);
  return s;
}

// A host name pattern as §3.2's sts-policy-mx-value allows: labels of letters, digits and
// hyphens, optionally "*." first.
bool valid_pattern(std::string_view p) {
  if (p.starts_with("*.")) p.remove_prefix(2);
  if (p.empty() || p.size() > 253) return false;
  for (auto label : split(p, '.')) {
    if (label.empty() || label.size() > 63) return false;
    for (char c : label) {
      if (!ascii_alnum(c) && c != '-' && c != '_') return false;
    }
  }
  return true;
}

}  // namespace

Result<StsRecord> parse_sts_record(std::string_view txt) {
  StsRecord rec;
  bool first = true, have_id = false;
  for (auto field : split(txt, ';')) {
    field = trim(field);
    if (field.empty()) {
      if (first) return make_error(Errc::parse_error, "mta-sts: record does not start with v=");
      continue;
    }
    auto eq = field.find('=');
    if (eq == std::string_view::npos)
      return make_error(Errc::parse_error, "mta-sts: field without '='");
    auto key = field.substr(0, eq), value = field.substr(eq + 1);
    if (first) {
      if (key != "v" || value != "STSv1")
        return make_error(Errc::parse_error, "mta-sts: record does not start with v=STSv1");
      first = false;
      continue;
    }
    if (key == "id" && !have_id) {
      if (value.empty() || value.size() > 32 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return ascii_alnum(c); }))
        return make_error(Errc::parse_error, "mta-sts: bad id");
      rec.id = std::string(value);
      have_id = true;
    }
    // §3.1: other extension fields are ignored.
  }
  if (first || !have_id) return make_error(Errc::parse_error, "mta-sts: record without id");
  return rec;
}

Result<StsRecord> find_sts_record(const std::vector<std::string>& txt_strings) {
  const std::string* found = nullptr;
  for (const auto& s : txt_strings) {
    if (!s.starts_with("v=STSv1")) continue;
    if (found) return make_error(Errc::not_found, "mta-sts: several v=STSv1 records");
    found = &s;
  }
  if (!found) return make_error(Errc::not_found, "mta-sts: no v=STSv1 record");
  auto rec = parse_sts_record(*found);
  if (!rec) return make_error(Errc::not_found, rec.error().message);
  return rec;
}

std::string_view to_string(StsMode mode) noexcept {
  switch (mode) {
    case StsMode::enforce:
      return "enforce";
    case StsMode::testing:
      return "testing";
    case StsMode::none:
      return "none";
  }
  return "?";
}

Result<StsPolicy> parse_sts_policy(std::string_view body, const StsLimits& limits) {
  if (body.size() > limits.max_policy_bytes)
    return make_error(Errc::parse_error, "mta-sts: policy too large");
  StsPolicy p;
  bool have_version = false, have_mode = false, have_age = false;
  for (auto line : split(body, '\n')) {
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (trim(line).empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return make_error(Errc::parse_error, "mta-sts: policy line without ':'");
    auto key = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    if (key == "version") {
      if (have_version) continue;
      if (value != "STSv1") return make_error(Errc::parse_error, "mta-sts: version is not STSv1");
      have_version = true;
    } else if (key == "mode") {
      if (have_mode) continue;
      if (value == "enforce")
        p.mode = StsMode::enforce;
      else if (value == "testing")
        p.mode = StsMode::testing;
      else if (value == "none")
        p.mode = StsMode::none;
      else
        return make_error(Errc::parse_error, fmt::format("mta-sts: unknown mode '{}'", value));
      have_mode = true;
    } else if (key == "max_age") {
      if (have_age) continue;
      // §3.2: 1*10DIGIT; up to 31557600 (values above are cut rather than refused).
      if (value.empty() || value.size() > 10 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return make_error(Errc::parse_error, "mta-sts: bad max_age");
      std::uint64_t age = 0;
      std::from_chars(value.data(), value.data() + value.size(), age);
      p.max_age = static_cast<std::uint32_t>(std::min<std::uint64_t>(age, limits.max_max_age));
      have_age = true;
    } else if (key == "mx") {
      if (!valid_pattern(value))
        return make_error(Errc::parse_error, fmt::format("mta-sts: bad mx pattern '{}'", value));
      if (p.mx.size() >= limits.max_mx_patterns)
        return make_error(Errc::parse_error, "mta-sts: too many mx patterns");
      p.mx.push_back(to_lower(strip_dot(value)));
    }
    // Unknown keys: ignored (§3.2, extensions).
  }
  if (!have_version || !have_mode || !have_age)
    return make_error(Errc::parse_error, "mta-sts: version, mode and max_age are required");
  if (p.mode != StsMode::none && p.mx.empty())
    return make_error(Errc::parse_error, "mta-sts: no mx pattern");
  return p;
}

bool mx_pattern_matches(std::string_view pattern, std::string_view host) noexcept {
  host = strip_dot(host);
  if (pattern.starts_with("*.")) {
    auto suffix = pattern.substr(1);  // ".example.test"
    if (host.size() <= suffix.size()) return false;
    auto label = host.substr(0, host.size() - suffix.size());
    if (label.find('.') != std::string_view::npos) return false;  // one label only
    return iequals(host.substr(label.size()), suffix);
  }
  return iequals(pattern, host);
}

bool policy_allows_mx(const StsPolicy& policy, std::string_view host) noexcept {
  for (const auto& p : policy.mx) {
    if (mx_pattern_matches(p, host)) return true;
  }
  return false;
}

HostTlsPolicy sts_host_policy(const StsPolicy& policy, std::string_view host) {
  HostTlsPolicy h;
  if (policy.mode == StsMode::none) return h;
  bool allowed = policy_allows_mx(policy, host);
  if (policy.mode == StsMode::testing) {
    h.reason = allowed ? "MTA-STS testing: host in policy; TLS would be required"
                       : "MTA-STS testing: host NOT in policy (delivering anyway)";
    return h;
  }
  if (!allowed) {
    h.level = TlsLevel::unreachable;
    h.reason = fmt::format("MTA-STS: {} does not match the policy's mx patterns", host);
    return h;
  }
  h.level = TlsLevel::pkix;
  h.reason = "MTA-STS enforce: TLS with a CA-valid certificate for the MX name";
  return h;
}

StsStep next_sts_step(const Result<StsRecord>& record, const CachedStsPolicy* cached,
                      std::int64_t now) noexcept {
  const bool usable_cache = cached != nullptr && cached->fresh(now);
  if (!record) return usable_cache ? StsStep::use_cache : StsStep::none;
  if (usable_cache && cached->id == record->id) return StsStep::use_cache;
  return StsStep::fetch;
}

StsCache::StsCache(std::filesystem::path dir, StsLimits limits)
    : dir_(std::move(dir)), limits_(limits) {}

std::filesystem::path StsCache::file_for(const std::string& domain) const {
  // Domains are DNS names (letters, digits, '-', '.', '_'); anything else is not cached on disk.
  for (char c : domain) {
    if (!ascii_alnum(c) && c != '-' && c != '.' && c != '_') return {};
  }
  if (domain.empty() || domain.front() == '.') return {};
  return dir_ / (to_lower(domain) + ".policy");
}

std::optional<CachedStsPolicy> StsCache::get(const std::string& domain) {
  std::lock_guard lock(mutex_);
  auto key = to_lower(domain);
  if (auto it = memory_.find(key); it != memory_.end()) return it->second;
  if (dir_.empty()) return std::nullopt;
  auto path = file_for(key);
  if (path.empty()) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto cached = deserialize(text.str(), limits_);
  if (cached) memory_[key] = *cached;
  return cached;
}

void StsCache::put(const std::string& domain, CachedStsPolicy policy) {
  std::lock_guard lock(mutex_);
  auto key = to_lower(domain);
  if (!dir_.empty()) {
    auto path = file_for(key);
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (!path.empty() && !ec) {
      auto tmp = path;
      tmp += ".tmp";
      {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << serialize(policy);
      }
      std::filesystem::rename(tmp, path, ec);
    }
  }
  memory_[key] = std::move(policy);
}

std::string StsCache::serialize(const CachedStsPolicy& policy) {
  return fmt::format("facteur-mta-sts 1 {} {}\n{}", policy.fetched, policy.id, policy.body);
}

std::optional<CachedStsPolicy> StsCache::deserialize(std::string_view text,
                                                     const StsLimits& limits) {
  auto nl = text.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  auto head = split(text.substr(0, nl), ' ');
  if (head.size() != 4 || head[0] != "facteur-mta-sts" || head[1] != "1") return std::nullopt;
  CachedStsPolicy c;
  auto [ptr, ec] = std::from_chars(head[2].data(), head[2].data() + head[2].size(), c.fetched);
  if (ec != std::errc{} || ptr != head[2].data() + head[2].size()) return std::nullopt;
  c.id = std::string(head[3]);
  c.body = std::string(text.substr(nl + 1));
  auto policy = parse_sts_policy(c.body, limits);
  if (!policy) return std::nullopt;
  c.policy = std::move(*policy);
  return c;
}

}  // namespace facteur::queue
