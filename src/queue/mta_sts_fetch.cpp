#include "queue/mta_sts_fetch.hpp"

#include <ctime>

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "base/log.hpp"
#include "base/strings.hpp"

namespace facteur::queue {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

net::awaitable<Result<std::string>> fetch_from(const std::string& host,
                                               const net::tcp::endpoint& address, ssl::context& tls,
                                               const StsFetchOptions& options) {
  auto executor = co_await asio::this_coro::executor;
  beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
  beast::get_lowest_layer(stream).expires_after(options.timeout);  // the whole exchange
  SSL* s = stream.native_handle();
  SSL_set_tlsext_host_name(s, host.c_str());
  SSL_set_hostflags(s, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (SSL_set1_host(s, host.c_str()) != 1)
    co_return make_error(Errc::unavailable, "mta-sts: cannot check host name " + host);
  SSL_set_verify(s, SSL_VERIFY_PEER, nullptr);

  auto [cec] = co_await beast::get_lowest_layer(stream).async_connect(address, net::use_nothrow);
  if (cec)
    co_return make_error(Errc::unavailable,
                         fmt::format("mta-sts: connect to {}: {}", host, cec.message()));
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, net::use_nothrow);
  if (hec) {
    long verify = SSL_get_verify_result(s);
    co_return make_error(
        Errc::unavailable,
        fmt::format("mta-sts: TLS with {}: {}", host,
                    verify != X509_V_OK ? X509_verify_cert_error_string(verify) : hec.message()));
  }
  http::request<http::empty_body> request(http::verb::get, "/.well-known/mta-sts.txt", 11);
  request.set(http::field::host, host);
  request.set(http::field::user_agent, "facteur");
  request.set(http::field::connection, "close");
  auto [wec, written] = co_await http::async_write(stream, request, net::use_nothrow);
  if (wec)
    co_return make_error(Errc::unavailable,
                         fmt::format("mta-sts: request to {}: {}", host, wec.message()));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(options.limits.max_policy_bytes);
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, net::use_nothrow);
  if (rec)
    co_return make_error(Errc::unavailable,
                         fmt::format("mta-sts: response from {}: {}", host, rec.message()));
  auto& response = parser.get();
  // §3.3: "senders MUST NOT follow redirects"; only 200 carries a policy.
  if (response.result() != http::status::ok)
    co_return make_error(Errc::unavailable,
                         fmt::format("mta-sts: {} answered HTTP {}", host, response.result_int()));
  auto type = response[http::field::content_type];
  if (!istarts_with(trim(std::string_view(type.data(), type.size())), "text/plain"))
    co_return make_error(Errc::unavailable,
                         fmt::format("mta-sts: {} served '{}', not text/plain", host,
                                     std::string_view(type.data(), type.size())));
  beast::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(net::tcp::socket::shutdown_both, ignored);
  co_return std::move(response.body());
}

}  // namespace

std::shared_ptr<ssl::context> make_sts_tls_context(const std::string& ca_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  ctx->set_default_verify_paths(ec);
  if (ec) spdlog::warn("mta-sts: no system CA store: {}", ec.message());
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) spdlog::error("mta-sts: cannot load CA file {}: {}", ca_file, ec.message());
  }
  return ctx;
}

net::awaitable<Result<std::string>> fetch_sts_policy(std::string domain,
                                                     std::vector<net::tcp::endpoint> addresses,
                                                     ssl::context& tls, StsFetchOptions options) {
  const std::string host = "mta-sts." + domain;
  Result<std::string> last = make_error(Errc::unavailable, "mta-sts: no address for " + host);
  for (auto address : addresses) {
    address.port(options.port);
    last = co_await fetch_from(host, address, tls, options);
    if (last) co_return last;
  }
  co_return last;
}

StsPolicySource::StsPolicySource(std::shared_ptr<dns::Resolver> resolver,
                                 std::shared_ptr<StsCache> cache, std::shared_ptr<ssl::context> tls,
                                 StsFetchOptions options)
    : resolver_(std::move(resolver)),
      cache_(std::move(cache)),
      tls_(std::move(tls)),
      options_(options) {}

net::awaitable<std::optional<StsPolicy>> StsPolicySource::policy_for(std::string domain) {
  domain = to_lower(domain);
  if (domain.ends_with('.')) domain.pop_back();
  auto txt = co_await resolver_->query("_mta-sts." + domain, dns::RType::txt);
  Result<StsRecord> record = make_error(Errc::not_found, "no _mta-sts record");
  if (txt.ok()) record = find_sts_record(dns::txt_strings(txt));
  auto cached = cache_->get(domain);
  const std::int64_t now = std::time(nullptr);
  switch (next_sts_step(record, cached ? &*cached : nullptr, now)) {
    case StsStep::none:
      co_return std::nullopt;
    case StsStep::use_cache:
      co_return cached->policy;
    case StsStep::fetch:
      break;
  }
  {
    std::lock_guard lock(mutex_);
    auto it = failed_.find(domain);
    if (it != failed_.end() && it->second.first == record->id && now < it->second.second) {
      if (cached && cached->fresh(now)) co_return cached->policy;
      co_return std::nullopt;
    }
  }
  std::vector<net::tcp::endpoint> addresses;
  for (auto type : {dns::RType::aaaa, dns::RType::a}) {
    auto answer = co_await resolver_->query("mta-sts." + domain, type);
    for (const auto& a : dns::addresses(answer))
      addresses.emplace_back(a, options_.port);
  }
  auto body = co_await fetch_sts_policy(domain, std::move(addresses), *tls_, options_);
  Result<StsPolicy> policy = body ? parse_sts_policy(*body, options_.limits)
                                  : Result<StsPolicy>(std::unexpected(body.error()));
  if (!policy) {
    spdlog::warn("queue: MTA-STS policy of {} (id {}) unavailable: {}", domain, record->id,
                 policy.error().message);
    {
      std::lock_guard lock(mutex_);
      failed_[domain] = {record->id, now + options_.retry_after.count()};
    }
    if (cached && cached->fresh(now)) co_return cached->policy;
    co_return std::nullopt;
  }
  spdlog::info("queue: MTA-STS policy of {} (id {}): mode {}, {} mx pattern(s), max_age {}", domain,
               record->id, to_string(policy->mode), policy->mx.size(), policy->max_age);
  {
    std::lock_guard lock(mutex_);
    failed_.erase(domain);
  }
  CachedStsPolicy fresh;
  fresh.policy = *policy;
  fresh.id = record->id;
  fresh.fetched = now;
  fresh.body = std::move(*body);
  cache_->put(domain, std::move(fresh));
  co_return std::move(*policy);
}

}  // namespace facteur::queue
