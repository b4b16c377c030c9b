// Connection: one accepted TCP connection, plaintext or TLS (implicit, or upgraded by
// STARTTLS/STLS). Sessions use it to move bytes with per-operation timeouts; it never throws.
// Security: faces the internet; TLS state and timeouts are enforced here.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/asio.hpp"

namespace facteur::net {

enum class IoStatus { ok, eof, timeout, interrupted, error };

struct ReadResult {
  std::size_t bytes = 0;
  IoStatus status = IoStatus::ok;
};

class Connection {
 public:
  using Duration = std::chrono::steady_clock::duration;

  Connection(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Reads whatever is available, at most buf.size() bytes.
  awaitable<ReadResult> read_some(std::span<char> buf, Duration timeout);
  // Writes all of data; false on error or timeout (the connection is then unusable).
  awaitable<bool> write_all(std::string_view data, Duration timeout);
  // Server-side TLS handshake; afterwards all I/O is encrypted. False on failure.
  awaitable<bool> start_tls(Duration timeout);
  // Best-effort TLS close_notify (bounded by timeout) and socket close.
  awaitable<void> shutdown(Duration timeout);

  bool tls_available() const { return tls_ctx_ != nullptr; }
  bool secure() const { return tls_ != nullptr; }
  // "TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256", for Received: and logs.
  std::string tls_description() const;

  const tcp::endpoint& peer() const { return peer_; }
  const tcp::endpoint& local() const { return local_; }
  bool peer_is_loopback() const { return peer_.address().is_loopback(); }

  // Aborts pending operations (they complete with an error). Safe from this connection's executor.
  void close();
  // Cancels a pending read or write, which completes with IoStatus::interrupted; the connection
  // stays usable (e.g. to send "421 shutting down"). Safe from this connection's executor.
  void interrupt();
  bool closed() const { return closed_; }

  asio::any_io_executor executor() { return socket().get_executor(); }

 private:
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }
  void arm(Duration timeout);
  void disarm();

  tcp::socket plain_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
  std::shared_ptr<asio::ssl::context> tls_ctx_;
  asio::steady_timer timer_;
  std::uint64_t generation_ = 0;  // tells a stale timer expiry from the current one
  bool timed_out_ = false;
  bool interrupted_ = false;
  bool closed_ = false;
  tcp::endpoint peer_;
  tcp::endpoint local_;
};

}  // namespace facteur::net
