// facteur-pop3-load: POP3 retrieval load generator (RFC 1939; PIPELINING per RFC 2449).
//
// C clients in parallel, each logged into its own maildrop (USER/PASS), LIST every message, then
// RETR each one: lock-step, or with a window of W RETR commands in flight when the server offers
// PIPELINING. Each retrieved message is un-dot-stuffed and its size checked against LIST; a
// mismatch, an -ERR, a short maildrop (--expect) or a lost connection is an error. Nothing is
// deleted (no DELE), so the same maildrops can be read again. Reports messages/s and MB/s over
// the whole run (connect to QUIT) and over the retrieval phase alone, and login latencies.
// Bounded by --max-seconds and --io-timeout. Loopback addresses only.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/load_common.hpp"

namespace facteur::bench {
namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::size_t clients = 1;
  std::string user_pattern = "u{:02}@bench.test";
  std::size_t first_user = 1;
  std::string password = "secret";
  std::size_t window = 16;  // RETRs in flight when PIPELINING is offered
  bool pipelining = true;
  std::size_t expect = 0;  // messages per maildrop; 0 = whatever LIST says
  unsigned max_seconds = 120;
  unsigned io_timeout = 30;
  bool json = false;
};

bool ok_status(std::string_view line) {
  return line.starts_with("+OK");
}

// Reads a multi-line response body up to the "." line (RFC 1939 §3) and returns its size as
// stored: every line with its CRLF, byte-stuffing removed. nullopt when the connection is lost.
awaitable<std::optional<std::uint64_t>> read_body_size(Stream& s) {
  std::uint64_t octets = 0;
  for (;;) {
    auto data = s.buffered();
    std::size_t pos = 0;
    for (;;) {
      const char* start = data.data() + pos;
      const void* nl = std::memchr(start, '\n', data.size() - pos);
      if (nl == nullptr) break;
      auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - start) + 1;
      if (start[0] == '.') {
        if (len == 3 && start[1] == '\r') {
          s.consume(pos + len);
          co_return octets;
        }
        --len;  // the stuffed dot
        ++pos;
      }
      octets += len;
      pos += len;
    }
    s.consume(pos);
    if (!co_await s.fill()) co_return std::nullopt;
  }
}

class Run {
 public:
  Run(const Options& opt, asio::io_context& io, Watchdog& watchdog, tcp::endpoint endpoint)
      : opt_(opt), io_(io), watchdog_(watchdog), endpoint_(endpoint) {}

  awaitable<void> client(std::size_t k);
  void report(double seconds);
  bool success() const {
    return errors_.empty() && !watchdog_.expired() && clients_ok_ == opt_.clients;
  }

 private:
  void error(const std::string& kind, std::string_view detail = {}) {
    if (++errors_[kind] == 1 && !detail.empty())
      std::fprintf(stderr, "facteur-pop3-load: first '%s': %.*s\n", kind.c_str(),
                   static_cast<int>(detail.size()), detail.data());
  }
  awaitable<std::optional<std::string>> command(Stream& s, const std::string& line,
                                                const char* what);
  awaitable<bool> retrieve_all(Stream& s, const std::vector<std::uint64_t>& sizes, bool pipeline);

  const Options& opt_;
  asio::io_context& io_;
  Watchdog& watchdog_;
  tcp::endpoint endpoint_;
  std::uint64_t messages_ = 0;
  std::uint64_t bytes_ = 0;
  std::size_t clients_ok_ = 0;
  bool offered_ = false;
  bool used_ = false;
  std::optional<Clock::time_point> retr_first_;
  Clock::time_point retr_last_{};
  Latencies login_;
  ErrorCounts errors_;
};

// Sends one command and reads its status line; nullopt (after counting the error) unless +OK.
awaitable<std::optional<std::string>> Run::command(Stream& s, const std::string& line,
                                                   const char* what) {
  if (!co_await s.write(line)) {
    error(fmt::format("{} connection lost", what));
    co_return std::nullopt;
  }
  auto reply = co_await s.read_line();
  if (!reply) {
    error(fmt::format("{} connection lost", what));
    co_return std::nullopt;
  }
  if (!ok_status(*reply)) {
    error(fmt::format("{} -ERR", what), *reply);
    co_return std::nullopt;
  }
  co_return std::string(*reply);
}

