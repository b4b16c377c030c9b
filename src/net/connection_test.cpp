#include "net/connection.hpp"

#include <filesystem>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "net/tls_context.hpp"

namespace facteur::net {
namespace {

using namespace std::chrono_literals;

struct Pair {
  asio::io_context ctx;
  tcp::acceptor acceptor{ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  tcp::socket client{ctx};
  tcp::socket server{ctx};
  Pair() {
    client.connect(acceptor.local_endpoint());
    server = acceptor.accept();
  }
};

TEST(Connection, ReadsAndWritesPlaintext) {
  Pair p;
  Connection conn(std::move(p.server), nullptr);
  EXPECT_TRUE(conn.peer_is_loopback());
  EXPECT_FALSE(conn.tls_available());
  std::string got;
  asio::co_spawn(
      p.ctx,
      [&]() -> awaitable<void> {
        EXPECT_TRUE(co_await conn.write_all("hello\r\n", 1s));
        char buf[16];
        auto r = co_await conn.read_some(buf, 1s);
        EXPECT_EQ(r.status, IoStatus::ok);
        got.assign(buf, r.bytes);
        r = co_await conn.read_some(buf, 1s);
        EXPECT_EQ(r.status, IoStatus::eof);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  asio::write(p.client, asio::buffer(std::string_view("ping")));
  p.ctx.run_for(200ms);
  p.client.shutdown(tcp::socket::shutdown_send);
  p.ctx.restart();
  p.ctx.run_for(500ms);
  EXPECT_EQ(got, "ping");
}

TEST(Connection, ReadTimesOut) {
  Pair p;
  Connection conn(std::move(p.server), nullptr);
  IoStatus status = IoStatus::ok;
  auto start = std::chrono::steady_clock::now();
  asio::co_spawn(
      p.ctx,
      [&]() -> awaitable<void> {
        char buf[16];
        auto r = co_await conn.read_some(buf, 50ms);
        status = r.status;
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  p.ctx.run_for(2s);
  EXPECT_EQ(status, IoStatus::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(Connection, StartTlsWithSelfSignedCertificate) {
  auto dir = std::filesystem::temp_directory_path() / ("facteur-tls-" + std::to_string(::getpid()));
  auto files = ensure_self_signed(dir, "mx.example.test");
  ASSERT_TRUE(files) << files.error().message;
  auto again = ensure_self_signed(dir, "mx.example.test");  // reused, not regenerated
  ASSERT_TRUE(again);
  auto ctx = make_server_tls_context(*files);
  ASSERT_TRUE(ctx) << ctx.error().message;

  Pair p;
  Connection conn(std::move(p.server), *ctx);
  asio::ssl::context client_ctx(asio::ssl::context::tls_client);
  // TLS 1.1 must be refused: the floor is 1.2.
  SSL_CTX_set_min_proto_version(client_ctx.native_handle(), TLS1_2_VERSION);
  asio::ssl::stream<tcp::socket&> client(p.client, client_ctx);
  bool server_ok = false;
  std::string received;
  asio::co_spawn(
      p.ctx,
      [&]() -> awaitable<void> {
        server_ok = co_await conn.start_tls(2s);
        char buf[32];
        auto r = co_await conn.read_some(buf, 2s);
        received.assign(buf, r.bytes);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  std::thread t([&] {
    boost::system::error_code ec;
    client.handshake(asio::ssl::stream_base::client, ec);
    EXPECT_FALSE(ec) << ec.message();
    asio::write(client, asio::buffer(std::string_view("secret")), ec);
  });
  p.ctx.run_for(3s);
  t.join();
  EXPECT_TRUE(server_ok);
  EXPECT_TRUE(conn.secure());
  EXPECT_NE(conn.tls_description().find("TLSv1."), std::string::npos);
  EXPECT_EQ(received, "secret");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace facteur::net
