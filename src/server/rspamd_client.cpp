#include "server/rspamd_client.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include "base/log.hpp"

namespace facteur::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::uint32_t kMaxReplyHeader = 16 * 1024;

Result<RspamdReply> failure(std::string what) {
  return make_error(Errc::unavailable, std::move(what));
}

}  // namespace

struct RspamdClient::Exchange {
  explicit Exchange(const asio::any_io_executor& ex) : stream(ex), resolver(ex), timer(ex) {}
  beast::tcp_stream stream;
  net::tcp::resolver resolver;
  asio::steady_timer timer;  // bounds the name resolution, which the stream's timeout does not
};

RspamdClient::RspamdClient(const RspamdSettings& settings) : settings_(settings) {}

RspamdClient::~RspamdClient() = default;

void RspamdClient::stop() {
  std::vector<std::shared_ptr<Exchange>> live;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    for (auto& weak : running_)
      if (auto e = weak.lock()) live.push_back(std::move(e));
    running_.clear();
  }
  for (auto& e : live)
    asio::post(e->stream.get_executor(), [e] {
      e->stream.cancel();
      e->resolver.cancel();
      e->timer.cancel();
    });
}

net::awaitable<Result<RspamdReply>> RspamdClient::exchange(std::string_view message,
                                                           const RspamdEnvelope& envelope) {
  auto executor = co_await asio::this_coro::executor;
  auto ex = std::make_shared<Exchange>(executor);
  {
    std::lock_guard lock(mutex_);
    if (stopped_) co_return failure("shutting down");
    std::erase_if(running_, [](const auto& w) { return w.expired(); });
    running_.push_back(ex);
  }
  const auto deadline = std::chrono::steady_clock::now() + settings_.timeout;

  std::vector<net::tcp::endpoint> endpoints;
  boost::system::error_code aec;
  auto literal = asio::ip::make_address(settings_.host, aec);
  if (!aec) {
    endpoints.emplace_back(literal, settings_.port);
  } else {
    ex->timer.expires_at(deadline);
    // Not inside a co_await expression: a by-value capture is safe here (g++ 12).
    auto on_deadline = [ex](boost::system::error_code ec) {
      if (!ec) ex->resolver.cancel();
    };
    ex->timer.async_wait(on_deadline);
    auto [rec, results] = co_await ex->resolver.async_resolve(
        settings_.host, std::to_string(settings_.port), net::use_nothrow);
    ex->timer.cancel();
    if (rec) co_return failure(fmt::format("resolve {}: {}", settings_.host, rec.message()));
    for (const auto& r : results)
      endpoints.push_back(r.endpoint());
  }

  ex->stream.expires_at(deadline);
  auto [cec, connected] = co_await ex->stream.async_connect(endpoints, net::use_nothrow);
  if (cec) co_return failure(fmt::format("connect: {}", cec.message()));

  http::request<http::span_body<const char>> request(http::verb::post,
                                                     settings_.base_path + "/checkv2", 11);
  std::string host = settings_.host.find(':') != std::string::npos
                         ? fmt::format("[{}]:{}", settings_.host, settings_.port)
                         : fmt::format("{}:{}", settings_.host, settings_.port);
  request.set(http::field::host, host);
  request.set(http::field::user_agent, "facteur");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : rspamd_request_fields(envelope))
    request.insert(name, value);
  request.body() = {message.data(), message.size()};
  request.prepare_payload();
  auto [wec, written] = co_await http::async_write(ex->stream, request, net::use_nothrow);
  if (wec) co_return failure(fmt::format("send: {}", wec.message()));

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxReplyHeader);
  const RspamdReplyLimits limits;
  parser.body_limit(limits.max_bytes);
  auto [rec, read] = co_await http::async_read(ex->stream, buffer, parser, net::use_nothrow);
  if (rec) co_return failure(fmt::format("reply: {}", rec.message()));
  beast::error_code ignored;
  ex->stream.socket().shutdown(net::tcp::socket::shutdown_both, ignored);
  const auto& response = parser.get();
  if (response.result() != http::status::ok)
    co_return failure(fmt::format("HTTP {}", response.result_int()));
  auto reply = parse_rspamd_reply(response.body(), limits);
  if (!reply) co_return failure(reply.error().message);
  co_return std::move(*reply);
}

net::awaitable<RspamdResult> RspamdClient::check(std::string_view message,
                                                 const RspamdEnvelope& envelope) {
  RspamdResult out;
  if (message.size() > settings_.max_size) {
    out.status = RspamdResult::Status::skipped;
    out.error = fmt::format("{} bytes, above max_size", message.size());
    co_return out;
  }
  const auto start = std::chrono::steady_clock::now();
  auto reply = co_await exchange(message, envelope);
  out.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  if (reply) {
    out.status = RspamdResult::Status::scanned;
    out.reply = std::move(*reply);
  } else {
    out.status = RspamdResult::Status::failed;
    out.error = reply.error().message;
    // A time-out shows as "operation aborted" or "timeout": say which limit it was.
    if (out.elapsed >= settings_.timeout)
      out.error = fmt::format("no answer within {} ms", settings_.timeout.count());
  }
  co_return out;
}

}  // namespace facteur::server
