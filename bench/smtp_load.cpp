// facteur-smtp-load: SMTP ingest load generator (RFC 5321, PIPELINING per RFC 2920).
//
// N connections in parallel send M messages of S bytes in all, K per connection (EHLO, then
// MAIL/RCPT/DATA per message, then QUIT). With PIPELINING (when the server offers it and it is
// not turned off) the envelope goes out as one group and the next envelope rides behind the end
// of the previous message's data, so a message costs one round trip instead of four.
// Reports messages/s, latency percentiles (envelope sent -> final 250) and every error: any reply
// other than the expected 250/354/221 counts, nothing is retried or silently dropped.
// Bounded: stops after M messages, or at --max-seconds (exit 1), and closes a connection that
// makes no progress for --io-timeout. Loopback addresses only.
//
// --write-maildir BASE writes the same messages as Maildir files instead (no network), so a
// Maildir server (Dovecot) can be fed exactly what Facteur receives over SMTP.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/load_common.hpp"
#include "bench/message_factory.hpp"

namespace facteur::bench {
namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::size_t connections = 20;
  std::size_t messages = 20000;
  std::size_t per_connection = 100;
  bool pipelining = true;  // use it when offered
  unsigned max_seconds = 300;
  unsigned io_timeout = 60;
  bool json = false;
  std::string write_maildir;
  MessageSpec spec;
};

struct Reply {
  int code = 0;  // 0: connection lost; -1: not an SMTP reply
  std::string text;
};

