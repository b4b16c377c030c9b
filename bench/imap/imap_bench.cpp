// facteur-imap-bench: the IMAP client of bench/imap (docs/benchmarks.md "IMAP"). Talks to any
// IMAP server on a loopback address; every mode stops by itself (--max-seconds).
//
//   time          log in, SELECT, then run each --command --repeat times: seconds per run and
//                 octets received (responses are parsed for literals, nothing is interpreted)
//   idle-latency  one client in IDLE; a message is delivered (over SMTP, or as a Maildir file
//                 for servers without SMTP) and the time until "* N EXISTS" arrives is measured
//   idle-conns    N connections logged in, SELECTed and in IDLE, held for --hold seconds (the
//                 driver reads the server's memory meanwhile); --tls for implicit TLS
#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A blocking client connection (plain or TLS) with a read buffer.
class Conn {
 public:
  Conn(const std::string& host, int port, bool tls, SSL_CTX* ctx, int timeout_s) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed (ulimit -n?)");
    timeval tv{timeout_s, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1)
      throw std::runtime_error("bad address (loopback IPv4 only): " + host);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
      throw std::runtime_error(fmt::format("connect to {}:{} failed", host, port));
    if (tls) {
      ssl_ = SSL_new(ctx);
      SSL_set_fd(ssl_, fd_);
      if (SSL_connect(ssl_) != 1) throw std::runtime_error("TLS handshake failed");
    }
  }
  ~Conn() {
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  void send(std::string_view data) {
    while (!data.empty()) {
      long n = ssl_ ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                    : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // One line (CRLF included); throws on EOF/timeout.
  std::string line() {
    for (;;) {
      auto nl = buf_.find("\r\n", pos_);
      if (nl != std::string::npos) {
        std::string out = buf_.substr(pos_, nl + 2 - pos_);
        pos_ = nl + 2;
        compact();
        return out;
      }
      fill();
    }
  }
  void skip(std::uint64_t n) {
    while (n > 0) {
      if (pos_ == buf_.size()) fill();
      auto take = std::min<std::uint64_t>(n, buf_.size() - pos_);
      pos_ += take;
      n -= take;
      compact();
    }
  }
  // Reads a tagged response's lines, skipping literals; returns (octets read, tagged line).
  std::pair<std::uint64_t, std::string> until_tagged(const std::string& tag) {
    std::uint64_t total = 0;
    for (;;) {
      std::string l = line();
      total += l.size();
      if (l.size() > 3 && l[l.size() - 3] == '}') {
        auto open = l.rfind('{');
        if (open != std::string::npos) {
          auto n = std::stoull(l.substr(open + 1, l.size() - 3 - open - 1));
          skip(n);
          total += n;
          continue;
        }
      }
      if (l.compare(0, tag.size() + 1, tag + " ") == 0) return {total, l};
    }
  }
  std::string command(const std::string& tag, const std::string& text) {
    send(tag + " " + text + "\r\n");
    auto [n, tagged] = until_tagged(tag);
    if (tagged.compare(tag.size() + 1, 2, "OK") != 0)
      throw std::runtime_error(fmt::format("{} failed: {}", text.substr(0, 40), tagged));
    return tagged;
  }
  int fd() const { return fd_; }

 private:
  void fill() {
    char tmp[65536];
    long n = ssl_ ? SSL_read(ssl_, tmp, sizeof tmp) : ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) throw std::runtime_error("connection closed or timed out");
    buf_.append(tmp, static_cast<std::size_t>(n));
  }
  void compact() {
    if (pos_ > 65536 || pos_ == buf_.size()) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string buf_;
  std::size_t pos_ = 0;
};

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string b64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}
std::string unb64(std::string_view in) {
  std::string out(3 * (in.size() / 4) + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) throw std::runtime_error("bad base64");
  std::size_t len = static_cast<std::size_t>(n);
  if (!in.empty() && in.back() == '=') --len;
  if (in.size() > 1 && in[in.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}
std::string hmac256(std::string_view key, std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

// SCRAM-SHA-256 (RFC 7677) login: the server does no password hashing, so thousands of logins
// measure the IMAP server rather than Argon2. The salted password is computed once per salt.
void scram_login(Conn& c, const std::string& user, const std::string& pass) {
  static std::map<std::string, std::string> salted_cache;
  unsigned char rnd[18];
  RAND_bytes(rnd, sizeof rnd);
  std::string nonce = b64(std::string_view(reinterpret_cast<char*>(rnd), sizeof rnd));
  std::string bare = "n=" + user + ",r=" + nonce;
  c.send("a AUTHENTICATE SCRAM-SHA-256 " + b64("n,," + bare) + "\r\n");
  std::string l = c.line();
  if (l.size() < 3 || l[0] != '+') throw std::runtime_error("SCRAM refused: " + l);
  std::string first = unb64(l.substr(2, l.size() - 4));
  std::map<char, std::string> f;
  for (std::size_t pos = 0; pos < first.size();) {
    auto comma = first.find(',', pos);
    if (comma == std::string::npos) comma = first.size();
    if (comma > pos + 2) f[first[pos]] = first.substr(pos + 2, comma - pos - 2);
    pos = comma + 1;
  }
  std::string salt = unb64(f['s']);
  int iterations = std::stoi(f['i']);
  std::string& salted = salted_cache[pass + '\0' + salt + '\0' + f['i']];
  if (salted.empty()) {
    salted.resize(32);
    PKCS5_PBKDF2_HMAC(pass.data(), static_cast<int>(pass.size()),
                      reinterpret_cast<const unsigned char*>(salt.data()),
                      static_cast<int>(salt.size()), iterations, EVP_sha256(), 32,
                      reinterpret_cast<unsigned char*>(salted.data()));
  }
  std::string client_key = hmac256(salted, "Client Key");
  unsigned char stored[32];
  SHA256(reinterpret_cast<const unsigned char*>(client_key.data()), client_key.size(), stored);
  std::string final_bare = "c=biws,r=" + f['r'];
  std::string auth = bare + "," + first + "," + final_bare;
  std::string sig = hmac256(std::string_view(reinterpret_cast<char*>(stored), 32), auth);
  std::string proof = client_key;
  for (std::size_t i = 0; i < proof.size(); ++i)
    proof[i] = static_cast<char>(proof[i] ^ sig[i]);
  c.send(b64(final_bare + ",p=" + b64(proof)) + "\r\n");
  for (;;) {
    l = c.line();
    if (l[0] == '+') {
      c.send("\r\n");  // server-final as a challenge (IMAP4rev1 style)
      continue;
    }
    if (l.rfind("a OK", 0) == 0) return;
    if (l.rfind("a ", 0) == 0) throw std::runtime_error("SCRAM failed: " + l);
  }
}

bool g_scram = false;

std::unique_ptr<Conn> login(const std::string& host, int port, bool tls, SSL_CTX* ctx,
                            const std::string& user, const std::string& pass,
                            const std::string& mailbox, int timeout) {
  auto c = std::make_unique<Conn>(host, port, tls, ctx, timeout);
  const char* stage = "greeting";
  try {
    c->line();
    stage = "login";
    if (g_scram)
      scram_login(*c, user, pass);
    else
      c->command("l", "LOGIN " + quoted(user) + " " + quoted(pass));
    stage = "SELECT";
    if (!mailbox.empty()) c->command("s", "SELECT " + quoted(mailbox));
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(stage) + ": " + e.what());
  }
  return c;
}

// A tiny SMTP client: one message to one recipient. `sent`: the final "." written; `accepted`:
// its 250 reply read (the message is then durable).
void smtp_deliver(const std::string& host, int port, const std::string& rcpt,
                  const std::string& message, Clock::time_point& sent,
                  Clock::time_point& accepted) {
  Conn c(host, port, false, nullptr, 30);
  auto expect = [&](char code) {
    for (;;) {
      std::string l = c.line();
      if (l.size() < 4 || l[0] != code) throw std::runtime_error("SMTP: " + l);
      if (l[3] == ' ') return;
    }
  };
  expect('2');
  c.send("EHLO bench.example\r\n");
  expect('2');
  c.send("MAIL FROM:<bench@bench.example>\r\n");
  expect('2');
  c.send("RCPT TO:<" + rcpt + ">\r\n");
  expect('2');
  c.send("DATA\r\n");
  expect('3');
  c.send(message + ".\r\n");
  sent = Clock::now();
  expect('2');
  accepted = Clock::now();
  c.send("QUIT\r\n");
}

void maildir_deliver(const std::string& dir, const std::string& message, int n,
                     Clock::time_point& sent, Clock::time_point& accepted) {
  std::string name = fmt::format("{}.bench{}.{}", ::time(nullptr), n, ::getpid());
  std::string tmp = dir + "/tmp/" + name, dst = dir + "/new/" + name;
  {
    std::ofstream f(tmp, std::ios::binary);
    f << message;
    f.flush();
  }
  if (std::rename(tmp.c_str(), dst.c_str()) != 0) throw std::runtime_error("rename failed");
  accepted = sent = Clock::now();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void raise_nofile(std::size_t want) {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < want) {
    r.rlim_cur = std::min<rlim_t>(want, r.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"IMAP benchmark client (loopback only)"};
  std::string host = "127.0.0.1", user, pass, mailbox = "INBOX";
  int port = 143, timeout = 120;
  bool tls = false;
  double max_seconds = 1800;
  app.add_option("--host", host);
  app.add_option("--port", port)->required();
  app.add_option("--user", user);
  app.add_option("--pass", pass);
  app.add_option("--mailbox", mailbox);
  app.add_option("--io-timeout", timeout, "seconds per read or write");
  app.add_option("--max-seconds", max_seconds);
  app.add_flag("--tls", tls, "implicit TLS (no certificate check)");
  app.add_flag("--scram", g_scram, "log in with AUTHENTICATE SCRAM-SHA-256 instead of LOGIN");
  app.require_subcommand(1);

  auto* time_cmd = app.add_subcommand("time", "time commands");
  std::vector<std::string> commands;
  int repeat = 5;
  time_cmd->add_option("--command", commands)->required();
  time_cmd->add_option("--repeat", repeat);

  auto* idle_cmd = app.add_subcommand("idle-latency", "delivery -> * N EXISTS while idling");
  std::string deliver;  // smtp:PORT:RCPT or maildir:DIR
  int samples = 50;
  double settle = 0;
  idle_cmd->add_option("--deliver", deliver)->required();
  idle_cmd->add_option("--samples", samples);
  idle_cmd->add_option("--settle", settle,
                       "seconds in IDLE before each delivery (Dovecot's imap-hibernate)");

  auto* conns_cmd = app.add_subcommand("idle-conns", "hold N idle connections");
  std::size_t connections = 1000;
  double hold = 10;
  std::string users_file;
  conns_cmd->add_option("--connections", connections);
  conns_cmd->add_option("--hold", hold, "seconds to hold them after the last one is idle");
  conns_cmd->add_option("--users", users_file, "file of user:password lines (round robin)");
  CLI11_PARSE(app, argc, argv);

  SSL_CTX* ctx = nullptr;
  if (tls) {
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  auto start = Clock::now();
  nlohmann::json out = nlohmann::json::object();
  try {
    if (time_cmd->parsed()) {
      auto c = login(host, port, tls, ctx, user, pass, mailbox, timeout);
      int n = 0;
      for (const auto& command : commands) {
        nlohmann::json entry;
        entry["command"] = command;
        std::vector<double> runs;
        std::uint64_t bytes = 0;
        for (int i = 0; i < repeat && seconds_since(start) < max_seconds; ++i) {
          std::string tag = fmt::format("t{}", ++n);
          auto t0 = Clock::now();
          c->send(tag + " " + command + "\r\n");
          auto [got, tagged] = c->until_tagged(tag);
          runs.push_back(seconds_since(t0));
          if (tagged.compare(tag.size() + 1, 2, "OK") != 0)
            throw std::runtime_error("command failed: " + tagged);
          bytes = got;
        }
        entry["seconds"] = runs;
        entry["median"] = percentile(runs, 0.5);
        entry["min"] = runs.empty() ? 0 : *std::min_element(runs.begin(), runs.end());
        entry["bytes"] = bytes;
        out["commands"].push_back(entry);
      }
      c->command("z", "LOGOUT");
    } else if (idle_cmd->parsed()) {
      auto c = login(host, port, tls, ctx, user, pass, mailbox, timeout);
      std::vector<double> from_accept, from_sent, from_start;
      for (int i = 0; i < samples && seconds_since(start) < max_seconds; ++i) {
        c->send(fmt::format("i{} IDLE\r\n", i));
        std::string l = c->line();
        if (l.empty() || l[0] != '+') throw std::runtime_error("IDLE refused: " + l);
        if (settle > 0) std::this_thread::sleep_for(std::chrono::duration<double>(settle));
        std::string message = fmt::format(
            "From: bench@bench.example\r\nTo: {}\r\nSubject: idle sample {}\r\n"
            "Message-ID: <idle{}.{}@bench.example>\r\n\r\nSample {} of the IDLE benchmark.\r\n",
            user, i, i, ::getpid(), i);
        Clock::time_point sent, accepted;
        auto t0 = Clock::now();
        if (deliver.rfind("smtp:", 0) == 0) {
          auto rest = deliver.substr(5);
          auto colon = rest.find(':');
          smtp_deliver(host, std::stoi(rest.substr(0, colon)), rest.substr(colon + 1), message,
                       sent, accepted);
        } else if (deliver.rfind("maildir:", 0) == 0) {
          std::string lf;
          for (char ch : message)
            if (ch != '\r') lf += ch;
          maildir_deliver(deliver.substr(8), lf, i, sent, accepted);
        } else {
          throw std::runtime_error("--deliver smtp:PORT:RCPT or maildir:DIR");
        }
        for (;;) {
          l = c->line();
          if (l.find(" EXISTS") != std::string::npos) break;
        }
        // The EXISTS may arrive before the client has read the 250: then 0.
        from_accept.push_back(std::max(0.0, seconds_since(accepted)));
        from_sent.push_back(seconds_since(sent));
        from_start.push_back(seconds_since(t0));
        c->send("DONE\r\n");
        c->until_tagged(fmt::format("i{}", i));
      }
      out["samples"] = from_accept.size();
      out["accepted_to_exists_ms"] = {{"p50", percentile(from_accept, 0.5) * 1e3},
                                      {"p90", percentile(from_accept, 0.9) * 1e3},
                                      {"max", percentile(from_accept, 1.0) * 1e3}};
      out["dot_to_exists_ms"] = {{"p50", percentile(from_sent, 0.5) * 1e3},
                                 {"p90", percentile(from_sent, 0.9) * 1e3},
                                 {"max", percentile(from_sent, 1.0) * 1e3}};
      out["send_to_exists_ms"] = {{"p50", percentile(from_start, 0.5) * 1e3},
                                  {"p90", percentile(from_start, 0.9) * 1e3}};
      c->command("z", "LOGOUT");
    } else if (conns_cmd->parsed()) {
      raise_nofile(connections + 64);
      std::vector<std::pair<std::string, std::string>> users;
      if (!users_file.empty()) {
        std::ifstream f(users_file);
        std::string l;
        while (std::getline(f, l)) {
          auto colon = l.find(':');
          if (colon != std::string::npos)
            users.emplace_back(l.substr(0, colon), l.substr(colon + 1));
        }
      }
      if (users.empty()) users.emplace_back(user, pass);
      std::vector<std::unique_ptr<Conn>> held;
      held.reserve(connections);
      for (std::size_t i = 0; i < connections && seconds_since(start) < max_seconds; ++i) {
        const auto& [u, p] = users[i % users.size()];
        // A connection that fails is tried once more (and counted): the run reports it rather
        // than losing the measurement of the thousands that worked.
        for (int attempt = 0;; ++attempt) {
          std::string stage = "connect";
          try {
            auto c = login(host, port, tls, ctx, u, p, mailbox, timeout);
            stage = "IDLE";
            c->send("i IDLE\r\n");
            std::string l = c->line();
            if (l.empty() || l[0] != '+') throw std::runtime_error("IDLE refused: " + l);
            held.push_back(std::move(c));
            break;
          } catch (const std::exception& e) {
            std::string what =
                fmt::format("port {}: connection {} ({} held) after {:.1f} s, {}: {}", port, i + 1,
                            held.size(), seconds_since(start), stage, e.what());
            if (attempt > 0) throw std::runtime_error(what);
            std::cerr << "facteur-imap-bench: retrying " << what << "\n";
            out["retries"] = out.value("retries", 0) + 1;
          }
        }
      }
      out["connections"] = held.size();
      out["setup_seconds"] = seconds_since(start);
      std::cout << "ready " << held.size() << std::endl;  // the driver measures now
      std::this_thread::sleep_for(std::chrono::duration<double>(hold));
    }
  } catch (const std::exception& e) {
    std::cerr << "facteur-imap-bench: " << e.what() << "\n";
    return 1;
  }
  std::cout << out.dump() << std::endl;
  if (ctx) SSL_CTX_free(ctx);
  return 0;
}
