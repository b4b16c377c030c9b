// Shared pieces of the load generators (facteur-smtp-load, facteur-pop3-load): a buffered client
// stream over TCP, a watchdog that bounds every run in time, and latency statistics.
// Trust: none needed; these are test clients that only ever connect to loopback addresses.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace facteur::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
template <class T = void>
using awaitable = asio::awaitable<T>;
inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

double seconds_between(Clock::time_point a, Clock::time_point b);
std::int64_t unix_now_ns();

// Loopback only: the benchmarks must never send traffic anywhere else.
std::optional<tcp::endpoint> loopback_endpoint(const std::string& host, std::uint16_t port);

class Watchdog;

// A client connection: buffered line reads and whole writes, errors as values (false/nullopt),
// never exceptions. The watchdog closes it when it stalls or the run's deadline passes.
class Stream {
 public:
  static constexpr std::size_t kMaxBuffer = 1 << 20;  // longest line we accept

  Stream(asio::io_context& io, Watchdog& watchdog);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  awaitable<bool> connect(const tcp::endpoint& to);
  // The next line without its CRLF (or LF); the view lives until the next read. nullopt on
  // error, EOF, or a line longer than kMaxBuffer.
  awaitable<std::optional<std::string_view>> read_line();
  // Reads more bytes into the buffer; false on error or EOF.
  awaitable<bool> fill();
  std::string_view buffered() const { return {buf_.data() + begin_, end_ - begin_}; }
  void consume(std::size_t n) { begin_ += n; }

  awaitable<bool> write(std::string_view bytes);
  template <class Buffers>
  awaitable<bool> write_buffers(const Buffers& buffers);

  void close();
  bool stalled(Clock::time_point now, Clock::duration limit) const {
    return busy_ && now - last_progress_ > limit;
  }

 private:
  tcp::socket socket_;
  Watchdog& watchdog_;
  std::vector<char> buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool busy_ = false;  // an operation is pending
  Clock::time_point last_progress_;
};

// Bounds a run: past the deadline every stream is closed and expired() turns true; a stream
// with an operation pending and no progress for io_timeout is closed (its owner sees an error).
class Watchdog {
 public:
  Watchdog(asio::io_context& io, std::chrono::seconds run_limit, std::chrono::seconds io_timeout);
  void start();
  void stop();
  bool expired() const { return expired_; }
  std::uint64_t stalls() const { return stalls_; }
  void add(Stream* s) { streams_.insert(s); }
  void remove(Stream* s) { streams_.erase(s); }

 private:
  awaitable<void> loop();

  asio::io_context& io_;
  asio::steady_timer timer_;
  Clock::time_point deadline_;
  Clock::duration io_timeout_;
  std::unordered_set<Stream*> streams_;
  bool expired_ = false;
  bool stopped_ = false;
  std::uint64_t stalls_ = 0;
};

// Latencies in microseconds.
class Latencies {
 public:
  void add(Clock::duration d);
  std::size_t count() const { return us_.size(); }
  // q in [0, 1]; sorts on first use after an add. 0 when empty.
  double percentile_ms(double q);
  double mean_ms() const;
  double max_ms();

 private:
  std::vector<double> us_;
  bool sorted_ = true;
};

// Error kinds with counts ("RCPT 550", "connect", "stall"...), printed in the summary.
using ErrorCounts = std::map<std::string, std::uint64_t>;

std::string describe_errors(const ErrorCounts& errors);

template <class Buffers>
awaitable<bool> Stream::write_buffers(const Buffers& buffers) {
  busy_ = true;
  last_progress_ = Clock::now();
  auto [ec, n] = co_await asio::async_write(socket_, buffers, use_nothrow);
  busy_ = false;
  last_progress_ = Clock::now();
  (void)n;
  co_return !ec;
}

}  // namespace facteur::bench
