// libFuzzer target: MTA-STS (RFC 8461) TXT records (§3.1), policy files (§3.2) and MX pattern
// matching (§4.1), as fetched from the internet. Checks invariants of what the parsers accept.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "queue/mta_sts.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace facteur::queue;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto record = parse_sts_record(bytes)) {
    // §3.1: id = 1*32(ALPHA / DIGIT)
    if (record->id.empty() || record->id.size() > 32) std::abort();
  }
  (void)find_sts_record({std::string(bytes), "v=STSv1; id=1;"});
  const StsLimits limits;
  if (auto policy = parse_sts_policy(bytes, limits)) {
    if (policy->mx.size() > limits.max_mx_patterns) std::abort();
    if (policy->max_age > limits.max_max_age) std::abort();
    if (policy->mode != StsMode::none && policy->mx.empty()) std::abort();
    for (const auto& pattern : policy->mx) {
      (void)mx_pattern_matches(pattern, "mx.example.test");
      (void)sts_host_policy(*policy, "mx.example.test");
    }
  }
  // Patterns and host names both from the input: split at the first newline.
  const auto cut = bytes.find('\n');
  if (cut != std::string_view::npos)
    (void)mx_pattern_matches(bytes.substr(0, cut), bytes.substr(cut + 1));
  return 0;
}
