// Listener: a bound TCP acceptor and its accept loop. Accepted sockets are handed to `on_accept`
// on the io_context chosen by the IoPool (round-robin), where the session then lives.
#pragma once

#include <functional>
#include <memory>

#include "base/config.hpp"
#include "base/result.hpp"
#include "net/asio.hpp"
#include "net/io_pool.hpp"

namespace facteur::net {

// Binds (SO_REUSEADDR, IPV6_V6ONLY for v6) and listens. Errors name the address.
Result<tcp::acceptor> bind_acceptor(asio::io_context& ctx, const ListenAddress& address);

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  using Handler = std::function<void(tcp::socket)>;

  Listener(tcp::acceptor acceptor, IoPool& pool, Handler on_accept);
  void start();  // spawns the accept loop on the acceptor's executor
  void stop();   // closes the acceptor; the loop ends
  tcp::endpoint endpoint() const;

 private:
  awaitable<void> accept_loop();

  tcp::acceptor acceptor_;
  IoPool& pool_;
  Handler on_accept_;
};

}  // namespace facteur::net
