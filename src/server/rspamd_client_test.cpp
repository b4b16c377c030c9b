// The rspamd client against a stand-in HTTP server on a loopback port: what it sends to
// /checkv2, and how it reports error replies, garbage, silence and refused connections.
#include "server/rspamd_client.hpp"

#include <functional>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>

namespace facteur::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Request = http::request<http::string_body>;

// Answers one connection: `reply` gets the request and returns (status, body); nullopt keeps
// the connection open without answering (a hung scanner).
using Handler = std::function<std::optional<std::pair<int, std::string>>(const Request&)>;

class FakeRspamd {
 public:
  FakeRspamd(asio::io_context& io, Handler handler)
      : acceptor_(io, net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        handler_(std::move(handler)) {
    asio::co_spawn(io, serve(), asio::detached);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int connections = 0;

 private:
  net::awaitable<void> serve() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(net::use_nothrow);
      if (ec) co_return;
      ++connections;
      beast::tcp_stream stream(std::move(socket));
      beast::flat_buffer buffer;
      Request request;
      auto [rec, n] = co_await http::async_read(stream, buffer, request, net::use_nothrow);
      if (rec) continue;
      auto answer = handler_(request);
      if (!answer) {
        held_.push_back(std::move(stream));
        continue;
      }
      http::response<http::string_body> response(static_cast<http::status>(answer->first), 11);
      response.set(http::field::content_type, "application/json");
      response.body() = answer->second;
      response.prepare_payload();
      co_await http::async_write(stream, response, net::use_nothrow);
    }
  }

  net::tcp::acceptor acceptor_;
  Handler handler_;
  std::vector<beast::tcp_stream> held_;
};

RspamdSettings settings_for(std::uint16_t port) {
  RspamdSettings s;
  s.enabled = true;
  s.host = "127.0.0.1";
  s.port = port;
  s.timeout = std::chrono::milliseconds(300);
  return s;
}

RspamdResult run_check(asio::io_context& io, RspamdClient& client, std::string_view message,
                       const RspamdEnvelope& env) {
  std::optional<RspamdResult> out;
  // io.stop(): the stand-in server's accept loop would keep run_for() going.
  auto task = [&]() -> net::awaitable<void> {
    out = co_await client.check(message, env);
    io.stop();
  };
  asio::co_spawn(io, task(), asio::detached);
  io.run_for(std::chrono::seconds(10));
  io.restart();
  EXPECT_TRUE(out.has_value());
  return out.value_or(RspamdResult{});
}

constexpr std::string_view kMessage = "Subject: hi\r\n\r\nhello\r\n";

TEST(RspamdClient, PostsTheMessageWithTheEnvelope) {
  asio::io_context io;
  std::optional<Request> seen;
  FakeRspamd fake(io, [&](const Request& r) -> std::optional<std::pair<int, std::string>> {
    seen = r;
    return std::pair{200, std::string(R"({"score": 2.5, "required_score": 15,
        "action": "no action", "symbols": {"X": {"score": 2.5}}})")};
  });
  auto s = settings_for(fake.port());
  s.base_path = "/scan";
  s.password = "pw";
  RspamdClient client(s);
  RspamdEnvelope env;
  env.ip = "192.0.2.1";
  env.helo = "client.example.net";
  env.mail_from = "bob@example.net";
  env.rcpts = {"a@example.test", "b@example.test"};
  env.queue_id = "Q1";
  env.password = s.password;
  auto r = run_check(io, client, kMessage, env);
  ASSERT_EQ(r.status, RspamdResult::Status::scanned) << r.error;
  EXPECT_DOUBLE_EQ(r.reply.score, 2.5);
  EXPECT_EQ(r.reply.action, RspamdAction::no_action);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->method(), http::verb::post);
  EXPECT_EQ(seen->target(), "/scan/checkv2");
  EXPECT_EQ(seen->body(), kMessage);
  EXPECT_EQ((*seen)["IP"], "192.0.2.1");
  EXPECT_EQ((*seen)["Helo"], "client.example.net");
  EXPECT_EQ((*seen)["From"], "bob@example.net");
  EXPECT_EQ((*seen)["Queue-Id"], "Q1");
  EXPECT_EQ((*seen)["Password"], "pw");
  EXPECT_EQ(seen->count("Rcpt"), 2u);
  EXPECT_EQ(seen->count("User"), 0u);
}

