#include "bench/load_common.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

namespace facteur::bench {

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<tcp::endpoint> loopback_endpoint(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec || !address.is_loopback()) return std::nullopt;
  return tcp::endpoint(address, port);
}

Stream::Stream(asio::io_context& io, Watchdog& watchdog)
    : socket_(io), watchdog_(watchdog), buf_(64 * 1024), last_progress_(Clock::now()) {
  watchdog_.add(this);
}

Stream::~Stream() {
  watchdog_.remove(this);
}

void Stream::close() {
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

awaitable<bool> Stream::connect(const tcp::endpoint& to) {
  busy_ = true;
  last_progress_ = Clock::now();
  auto [ec] = co_await socket_.async_connect(to, use_nothrow);
  busy_ = false;
  if (ec) co_return false;
  socket_.set_option(tcp::no_delay(true), ec);
  co_return true;
}

awaitable<bool> Stream::fill() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (begin_ > 0 && (end_ == buf_.size() || begin_ > buf_.size() / 2)) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) {
    if (buf_.size() >= kMaxBuffer) co_return false;
    buf_.resize(buf_.size() * 2);
  }
  busy_ = true;
  last_progress_ = Clock::now();
  auto [ec, n] = co_await socket_.async_read_some(
      asio::buffer(buf_.data() + end_, buf_.size() - end_), use_nothrow);
  busy_ = false;
  last_progress_ = Clock::now();
  if (ec || n == 0) co_return false;
  end_ += n;
  co_return true;
}

awaitable<std::optional<std::string_view>> Stream::read_line() {
  std::size_t scanned = 0;
  for (;;) {
    const char* start = buf_.data() + begin_;
    const std::size_t avail = end_ - begin_;
    if (const void* nl = std::memchr(start + scanned, '\n', avail - scanned)) {
      auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
      begin_ += len + 1;
      if (len > 0 && start[len - 1] == '\r') --len;
      co_return std::string_view(start, len);
    }
    scanned = avail;
    if (!co_await fill()) co_return std::nullopt;
  }
}

awaitable<bool> Stream::write(std::string_view bytes) {
  // A coroutine itself, so the buffer outlives the lazy write_buffers() awaitable (returning
  // write_buffers(asio::buffer(...)) directly left it a dangling reference to a temporary).
  const auto buffer = asio::buffer(bytes.data(), bytes.size());
  co_return co_await write_buffers(buffer);
}

Watchdog::Watchdog(asio::io_context& io, std::chrono::seconds run_limit,
                   std::chrono::seconds io_timeout)
    : io_(io), timer_(io), deadline_(Clock::now() + run_limit), io_timeout_(io_timeout) {}

void Watchdog::stop() {
  stopped_ = true;
  timer_.cancel();
}

void Watchdog::start() {
  asio::co_spawn(io_, loop(), asio::detached);
}

awaitable<void> Watchdog::loop() {
  while (!stopped_) {
    timer_.expires_after(std::chrono::milliseconds(200));
    co_await timer_.async_wait(use_nothrow);
    if (stopped_) break;
    auto now = Clock::now();
    if (now >= deadline_) {
      expired_ = true;
      // Closing completes each pending operation with an error; its owner stops.
      std::vector<Stream*> all(streams_.begin(), streams_.end());
      for (auto* s : all)
        s->close();
      break;
    }
    for (auto* s : streams_) {
      if (s->stalled(now, io_timeout_)) {
        ++stalls_;
        s->close();
      }
    }
  }
}

void Latencies::add(Clock::duration d) {
  us_.push_back(std::chrono::duration<double, std::micro>(d).count());
  sorted_ = false;
}

double Latencies::percentile_ms(double q) {
  if (us_.empty()) return 0;
  if (!sorted_) {
    std::sort(us_.begin(), us_.end());
    sorted_ = true;
  }
  auto rank = static_cast<std::size_t>(q * static_cast<double>(us_.size() - 1) + 0.5);
  return us_[std::min(rank, us_.size() - 1)] / 1000.0;
}

double Latencies::mean_ms() const {
  if (us_.empty()) return 0;
  return std::accumulate(us_.begin(), us_.end(), 0.0) / static_cast<double>(us_.size()) / 1000.0;
}

double Latencies::max_ms() {
  return percentile_ms(1.0);
}

std::string describe_errors(const ErrorCounts& errors) {
  if (errors.empty()) return "none";
  std::string out;
  for (const auto& [kind, n] : errors) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} x{}", kind, n);
  }
  return out;
}

}  // namespace facteur::bench