awaitable<bool> Run::retrieve_all(Stream& s, const std::vector<std::uint64_t>& sizes,
                                  bool pipeline) {
  const std::size_t n = sizes.size();
  const std::size_t window = pipeline ? std::max<std::size_t>(opt_.window, 1) : 1;
  std::size_t sent = 0, done = 0;
  std::string out;
  auto t0 = Clock::now();
  if (!retr_first_ || t0 < *retr_first_) retr_first_ = t0;
  while (done < n) {
    // Keep the window full, writing in batches rather than one command per message.
    if (sent < n && (sent - done <= window / 2 || sent == done)) {
      out.clear();
      while (sent < n && sent - done < window)
        out += fmt::format("RETR {}\r\n", ++sent);
      if (!co_await s.write(out)) {
        error("RETR connection lost");
        co_return false;
      }
    }
    auto status = co_await s.read_line();
    if (!status) {
      error("RETR connection lost");
      co_return false;
    }
    if (!ok_status(*status)) {
      error("RETR -ERR", *status);
      ++done;
      continue;
    }
    auto size = co_await read_body_size(s);
    if (!size) {
      error("RETR connection lost");
      co_return false;
    }
    if (*size != sizes[done])
      error("size mismatch",
            fmt::format("message {}: LIST {} RETR {}", done + 1, sizes[done], *size));
    ++messages_;
    bytes_ += *size;
    ++done;
  }
  auto t1 = Clock::now();
  if (t1 > retr_last_) retr_last_ = t1;
  co_return true;
}

awaitable<void> Run::client(std::size_t k) {
  Stream s(io_, watchdog_);
  auto user = fmt::format(fmt::runtime(opt_.user_pattern), opt_.first_user + k);
  auto t0 = Clock::now();
  if (!co_await s.connect(endpoint_)) {
    error("connect");
    co_return;
  }
  auto greeting = co_await s.read_line();
  if (!greeting || !ok_status(*greeting)) {
    error("greeting", greeting ? *greeting : std::string_view());
    co_return;
  }
  bool offered = false;
  if (opt_.pipelining) {
    if (!co_await command(s, "CAPA\r\n", "CAPA")) co_return;
    for (;;) {
      auto line = co_await s.read_line();
      if (!line) {
        error("CAPA connection lost");
        co_return;
      }
      if (*line == ".") break;
      offered = offered || *line == "PIPELINING";
    }
  }
  offered_ = offered_ || offered;
  if (!co_await command(s, fmt::format("USER {}\r\n", user), "USER")) co_return;
  if (!co_await command(s, fmt::format("PASS {}\r\n", opt_.password), "PASS")) co_return;
  login_.add(Clock::now() - t0);
  if (!co_await command(s, "LIST\r\n", "LIST")) co_return;
  std::vector<std::uint64_t> sizes;
  for (;;) {
    auto line = co_await s.read_line();
    if (!line) {
      error("LIST connection lost");
      co_return;
    }
    if (*line == ".") break;
    // "n size" (RFC 1939 §5, LIST).
    std::uint64_t number = 0, size = 0;
    auto l = *line;
    auto sp = l.find(' ');
    auto [p1, e1] = std::from_chars(l.data(), l.data() + std::min(sp, l.size()), number);
    auto [p2, e2] = sp == std::string_view::npos
                        ? std::from_chars_result{l.data(), std::errc::invalid_argument}
                        : std::from_chars(l.data() + sp + 1, l.data() + l.size(), size);
    if (e1 != std::errc() || e2 != std::errc() || number != sizes.size() + 1) {
      error("LIST syntax", *line);
      co_return;
    }
    sizes.push_back(size);
  }
  if (opt_.expect != 0 && sizes.size() != opt_.expect)
    error("maildrop size",
          fmt::format("{}: {} messages, expected {}", user, sizes.size(), opt_.expect));
  bool pipeline = offered && opt_.pipelining && opt_.window > 1;
  used_ = used_ || pipeline;
  if (!co_await retrieve_all(s, sizes, pipeline)) co_return;
  if (!co_await command(s, "QUIT\r\n", "QUIT")) co_return;
  ++clients_ok_;
}