TEST(RspamdClient, ErrorsAreReportedNotThrown) {
  struct Case {
    const char* what;
    int status;
    std::string body;
  };
  const Case table[] = {{"HTTP 500", 500, R"({"error": "boom"})"},
                        {"garbage", 200, "<html>not json</html>"},
                        {"missing action", 200, R"({"score": 1})"}};
  for (const auto& c : table) {
    asio::io_context io;
    FakeRspamd fake(io, [&](const Request&) -> std::optional<std::pair<int, std::string>> {
      return std::pair{c.status, c.body};
    });
    RspamdClient client(settings_for(fake.port()));
    auto r = run_check(io, client, kMessage, RspamdEnvelope{});
    EXPECT_EQ(r.status, RspamdResult::Status::failed) << c.what;
    EXPECT_FALSE(r.error.empty()) << c.what;
  }
}

TEST(RspamdClient, SilenceEndsAtTheTimeout) {
  asio::io_context io;
  FakeRspamd fake(io, [](const Request&) -> std::optional<std::pair<int, std::string>> {
    return std::nullopt;
  });
  RspamdClient client(settings_for(fake.port()));
  auto r = run_check(io, client, kMessage, RspamdEnvelope{});
  EXPECT_EQ(r.status, RspamdResult::Status::failed);
  EXPECT_GE(r.elapsed, std::chrono::milliseconds(300));
  EXPECT_LT(r.elapsed, std::chrono::seconds(5));
  EXPECT_EQ(r.error, "no answer within 300 ms");
}

TEST(RspamdClient, RefusedConnectionAndStop) {
  asio::io_context io;
  std::uint16_t closed_port = 0;
  {
    net::tcp::acceptor probe(io, net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }
  RspamdClient client(settings_for(closed_port));
  auto r = run_check(io, client, kMessage, RspamdEnvelope{});
  EXPECT_EQ(r.status, RspamdResult::Status::failed);
  EXPECT_NE(r.error.find("connect"), std::string::npos) << r.error;
  // After stop(), nothing is attempted any more.
  client.stop();
  r = run_check(io, client, kMessage, RspamdEnvelope{});
  EXPECT_EQ(r.status, RspamdResult::Status::failed);
  EXPECT_EQ(r.error, "shutting down");
}

TEST(RspamdClient, StopEndsAnExchangeInProgress) {
  asio::io_context io;
  FakeRspamd fake(io, [](const Request&) -> std::optional<std::pair<int, std::string>> {
    return std::nullopt;
  });
  auto s = settings_for(fake.port());
  s.timeout = std::chrono::seconds(30);
  RspamdClient client(s);
  std::optional<RspamdResult> out;
  RspamdEnvelope env;
  auto task = [&]() -> net::awaitable<void> {
    out = co_await client.check(kMessage, env);
    io.stop();
  };
  asio::co_spawn(io, task(), asio::detached);
  asio::steady_timer later(io, std::chrono::milliseconds(100));
  later.async_wait([&](boost::system::error_code) { client.stop(); });
  auto start = std::chrono::steady_clock::now();
  io.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, RspamdResult::Status::failed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(RspamdClient, LargerThanMaxSizeIsNotSent) {
  asio::io_context io;
  FakeRspamd fake(io, [](const Request&) -> std::optional<std::pair<int, std::string>> {
    return std::pair{200, std::string(R"({"score": 0, "action": "no action"})")};
  });
  auto s = settings_for(fake.port());
  s.max_size = kMessage.size() - 1;
  RspamdClient client(s);
  auto r = run_check(io, client, kMessage, RspamdEnvelope{});
  EXPECT_EQ(r.status, RspamdResult::Status::skipped);
  EXPECT_EQ(fake.connections, 0);
  s.max_size = kMessage.size();
  RspamdClient exact(s);
  EXPECT_EQ(run_check(io, exact, kMessage, RspamdEnvelope{}).status, RspamdResult::Status::scanned);
}

}  // namespace
}  // namespace facteur::server
