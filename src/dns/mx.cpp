#include "dns/mx.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

namespace facteur::dns {

std::vector<MxHost> order_mx(std::vector<MxData> records, const RandomSource& random,
                             const MxLimits& limits) {
  std::erase_if(records,
                [](const MxData& mx) { return mx.exchange.empty() || mx.exchange == "."; });
  std::sort(records.begin(), records.end(),
            [](const MxData& a, const MxData& b) { return a.preference < b.preference; });
  // Fisher-Yates inside each run of equal preference.
  for (std::size_t begin = 0; begin < records.size();) {
    std::size_t end = begin;
    while (end < records.size() && records[end].preference == records[begin].preference)
      ++end;
    for (std::size_t i = end - 1; i > begin; --i) {
      std::size_t j = begin + (random ? random() : 0) % (i - begin + 1);
      std::swap(records[i], records[j]);
    }
    begin = end;
  }
  std::vector<MxHost> out;
  for (auto& mx : records) {
    if (out.size() >= limits.max_hosts) break;
    if (std::any_of(out.begin(), out.end(),
                    [&](const MxHost& h) { return names_equal(h.host, mx.exchange); }))
      continue;
    out.push_back(MxHost{std::move(mx.exchange), mx.preference, false});
  }
  return out;
}

net::awaitable<Result<std::vector<MxHost>>> resolve_mx(Resolver& resolver, std::string domain,
                                                       RandomSource random, MxLimits limits) {
  if (!random) {
    random = [engine = std::make_shared<std::mt19937>(std::random_device{}())]() {
      return static_cast<std::uint32_t>((*engine)());
    };
  }
  auto answer = co_await resolver.query(domain, RType::mx);
  switch (answer.status) {
    case Status::bad_name:
      co_return make_error(Errc::invalid_argument,
                           fmt::format("'{}' is not a domain name", domain));
    case Status::temp_failure:
      co_return make_error(Errc::unavailable,
                           fmt::format("MX lookup for {} failed: {}", domain, answer.detail));
    case Status::nxdomain:
      co_return make_error(Errc::not_found, fmt::format("domain {} does not exist", domain));
    case Status::ok: {
      auto records = mx_records(answer);
      // RFC 7505 §3: a lone MX "." with preference 0 says the domain takes no mail.
      if (records.size() == 1 && (records[0].exchange.empty() || records[0].exchange == ".")) {
        co_return make_error(Errc::permission_denied,
                             fmt::format("domain {} does not accept mail (null MX)", domain));
      }
      auto hosts = order_mx(std::move(records), random, limits);
      for (auto& h : hosts)
        h.secure = answer.secure;
      if (hosts.empty()) {
        co_return make_error(Errc::permission_denied,
                             fmt::format("domain {} does not accept mail (null MX)", domain));
      }
      co_return hosts;
    }
    case Status::no_data:
      break;
  }
  // §5.1: no MX records: the domain itself is the implicit MX, if it has an address.
  auto v4 = co_await resolver.query(domain, RType::a);
  auto v6 = co_await resolver.query(domain, RType::aaaa);
  if (v4.ok() || v6.ok()) {
    co_return std::vector<MxHost>{MxHost{domain, 0, true, answer.secure}};
  }
  if (v4.status == Status::temp_failure || v6.status == Status::temp_failure) {
    co_return make_error(Errc::unavailable,
                         fmt::format("address lookup for {} failed: {}", domain,
                                     v4.status == Status::temp_failure ? v4.detail : v6.detail));
  }
  co_return make_error(Errc::not_found, fmt::format("domain {} has no MX and no address", domain));
}

}  // namespace facteur::dns