// One reply, possibly multi-line (RFC 5321 §4.2.1); `lines` receives the text of each line.
awaitable<Reply> read_reply(Stream& s, std::vector<std::string>* lines = nullptr) {
  for (;;) {
    auto line = co_await s.read_line();
    if (!line) co_return Reply{};
    auto l = *line;
    bool digits = l.size() >= 3 && std::isdigit(static_cast<unsigned char>(l[0])) &&
                  std::isdigit(static_cast<unsigned char>(l[1])) &&
                  std::isdigit(static_cast<unsigned char>(l[2]));
    if (!digits || (l.size() > 3 && l[3] != ' ' && l[3] != '-'))
      co_return Reply{-1, std::string(l)};
    if (lines) lines->emplace_back(l.size() > 4 ? l.substr(4) : std::string_view());
    if (l.size() == 3 || l[3] == ' ')
      co_return Reply{(l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0'), std::string(l)};
  }
}

class Run {
 public:
  Run(const Options& opt, MessageFactory& factory, asio::io_context& io, Watchdog& watchdog,
      tcp::endpoint endpoint)
      : opt_(opt), factory_(factory), io_(io), watchdog_(watchdog), endpoint_(endpoint) {}

  awaitable<void> worker();
  void report(double seconds, std::int64_t start_ns, std::int64_t end_ns);
  bool success() const {
    return failed_ == 0 && ok_ == opt_.messages && !watchdog_.expired() && errors_.empty();
  }

 private:
  std::optional<std::size_t> claim() {
    if (aborted_ || watchdog_.expired() || next_ >= opt_.messages) return std::nullopt;
    return next_++;
  }
  bool finished() const { return aborted_ || watchdog_.expired() || next_ >= opt_.messages; }
  void error(const std::string& kind, const std::string& detail = {}) {
    if (++errors_[kind] == 1 && !detail.empty())
      std::fprintf(stderr, "facteur-smtp-load: first '%s': %s\n", kind.c_str(), detail.c_str());
  }
  void delivered(std::size_t index, Clock::duration latency) {
    ++ok_;
    bytes_ += factory_.size(index);
    latency_.add(latency);
  }
  void failed(const std::string& stage, const Reply& r) {
    ++failed_;
    if (r.code == 0)
      error(stage + " connection lost");
    else
      error(fmt::format("{} {}", stage, r.code), r.text);
  }
  void connection_failed(const std::string& kind, const std::string& detail = {}) {
    error(kind, detail);
    // A server that refuses everything must not keep us looping.
    if (++connect_failures_ > std::max<std::size_t>(10, 2 * opt_.connections)) aborted_ = true;
  }
  std::string envelope(std::size_t index) const {
    return fmt::format("MAIL FROM:<{}> BODY=7BIT SIZE={}\r\nRCPT TO:<{}>\r\nDATA\r\n",
                       factory_.spec().from, factory_.size(index), factory_.recipient(index));
  }

  awaitable<void> connection();
  awaitable<bool> send_lockstep(Stream& s);
  awaitable<bool> send_pipelined(Stream& s);
  awaitable<bool> reset(Stream& s);

  const Options& opt_;
  MessageFactory& factory_;
  asio::io_context& io_;
  Watchdog& watchdog_;
  tcp::endpoint endpoint_;
  std::size_t next_ = 0;
  std::uint64_t ok_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t connections_ = 0;
  std::size_t connect_failures_ = 0;
  bool offered_ = false;
  bool used_ = false;
  bool aborted_ = false;
  Latencies latency_;
  ErrorCounts errors_;
};

awaitable<void> Run::worker() {
  while (!finished())
    co_await connection();
}

awaitable<bool> Run::reset(Stream& s) {
  if (!co_await s.write("RSET\r\n")) co_return false;
  auto r = co_await read_reply(s);
  if (r.code != 250) {
    error(r.code == 0 ? "RSET connection lost" : fmt::format("RSET {}", r.code), r.text);
    co_return false;
  }
  co_return true;
}

awaitable<void> Run::connection() {
  Stream s(io_, watchdog_);
  ++connections_;
  if (!co_await s.connect(endpoint_)) {
    connection_failed("connect");
    co_return;
  }
  auto greeting = co_await read_reply(s);
  if (greeting.code != 220) {
    connection_failed(fmt::format("greeting {}", greeting.code), greeting.text);
    co_return;
  }
  std::vector<std::string> extensions;
  Reply ehlo;
  if (co_await s.write("EHLO loadgen.client.bench.test\r\n"))
    ehlo = co_await read_reply(s, &extensions);
  if (ehlo.code != 250) {
    connection_failed(fmt::format("EHLO {}", ehlo.code), ehlo.text);
    co_return;
  }
  bool offered = false;
  for (const auto& e : extensions) {
    std::string word = e.substr(0, e.find(' '));
    for (auto& c : word)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    offered = offered || word == "PIPELINING";
  }
  offered_ = offered_ || offered;
  bool pipeline = offered && opt_.pipelining;
  used_ = used_ || pipeline;
  bool alive = pipeline ? co_await send_pipelined(s) : co_await send_lockstep(s);
  if (!alive) co_return;
  if (!co_await s.write("QUIT\r\n")) {
    error("QUIT connection lost");
    co_return;
  }
  auto bye = co_await read_reply(s);
  if (bye.code != 221) error(fmt::format("QUIT {}", bye.code), bye.text);
}

awaitable<bool> Run::send_lockstep(Stream& s) {
  for (std::size_t k = 0; k < opt_.per_connection; ++k) {
    auto index = claim();
    if (!index) break;
    auto t0 = Clock::now();
    auto mail = fmt::format("MAIL FROM:<{}> BODY=7BIT SIZE={}\r\n", factory_.spec().from,
                            factory_.size(*index));
    Reply r;
    if (co_await s.write(mail)) r = co_await read_reply(s);
    if (r.code != 250) {
      failed("MAIL", r);
      if (r.code == 0 || !co_await reset(s)) co_return false;
      continue;
    }
    r = {};
    if (co_await s.write(fmt::format("RCPT TO:<{}>\r\n", factory_.recipient(*index))))
      r = co_await read_reply(s);
    if (r.code != 250) {
      failed("RCPT", r);
      if (r.code == 0 || !co_await reset(s)) co_return false;
      continue;
    }
    r = {};
    if (co_await s.write("DATA\r\n")) r = co_await read_reply(s);
    if (r.code != 354) {
      failed("DATA", r);
      if (r.code == 0 || !co_await reset(s)) co_return false;
      continue;
    }
    auto header = factory_.header(*index);
    std::array<asio::const_buffer, 3> content{asio::buffer(header),
                                              asio::buffer(factory_.body_wire()),
                                              asio::buffer(std::string_view(".\r\n"))};
    r = {};
    if (co_await s.write_buffers(content)) r = co_await read_reply(s);
    if (r.code == 250) {
      delivered(*index, Clock::now() - t0);
    } else {
      failed("end of data", r);
      if (r.code == 0) co_return false;
    }
  }
  co_return true;
}

awaitable<bool> Run::send_pipelined(Stream& s) {
  std::size_t claimed = 0;
  auto index = claim();
  if (!index) co_return true;
  ++claimed;
  auto t0 = Clock::now();
  if (!co_await s.write(envelope(*index))) {
    failed("MAIL", Reply{});
    co_return false;
  }
  while (index) {
    Reply replies[3];
    const char* stages[3] = {"MAIL", "RCPT", "DATA"};
    for (auto& r : replies)
      r = co_await read_reply(s);
    int bad = -1;
    for (int i = 0; i < 3 && bad < 0; ++i)
      if (replies[i].code != (i == 2 ? 354 : 250)) bad = i;
    if (bad >= 0) {
      // RFC 2920 §3.1: the server answers each command; DATA fails when no RCPT succeeded.
      bool lost = false;
      for (auto& r : replies)
        lost = lost || r.code == 0;
      failed(stages[bad], lost ? Reply{} : replies[bad]);
      if (lost || !co_await reset(s)) co_return false;
      index = claimed < opt_.per_connection ? claim() : std::nullopt;
      if (!index) break;
      ++claimed;
      t0 = Clock::now();
      if (!co_await s.write(envelope(*index))) {
        failed("MAIL", Reply{});
        co_return false;
      }
      continue;
    }
    // RFC 2920 §3.1: message content may start a group; the next envelope follows it.
    auto next = claimed < opt_.per_connection ? claim() : std::nullopt;
    std::string tail = ".\r\n";
    if (next) {
      tail += envelope(*next);
      ++claimed;
    }
    auto header = factory_.header(*index);
    std::array<asio::const_buffer, 3> content{
        asio::buffer(header), asio::buffer(factory_.body_wire()), asio::buffer(tail)};
    auto t_next = Clock::now();
    Reply end;
    if (co_await s.write_buffers(content)) end = co_await read_reply(s);
    if (end.code == 250) {
      delivered(*index, Clock::now() - t0);
    } else {
      failed("end of data", end);
      if (end.code == 0) {
        if (next) failed("MAIL", Reply{});
        co_return false;
      }
    }
    index = next;
    t0 = t_next;
  }
  co_return true;
}

void Run::report(double seconds, std::int64_t start_ns, std::int64_t end_ns) {
  double rate = seconds > 0 ? static_cast<double>(ok_) / seconds : 0;
  double mbps = seconds > 0 ? static_cast<double>(bytes_) / seconds / 1e6 : 0;
  auto errors = errors_;
  if (watchdog_.stalls() > 0) errors["stalled connection closed"] += watchdog_.stalls();
  if (watchdog_.expired()) errors["run time limit reached"] += 1;
  std::fprintf(
      stderr,
      "facteur-smtp-load: %s:%u, %zu connections, %zu messages of %zu bytes, %zu per "
      "connection, pipelining %s (%s)\n"
      "  accepted %llu (failed %llu, not sent %llu) in %.3f s: %.1f msg/s, %.1f MB/s\n"
      "  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  mean %.2f\n"
      "  connections %llu; errors: %s\n",
      opt_.host.c_str(), opt_.port, opt_.connections, opt_.messages, opt_.spec.size,
      opt_.per_connection, used_ ? "used" : "not used", offered_ ? "offered" : "not offered",
      static_cast<unsigned long long>(ok_), static_cast<unsigned long long>(failed_),
      static_cast<unsigned long long>(opt_.messages - ok_ - failed_), seconds, rate, mbps,
      latency_.percentile_ms(0.5), latency_.percentile_ms(0.9), latency_.percentile_ms(0.99),
      latency_.percentile_ms(0.999), latency_.max_ms(), latency_.mean_ms(),
      static_cast<unsigned long long>(connections_), describe_errors(errors).c_str());
  if (!opt_.json) return;
  nlohmann::json j;
  j["tool"] = "smtp-load";
  j["host"] = opt_.host;
  j["port"] = opt_.port;
  j["connections"] = opt_.connections;
  j["messages"] = opt_.messages;
  j["size"] = opt_.spec.size;
  j["per_connection"] = opt_.per_connection;
  j["pipelining_offered"] = offered_;
  j["pipelining_used"] = used_;
  j["ok"] = ok_;
  j["failed"] = failed_;
  j["bytes"] = bytes_;
  j["seconds"] = seconds;
  j["msgs_per_s"] = rate;
  j["mb_per_s"] = mbps;
  j["latency_ms"] = {{"p50", latency_.percentile_ms(0.5)},
                     {"p90", latency_.percentile_ms(0.9)},
                     {"p99", latency_.percentile_ms(0.99)},
                     {"p999", latency_.percentile_ms(0.999)},
                     {"max", latency_.max_ms()},
                     {"mean", latency_.mean_ms()}};
  j["connections_opened"] = connections_;
  j["errors"] = errors;
  j["timed_out"] = watchdog_.expired();
  j["start_unix_ns"] = start_ns;
  j["end_unix_ns"] = end_ns;
  j["success"] = success() && watchdog_.stalls() == 0;
  std::printf("%s\n", j.dump().c_str());
}

// Offline: the same messages as Maildir files (LF line ends, as an MDA writes them), with the
// trace fields a delivery agent adds.
int write_maildir(const Options& opt, const MessageFactory& factory) {
  namespace fs = std::filesystem;
  std::string body(factory.body());
  std::string body_lf;
  body_lf.reserve(body.size());
  for (char c : body)
    if (c != '\r') body_lf.push_back(c);
  auto now = std::time(nullptr);
  std::error_code ec;
  for (std::size_t i = 0; i < opt.messages; ++i) {
    auto rcpt = factory.recipient(i);
    auto local = rcpt.substr(0, rcpt.find('@'));
    fs::path box = fs::path(opt.write_maildir) / local;
    if (i < factory.spec().recipients) {
      for (const char* sub : {"new", "cur", "tmp"})
        fs::create_directories(box / sub, ec);
      if (ec) {
        std::fprintf(stderr, "facteur-smtp-load: %s: %s\n", box.c_str(), ec.message().c_str());
        return 1;
      }
    }
    std::string header = factory.header(i);
    std::string text = fmt::format(
        "Return-Path: <{from}>\nDelivered-To: {rcpt}\n"
        "Received: from loadgen.client.bench.test (localhost [127.0.0.1])\n"
        "\tby mx.bench.test (facteur-smtp-load) with ESMTP id {i:012X}\n\tfor <{rcpt}>; {date}\n",
        fmt::arg("from", factory.spec().from), fmt::arg("rcpt", rcpt), fmt::arg("i", i),
        fmt::arg("date", "Thu, 1 Jan 2026 00:00:00 +0000"));
    for (char c : header)
      if (c != '\r') text.push_back(c);
    text += body_lf;
    auto name = fmt::format("{}.M{}P{}.bench", now, i, ::getpid());
    std::ofstream out(box / "new" / name, std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) {
      std::fprintf(stderr, "facteur-smtp-load: cannot write %s\n", (box / "new" / name).c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "facteur-smtp-load: wrote %zu messages under %s\n", opt.messages,
               opt.write_maildir.c_str());
  return 0;
}

int run(const Options& opt) {
  MessageFactory factory(opt.spec);
  if (!opt.write_maildir.empty()) return write_maildir(opt, factory);
  auto endpoint = loopback_endpoint(opt.host, opt.port);
  if (!endpoint || opt.port == 0) {
    std::fprintf(stderr, "facteur-smtp-load: --host must be a loopback address and --port set\n");
    return 2;
  }
  asio::io_context io(1);
  Watchdog watchdog(io, std::chrono::seconds(opt.max_seconds),
                    std::chrono::seconds(opt.io_timeout));
  Run run(opt, factory, io, watchdog, *endpoint);
  watchdog.start();
  std::size_t running = opt.connections;
  auto start = Clock::now();
  auto start_ns = unix_now_ns();
  Clock::time_point end;
  std::int64_t end_ns = 0;
  for (std::size_t i = 0; i < opt.connections; ++i) {
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
          co_await run.worker();
          if (--running == 0) {
            end = Clock::now();
            end_ns = unix_now_ns();
            watchdog.stop();
          }
        },
        asio::detached);
  }
  io.run();
  run.report(seconds_between(start, end), start_ns, end_ns);
  return run.success() && watchdog.stalls() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace facteur::bench

int main(int argc, char** argv) {
  facteur::bench::Options opt;
  CLI::App app{"SMTP ingest load generator (loopback only)", "facteur-smtp-load"};
  app.add_option("--host", opt.host, "server address (loopback)")->capture_default_str();
  app.add_option("--port", opt.port, "server port");
  app.add_option("-c,--connections", opt.connections, "parallel connections")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("-n,--messages", opt.messages, "messages in total")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  app.add_option("-s,--size", opt.spec.size, "bytes per message")
      ->check(CLI::Range(512, 64 * 1024 * 1024))
      ->capture_default_str();
  app.add_option("-k,--per-connection", opt.per_connection, "messages per connection")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  bool no_pipelining = false;
  app.add_flag("--no-pipelining", no_pipelining, "never pipeline, even when offered");
  app.add_option("--from", opt.spec.from, "envelope sender")->capture_default_str();
  app.add_option("--rcpt", opt.spec.recipient_pattern, "recipient pattern, {} = 1..rcpt-count")
      ->capture_default_str();
  app.add_option("--rcpt-count", opt.spec.recipients, "recipients to spread messages over")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--run-id", opt.spec.run_id, "Message-ID prefix (default: random)");
  app.add_option("--max-seconds", opt.max_seconds, "hard limit on the run time")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--io-timeout", opt.io_timeout, "close a connection idle this long")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  app.add_flag("--json", opt.json, "print one JSON object with the results on stdout");
  app.add_option("--write-maildir", opt.write_maildir,
                 "write the messages as Maildir files under this directory; no network");
  CLI11_PARSE(app, argc, argv);
  opt.pipelining = !no_pipelining;
  try {
    return facteur::bench::run(opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "facteur-smtp-load: %s\n", e.what());
    return 2;
  }
}
