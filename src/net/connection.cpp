#include "net/connection.hpp"

#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace facteur::net {

Connection::Connection(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls)
    : plain_(std::move(socket)), tls_ctx_(std::move(tls)), timer_(plain_.get_executor()) {
  boost::system::error_code ec;
  peer_ = plain_.remote_endpoint(ec);
  local_ = plain_.local_endpoint(ec);
  plain_.set_option(tcp::no_delay(true), ec);
}

void Connection::arm(Duration timeout) {
  timed_out_ = false;
  auto gen = ++generation_;
  timer_.expires_after(timeout);
  timer_.async_wait([this, gen](boost::system::error_code ec) {
    if (ec || gen != generation_) return;
    timed_out_ = true;
    boost::system::error_code ignored;
    socket().cancel(ignored);
  });
}

void Connection::disarm() {
  ++generation_;
  timer_.cancel();
}

awaitable<ReadResult> Connection::read_some(std::span<char> buf, Duration timeout) {
  if (closed_) co_return ReadResult{0, IoStatus::error};
  arm(timeout);
  auto buffer = asio::buffer(buf.data(), buf.size());
  auto [ec, n] = tls_ ? co_await tls_->async_read_some(buffer, use_nothrow)
                      : co_await plain_.async_read_some(buffer, use_nothrow);
  disarm();
  if (!ec) co_return ReadResult{n, IoStatus::ok};
  if (interrupted_) {
    interrupted_ = false;
    co_return ReadResult{n, IoStatus::interrupted};
  }
  if (timed_out_) co_return ReadResult{n, IoStatus::timeout};
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
    co_return ReadResult{n, IoStatus::eof};
  co_return ReadResult{n, IoStatus::error};
}

awaitable<bool> Connection::write_all(std::string_view data, Duration timeout) {
  if (closed_) co_return false;
  arm(timeout);
  auto buffer = asio::buffer(data.data(), data.size());
  auto [ec, n] = tls_ ? co_await asio::async_write(*tls_, buffer, use_nothrow)
                      : co_await asio::async_write(plain_, buffer, use_nothrow);
  disarm();
  co_return !ec && n == data.size();
}

awaitable<bool> Connection::start_tls(Duration timeout) {
  if (!tls_ctx_ || tls_ || closed_) co_return false;
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(plain_), *tls_ctx_);
  arm(timeout);
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, use_nothrow);
  disarm();
  co_return !ec;
}

awaitable<void> Connection::shutdown(Duration timeout) {
  if (closed_) co_return;
  if (tls_) {
    arm(timeout);
    co_await tls_->async_shutdown(use_nothrow);
    disarm();
  }
  close();
}

void Connection::interrupt() {
  interrupted_ = true;
  boost::system::error_code ec;
  socket().cancel(ec);
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  disarm();
  boost::system::error_code ec;
  socket().shutdown(tcp::socket::shutdown_both, ec);
  socket().close(ec);
}

std::string Connection::tls_description() const {
  if (!tls_) return {};
  SSL* ssl = const_cast<asio::ssl::stream<tcp::socket>&>(*tls_).native_handle();
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  int bits = cipher ? SSL_CIPHER_get_bits(cipher, nullptr) : 0;
  return fmt::format("version={} cipher={} bits={}", SSL_get_version(ssl),
                     cipher ? SSL_CIPHER_get_name(cipher) : "?", bits);
}

}  // namespace facteur::net
