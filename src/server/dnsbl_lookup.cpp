#include "server/dnsbl_lookup.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "filter/message_view.hpp"
#include "mail/punycode.hpp"
#include "mailauth/public_suffix.hpp"

namespace facteur::server {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabel = 63;

// Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF); nullopt when invalid.
std::optional<std::u32string> decode_utf8(std::string_view s) {
  std::u32string out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    int extra = b < 0x80             ? 0
                : (b & 0xE0) == 0xC0 ? 1
                : (b & 0xF0) == 0xE0 ? 2
                : (b & 0xF8) == 0xF0 ? 3
                                     : -1;
    if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size()) return std::nullopt;
    char32_t cp = extra == 0 ? b : extra == 1 ? (b & 0x1F) : extra == 2 ? (b & 0x0F) : (b & 0x07);
    for (int k = 1; k <= extra; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

// Lower case for the scripts whose capitals mail commonly carries (Latin-1, Greek, Cyrillic);
// IDNA2008 (RFC 5891 §5.3) has U-labels in lower case, the full Unicode mapping is UTS #46.
char32_t lower_code_point(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

bool host_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_ip_literal(std::string_view s) {
  boost::system::error_code ec;
  auto text = std::string(s.starts_with('[') && s.ends_with(']') ? s.substr(1, s.size() - 2) : s);
  boost::asio::ip::make_address(text, ec);
  return !ec;
}

std::string domain_of(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : std::string(address.substr(at + 1));
}

}  // namespace

std::string dnsbl_client_name(const boost::asio::ip::address& client, std::string_view zone) {
  std::string out;
  auto v6 = client.is_v6() ? client.to_v6() : boost::asio::ip::address_v6();
  if (client.is_v4() || v6.is_v4_mapped()) {
    auto bytes = client.is_v4()
                     ? client.to_v4().to_bytes()
                     : boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_bytes();
    out = fmt::format("{}.{}.{}.{}", bytes[3], bytes[2], bytes[1], bytes[0]);
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    auto bytes = v6.to_bytes();
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
      if (!out.empty()) out += '.';
      out += kHex[*it & 0x0F];
      out += '.';
      out += kHex[*it >> 4];
    }
  }
  out += '.';
  out += zone;
  return out;
}

std::optional<std::string> dnsbl_normalize_domain(std::string_view domain) {
  if (domain.ends_with('.')) domain.remove_suffix(1);
  if (domain.empty() || domain.size() > 4 * kMaxName || is_ip_literal(domain)) return std::nullopt;
  std::string out;
  for (auto label : split(domain, '.')) {
    if (label.empty()) return std::nullopt;
    bool ascii = std::all_of(label.begin(), label.end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    std::string a_label;
    if (ascii) {
      a_label = to_lower(label);
    } else {
      auto points = decode_utf8(label);
      if (!points) return std::nullopt;
      for (auto& c : *points)
        c = lower_code_point(c);
      auto encoded = mail::punycode_encode(*points);
      if (!encoded) return std::nullopt;
      a_label = "xn--" + *encoded;
    }
    if (a_label.size() > kMaxLabel || !std::all_of(a_label.begin(), a_label.end(), host_byte))
      return std::nullopt;
    if (!out.empty()) out += '.';
    out += a_label;
  }
  if (out.size() > kMaxName) return std::nullopt;
  return out;
}

std::optional<std::string> dnsbl_domain_name(std::string_view domain, std::string_view zone) {
  auto normal = dnsbl_normalize_domain(domain);
  if (!normal) return std::nullopt;
  std::string name = *normal + "." + std::string(zone);
  if (name.size() > kMaxName) return std::nullopt;
  return name;
}

bool dnsbl_code_accepted(const boost::asio::ip::address_v4& code, const DnsblZone& zone) {
  const std::uint32_t v = code.to_uint();
  if ((v >> 24) != 127) return false;                  // RFC 5782 §2.3
  if ((v & 0xFFFFFF00u) == 0x7FFFFF00u) return false;  // 127.255.255.0/24: error codes
  if (zone.codes.empty()) return v != 0x7F000001u;
  return std::any_of(zone.codes.begin(), zone.codes.end(),
                     [v](const auto& r) { return v >= r.first && v <= r.second; });
}

std::vector<std::string> dnsbl_message_domains(const filter::MessageView& view,
                                               std::string_view mail_from, bool senders,
                                               const std::vector<std::string>& local_domains,
                                               std::size_t max) {
  std::vector<std::string> out;
  auto add = [&](std::string_view host, bool registrable) {
    if (out.size() >= max || host.empty()) return;
    auto normal = dnsbl_normalize_domain(host);
    if (!normal || normal->find('.') == std::string::npos) return;
    // Domain lists hold registered domains (RFC 5782 §3 lists "names"; the URI lists ask for
    // the registrable part of a link's host), so www.a.example and b.a.example are one query.
    std::string domain = registrable
                             ? mailauth::PublicSuffixList::system().organizational_domain(*normal)
                             : std::move(*normal);
    for (const auto& local : local_domains)
      if (domain == local || (domain.size() > local.size() && domain.ends_with(local) &&
                              domain[domain.size() - local.size() - 1] == '.'))
        return;
    if (std::find(out.begin(), out.end(), domain) == out.end()) out.push_back(std::move(domain));
  };
  if (senders) {
    add(domain_of(mail_from), false);
    add(view.from_domain, false);
  }
  for (const auto& link : view.links)
    if (!link.url.host_is_ip) add(link.url.host, true);
  return out;
}

DnsblChecker::DnsblChecker(const DnsblSettings& settings, std::shared_ptr<dns::Resolver> resolver)
    : settings_(settings), resolver_(std::move(resolver)) {}

bool DnsblChecker::active() const noexcept {
  return settings_.enabled && resolver_ &&
         (!settings_.client_zones.empty() || !settings_.domain_zones.empty());
}

std::optional<bool> DnsblChecker::cache_get(const std::string& name, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(name);
  if (it == cache_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    lru_.erase(it->second.lru);
    cache_.erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.listed;
}

void DnsblChecker::cache_put(const std::string& name, bool listed, std::chrono::seconds ttl,
                             Clock::time_point now) {
  ttl = std::min(ttl, settings_.cache_ttl);
  if (ttl.count() <= 0 || settings_.cache_entries == 0) return;
  std::lock_guard lock(mutex_);
  auto it = cache_.find(name);
  if (it != cache_.end()) {
    it->second.listed = listed;
    it->second.expires = now + ttl;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return;
  }
  if (cache_.size() >= settings_.cache_entries) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(name);
  cache_.emplace(name, CacheEntry{listed, now + ttl, lru_.begin()});
}

std::size_t DnsblChecker::cached() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

net::awaitable<void> DnsblChecker::ask(Query& query) {
  if (auto known = cache_get(query.name, Clock::now())) {
    query.listed = known;
    co_return;
  }
  auto pending = resolver_->query(query.name, dns::RType::a);
  dns::Answer answer = co_await std::move(pending);
  switch (answer.status) {
    case dns::Status::ok: {
      bool listed = false;
      for (const auto& record : answer.records)
        if (const auto* v4 = std::get_if<boost::asio::ip::address_v4>(&record.data))
          listed = listed || dnsbl_code_accepted(*v4, *query.zone);
      query.listed = listed;
      break;
    }
    case dns::Status::nxdomain:
    case dns::Status::no_data:
      query.listed = false;
      break;
    case dns::Status::temp_failure:  // fail open: no score, nothing cached
    case dns::Status::bad_name:
      co_return;
  }
  cache_put(query.name, *query.listed, std::chrono::seconds(answer.ttl), Clock::now());
}

net::awaitable<void> DnsblChecker::run_queries(std::vector<Query>& queries) {
  auto executor = co_await asio::this_coro::executor;
  using Op = decltype(asio::co_spawn(executor, ask(queries.front()), asio::deferred));
  std::vector<Op> ops;
  ops.reserve(queries.size());
  for (auto& q : queries)
    ops.push_back(asio::co_spawn(executor, ask(q), asio::deferred));
  auto group = asio::experimental::make_parallel_group(std::move(ops));
  co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
}

net::awaitable<std::vector<filter::DnsblHit>> DnsblChecker::check(const DnsblRequest& request) {
  std::vector<filter::DnsblHit> hits;
  if (!active()) co_return hits;
  std::vector<Query> queries;
  if (request.client)
    for (const auto& zone : settings_.client_zones)
      queries.push_back({dnsbl_client_name(*request.client, zone.zone), &zone,
                         request.client->to_string(), std::nullopt});
  std::vector<std::string> domains;
  for (const auto& d : request.domains) {
    if (domains.size() >= settings_.max_domains) break;
    auto normal = dnsbl_normalize_domain(d);
    if (normal && std::find(domains.begin(), domains.end(), *normal) == domains.end())
      domains.push_back(std::move(*normal));
  }
  for (const auto& domain : domains)
    for (const auto& zone : settings_.domain_zones)
      if (auto name = dnsbl_domain_name(domain, zone.zone))
        queries.push_back({std::move(*name), &zone, domain, std::nullopt});
  if (queries.empty()) co_return hits;

  auto deadline =
      std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, settings_.timeout);
  {
    std::lock_guard lock(mutex_);
    if (stopped_) co_return hits;
    std::erase_if(deadlines_, [](const auto& w) { return w.expired(); });
    deadlines_.push_back(deadline);
  }
  {
    using namespace asio::experimental::awaitable_operators;
    // Named first: g++ 12 may destroy the arguments of a coroutine call made inside a co_await
    // expression twice. The race ends the loser: at the deadline, the queries still running
    // are cancelled and count as unanswered (fail open).
    auto all = run_queries(queries);
    auto raced = co_await (std::move(all) || deadline->async_wait(net::use_nothrow));
    if (raced.index() != 0) {
      std::size_t answered = 0;
      for (const auto& q : queries)
        answered += q.listed.has_value() ? 1 : 0;
      spdlog::info("dnsbl: {} of {} look-ups unanswered in time", queries.size() - answered,
                   queries.size());
    }
  }
  for (const auto& q : queries)
    if (q.listed.value_or(false)) hits.push_back({q.zone->zone, q.what, q.zone->points});
  co_return hits;
}

net::awaitable<std::vector<filter::DnsblHit>> DnsblChecker::check_owned(DnsblRequest request) {
  const auto* req = &request;
  co_return co_await check(*req);
}

net::awaitable<std::shared_ptr<DnsblChecker::Pending>> DnsblChecker::start_message(
    net::WorkerPool& workers, std::optional<boost::asio::ip::address> client,
    std::string_view message, std::string_view mail_from,
    const std::vector<std::string>& local_domains) {
  auto executor = co_await asio::this_coro::executor;
  auto pending = std::make_shared<Pending>(executor);
  DnsblRequest request;
  request.client = client;
  if (active() && !settings_.domain_zones.empty()) {
    const auto& settings = settings_;
    auto extract = [&settings, message, mail_from, &local_domains] {
      auto view = filter::MessageView::analyze(message);
      return dnsbl_message_domains(view, mail_from, settings.check_sender, local_domains,
                                   settings.max_domains);
    };
    request.domains = co_await net::run_blocking(workers, extract);
  }
  // The task owns its request; the handle outlives it through the completion handler.
  auto task = check_owned(std::move(request));
  auto done = [pending](std::exception_ptr error, std::vector<filter::DnsblHit> hits) {
    if (error) hits.clear();  // fail open
    pending->finish(std::move(hits));
  };
  asio::co_spawn(executor, std::move(task), std::move(done));
  co_return pending;
}

DnsblChecker::Pending::Pending(const net::asio::any_io_executor& executor)
    : done_(executor, asio::steady_timer::time_point::max()) {}

void DnsblChecker::Pending::finish(std::vector<filter::DnsblHit> hits) {
  hits_ = std::move(hits);
  done_.cancel();
}

net::awaitable<std::vector<filter::DnsblHit>> DnsblChecker::Pending::wait() {
  // check() ends within the timeout (or at stop()), so this wait is bounded too.
  while (!hits_)
    co_await done_.async_wait(net::use_nothrow);
  co_return *hits_;
}

net::awaitable<std::optional<std::string>> DnsblChecker::rejecting_zone(
    boost::asio::ip::address client) {
  std::optional<std::string> out;
  if (!active() || std::none_of(settings_.client_zones.begin(), settings_.client_zones.end(),
                                [](const DnsblZone& z) { return z.reject; }))
    co_return out;
  DnsblRequest request;
  request.client = client;
  const auto* req = &request;
  auto hits = co_await check(*req);
  for (const auto& zone : settings_.client_zones)
    for (const auto& hit : hits)
      if (zone.reject && hit.zone == zone.zone && !out) out = zone.zone;
  co_return out;
}

void DnsblChecker::stop() {
  std::vector<std::shared_ptr<asio::steady_timer>> live;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    for (auto& weak : deadlines_)
      if (auto t = weak.lock()) live.push_back(std::move(t));
    deadlines_.clear();
  }
  for (auto& t : live)
    asio::post(t->get_executor(), [t] { t->cancel(); });
}

}  // namespace facteur::server
