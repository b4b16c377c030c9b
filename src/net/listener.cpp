#include "net/listener.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "base/log.hpp"

namespace facteur::net {

Result<tcp::acceptor> bind_acceptor(asio::io_context& ctx, const ListenAddress& address) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  if (ec)
    return make_error(Errc::invalid_argument,
                      fmt::format("bad listen address {}", address.to_string()));
  tcp::endpoint endpoint(ip, address.port);
  tcp::acceptor acceptor(ctx);
  auto fail = [&](const char* what) {
    return make_error(Errc::io_error,
                      fmt::format("{} {}: {}", what, address.to_string(), ec.message()));
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("cannot open");
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ip.is_v6()) acceptor.set_option(boost::asio::ip::v6_only(true), ec);
  acceptor.bind(endpoint, ec);
  if (ec) return fail("cannot bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("cannot listen on");
  return acceptor;
}

Listener::Listener(tcp::acceptor acceptor, IoPool& pool, Handler on_accept)
    : acceptor_(std::move(acceptor)), pool_(pool), on_accept_(std::move(on_accept)) {}

void Listener::start() {
  asio::co_spawn(
      acceptor_.get_executor(), [self = shared_from_this()] { return self->accept_loop(); },
      asio::detached);
}

void Listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
  });
}

tcp::endpoint Listener::endpoint() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec);
}

awaitable<void> Listener::accept_loop() {
  while (acceptor_.is_open()) {
    auto& ctx = pool_.next();
    auto [ec, socket] = co_await acceptor_.async_accept(ctx, use_nothrow);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec) {
      // EMFILE and friends: back off briefly rather than spin.
      spdlog::warn("accept on {}: {}", endpoint().port(), ec.message());
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(use_nothrow);
      continue;
    }
    on_accept_(std::move(socket));
  }
}

}  // namespace facteur::net