void Run::report(double seconds) {
  double retr_seconds = retr_first_ ? seconds_between(*retr_first_, retr_last_) : 0;
  auto per_s = [](double n, double s) { return s > 0 ? n / s : 0.0; };
  double rate = per_s(static_cast<double>(messages_), seconds);
  double mbps = per_s(static_cast<double>(bytes_), seconds) / 1e6;
  double retr_rate = per_s(static_cast<double>(messages_), retr_seconds);
  auto errors = errors_;
  if (watchdog_.stalls() > 0) errors["stalled connection closed"] += watchdog_.stalls();
  if (watchdog_.expired()) errors["run time limit reached"] += 1;
  std::fprintf(stderr,
               "facteur-pop3-load: %s:%u, %zu clients, pipelining %s (%s, window %zu)\n"
               "  retrieved %llu messages, %.1f MB, in %.3f s: %.1f msg/s, %.1f MB/s "
               "(retrieval phase %.3f s: %.1f msg/s)\n"
               "  login ms: p50 %.2f max %.2f; clients done %zu; errors: %s\n",
               opt_.host.c_str(), opt_.port, opt_.clients, used_ ? "used" : "not used",
               !opt_.pipelining ? "turned off"
               : offered_       ? "offered"
                                : "not offered",
               opt_.window, static_cast<unsigned long long>(messages_),
               static_cast<double>(bytes_) / 1e6, seconds, rate, mbps, retr_seconds, retr_rate,
               login_.percentile_ms(0.5), login_.max_ms(), clients_ok_,
               describe_errors(errors).c_str());
  if (!opt_.json) return;
  nlohmann::json j;
  j["tool"] = "pop3-load";
  j["host"] = opt_.host;
  j["port"] = opt_.port;
  j["clients"] = opt_.clients;
  j["window"] = opt_.window;
  j["pipelining_offered"] = offered_;
  j["pipelining_used"] = used_;
  j["messages"] = messages_;
  j["bytes"] = bytes_;
  j["seconds"] = seconds;
  j["msgs_per_s"] = rate;
  j["mb_per_s"] = mbps;
  j["retr_seconds"] = retr_seconds;
  j["retr_msgs_per_s"] = retr_rate;
  j["login_ms"] = {{"p50", login_.percentile_ms(0.5)}, {"max", login_.max_ms()}};
  j["clients_ok"] = clients_ok_;
  j["errors"] = errors;
  j["timed_out"] = watchdog_.expired();
  j["success"] = success() && watchdog_.stalls() == 0;
  std::printf("%s\n", j.dump().c_str());
}

int run(const Options& opt) {
  auto endpoint = loopback_endpoint(opt.host, opt.port);
  if (!endpoint || opt.port == 0) {
    std::fprintf(stderr, "facteur-pop3-load: --host must be a loopback address and --port set\n");
    return 2;
  }
  asio::io_context io(1);
  Watchdog watchdog(io, std::chrono::seconds(opt.max_seconds),
                    std::chrono::seconds(opt.io_timeout));
  Run run(opt, io, watchdog, *endpoint);
  watchdog.start();
  std::size_t running = opt.clients;
  auto start = Clock::now();
  Clock::time_point end;
  for (std::size_t k = 0; k < opt.clients; ++k) {
    asio::co_spawn(
        io,
        [&, k]() -> awaitable<void> {
          co_await run.client(k);
          if (--running == 0) {
            end = Clock::now();
            watchdog.stop();
          }
        },
        asio::detached);
  }
  io.run();
  run.report(seconds_between(start, end));
  return run.success() && watchdog.stalls() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace facteur::bench

int main(int argc, char** argv) {
  facteur::bench::Options opt;
  CLI::App app{"POP3 retrieval load generator (loopback only)", "facteur-pop3-load"};
  app.add_option("--host", opt.host, "server address (loopback)")->capture_default_str();
  app.add_option("--port", opt.port, "server port");
  app.add_option("-c,--clients", opt.clients, "parallel clients, one maildrop each")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--user", opt.user_pattern, "user name pattern, {} = first-user + client")
      ->capture_default_str();
  app.add_option("--first-user", opt.first_user, "number of the first client's user")
      ->capture_default_str();
  app.add_option("--password", opt.password, "password of every user")->capture_default_str();
  app.add_option("-w,--window", opt.window, "RETR commands in flight when pipelining")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  bool no_pipelining = false;
  app.add_flag("--no-pipelining", no_pipelining, "one command at a time, even when offered");
  app.add_option("--expect", opt.expect, "messages each maildrop must hold (0: any)")
      ->capture_default_str();
  app.add_option("--max-seconds", opt.max_seconds, "hard limit on the run time")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--io-timeout", opt.io_timeout, "close a connection idle this long")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  app.add_flag("--json", opt.json, "print one JSON object with the results on stdout");
  CLI11_PARSE(app, argc, argv);
  opt.pipelining = !no_pipelining;
  try {
    return facteur::bench::run(opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "facteur-pop3-load: %s\n", e.what());
    return 2;
  }
}
