#include "server/outbound_session.hpp"

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>

#include "base/log.hpp"
#include "mail/address.hpp"

namespace facteur::server {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using net::tcp;

enum class Io { ok, eof, timeout, error };

// One client connection with per-operation timeouts, plaintext or TLS after STARTTLS.
class OutboundConnection {
 public:
  explicit OutboundConnection(const asio::any_io_executor& ex) : plain_(ex), timer_(ex) {}
  ~OutboundConnection() { close(); }

  net::awaitable<bool> connect(const tcp::endpoint& to, std::chrono::seconds timeout,
                               const std::optional<asio::ip::address>& source) {
    if (source && source->is_v4() == to.address().is_v4()) {
      boost::system::error_code ec;
      plain_.open(to.protocol(), ec);
      if (!ec) plain_.bind(tcp::endpoint(*source, 0), ec);
      if (ec) {
        spdlog::error("queue: cannot send from {}: {}", source->to_string(), ec.message());
        co_return false;
      }
    }
    arm(timeout);
    auto [ec] = co_await plain_.async_connect(to, net::use_nothrow);
    disarm();
    if (ec) co_return false;
    boost::system::error_code ignored;
    plain_.set_option(tcp::no_delay(true), ignored);
    co_return true;
  }

  net::awaitable<std::pair<Io, std::size_t>> read_some(std::span<char> buf,
                                                       std::chrono::seconds timeout) {
    arm(timeout);
    auto buffer = asio::buffer(buf.data(), buf.size());
    auto [ec, n] = tls_ ? co_await tls_->async_read_some(buffer, net::use_nothrow)
                        : co_await plain_.async_read_some(buffer, net::use_nothrow);
    disarm();
    if (!ec) co_return std::pair{Io::ok, n};
    if (timed_out_) co_return std::pair{Io::timeout, std::size_t{0}};
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated)
      co_return std::pair{Io::eof, std::size_t{0}};
    co_return std::pair{Io::error, std::size_t{0}};
  }

  net::awaitable<bool> write_all(std::string_view data, std::chrono::seconds timeout) {
    arm(timeout);
    auto buffer = asio::buffer(data.data(), data.size());
    auto [ec, n] = tls_ ? co_await asio::async_write(*tls_, buffer, net::use_nothrow)
                        : co_await asio::async_write(plain_, buffer, net::use_nothrow);
    disarm();
    co_return !ec && n == data.size();
  }

  net::awaitable<bool> start_tls(ssl::context& ctx, const std::string& server_name,
                                 const queue::HostTlsPolicy& policy, std::chrono::seconds timeout) {
    tls_ = std::make_unique<ssl::stream<tcp::socket>>(std::move(plain_), ctx);
    if (!server_name.empty()) SSL_set_tlsext_host_name(tls_->native_handle(), server_name.c_str());
    tls_error_.clear();
    if (!apply_policy(server_name, policy)) co_return false;
    arm(timeout);
    auto [ec] = co_await tls_->async_handshake(ssl::stream_base::client, net::use_nothrow);
    disarm();
    if (ec) {
      SSL* s = tls_->native_handle();
      long verify = SSL_get_verify_result(s);
      tls_error_ =
          verify != X509_V_OK && policy.level != queue::TlsLevel::encrypt
              ? fmt::format("certificate rejected: {}", X509_verify_cert_error_string(verify))
              : ec.message();
      if (policy.level == queue::TlsLevel::dane && verify != X509_V_OK)
        tls_error_ = "DANE: no TLSA record matches the certificate (" + tls_error_ + ")";
    }
    co_return !ec;
  }

  // Why the last handshake failed ("" when it did not).
  const std::string& tls_error() const noexcept { return tls_error_; }

  // "DANE-EE(3) matched at depth 0"-style note for logs, "" without DANE.
  std::string dane_match() {
    if (!tls_) return {};
    SSL* s = tls_->native_handle();
    uint8_t usage = 0, selector = 0, mtype = 0;
    int depth = SSL_get0_dane_tlsa(s, &usage, &selector, &mtype, nullptr, nullptr);
    if (depth < 0) return {};
    return fmt::format("TLSA {} {} {} matched at depth {}", usage, selector, mtype, depth);
  }

  std::string tls_description() {
    if (!tls_) return "no TLS";
    SSL* s = tls_->native_handle();
    const SSL_CIPHER* cipher = SSL_get_current_cipher(s);
    return fmt::format("{} {}", SSL_get_version(s), cipher ? SSL_CIPHER_get_name(cipher) : "?");
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    disarm();
    boost::system::error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }

 private:
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }

  // Turns certificate checks on for this connection when the host's policy asks for them.
  bool apply_policy(const std::string& host, const queue::HostTlsPolicy& policy) {
    SSL* s = tls_->native_handle();
    if (policy.level == queue::TlsLevel::dane) {
      // RFC 7672 §3.2.2: DANE-TA(2) certificates must carry the MX host name (the TLSA base
      // domain); DANE-EE(3) matches skip name checks (flag set on the context).
      if (SSL_dane_enable(s, host.c_str()) <= 0) {
        tls_error_ = "DANE: cannot enable DANE on the connection";
        return false;
      }
      int usable = 0;
      for (const auto& r : policy.tlsa) {
        const auto* data = reinterpret_cast<const unsigned char*>(r.association.data());
        // 0: unusable for OpenSSL (e.g. a malformed full certificate): skipped, as RFC 7671 §5.
        if (SSL_dane_tlsa_add(s, r.usage, r.selector, r.matching_type, data, r.association.size()) >
            0)
          ++usable;
      }
      if (usable == 0) {
        tls_error_ = "DANE: no TLSA record usable by OpenSSL";
        return false;
      }
      SSL_set_verify(s, SSL_VERIFY_PEER, nullptr);
    } else if (policy.level == queue::TlsLevel::pkix) {
      // RFC 8461 §4.2: a certificate chaining to a trusted root, valid for the MX host name
      // (a wildcard only as the whole leftmost label, RFC 6125 §6.4.3).
      SSL_set_hostflags(s, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (SSL_set1_host(s, host.c_str()) != 1) {
        tls_error_ = "MTA-STS: cannot check the host name " + host;
        return false;
      }
      SSL_set_verify(s, SSL_VERIFY_PEER, nullptr);
    }
    return true;
  }
  void arm(std::chrono::seconds timeout) {
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
  void disarm() {
    ++generation_;
    timer_.cancel();
  }

  tcp::socket plain_;
  std::unique_ptr<ssl::stream<tcp::socket>> tls_;
  asio::steady_timer timer_;
  std::uint64_t generation_ = 0;
  bool timed_out_ = false;
  bool closed_ = false;
  std::string tls_error_;
};

struct ConnectionResult {
  std::size_t finished = 0;  // items finished on this connection
  smtp::SessionFailure failure = smtp::SessionFailure::none;
  std::optional<smtp::Reply> reply;
  bool permanent = false;
  bool tls_handshake_failed = false;
  std::string tls_error;  // why the handshake failed
  std::string detail;
};

std::string_view failure_name(smtp::SessionFailure f) {
  switch (f) {
    case smtp::SessionFailure::none:
      return "closed";
    case smtp::SessionFailure::greeting:
      return "greeting refused";
    case smtp::SessionFailure::hello:
      return "EHLO/HELO refused";
    case smtp::SessionFailure::tls:
      return "TLS failed";
    case smtp::SessionFailure::auth:
      return "authentication failed";
    case smtp::SessionFailure::peer_closed:
      return "service closing (421)";
    case smtp::SessionFailure::protocol:
      return "protocol error";
    case smtp::SessionFailure::connection_lost:
      return "connection lost";
    case smtp::SessionFailure::timeout:
      return "timeout";
  }
  return "failure";
}

mail::Path to_path(std::string_view address, bool reverse) {
  mail::PathOptions o;
  o.smtputf8 = true;
  std::string text = "<" + std::string(address) + ">";
  auto p = reverse ? mail::parse_reverse_path(text, o) : mail::parse_forward_path(text, o);
  if (p) return *p;
  mail::Path bad;
  bad.local_part = "invalid";
  bad.domain = "invalid";
  bad.is_null = reverse && address.empty();
  return bad;
}

// The message to send for an item; recipients whose address cannot go on the wire are failed
// here (their indices are left out of `sent`).
smtp::OutboundMessage build_message(OutboundItem& item, std::vector<std::size_t>& sent) {
  const auto& e = *item.entry;
  smtp::OutboundMessage m;
  m.reverse_path = to_path(e.envelope.reverse_path, true);
  m.data = item.data;
  m.smtputf8 = e.envelope.smtputf8;
  m.ret = static_cast<smtp::DsnRet>(e.envelope.ret);
  m.envid = e.envelope.envid;
  sent.clear();
  mail::PathOptions o;
  o.smtputf8 = true;
  for (std::size_t i = 0; i < e.recipients.size(); ++i) {
    const auto& r = e.recipients[i];
    auto path = mail::parse_forward_path("<" + r.address + ">", o);
    if (!path) {
      queue::RecipientOutcome out;
      out.id = r.id;
      out.status = queue::RecipientStatus::permanent;
      out.reply = smtp::Reply{553, "5.1.3", "Bad recipient address syntax: " + r.address};
      item.report.recipients.push_back(std::move(out));
      continue;
    }
    smtp::OutboundRecipient rcpt;
    rcpt.path = std::move(*path);
    rcpt.notify = r.notify;
    if (!r.orcpt_type.empty()) rcpt.orcpt = smtp::OriginalRecipient{r.orcpt_type, r.orcpt};
    m.recipients.push_back(std::move(rcpt));
    sent.push_back(i);
  }
  return m;
}

void apply_result(OutboundItem& item, const std::vector<std::size_t>& sent,
                  const smtp::MessageResult& result) {
  for (std::size_t k = 0; k < sent.size() && k < result.recipients.size(); ++k) {
    const auto& r = result.recipients[k];
    queue::RecipientOutcome out;
    out.id = item.entry->recipients[sent[k]].id;
    switch (r.status) {
      case smtp::DeliveryStatus::delivered:
        out.status = queue::RecipientStatus::delivered;
        break;
      case smtp::DeliveryStatus::temporary_failure:
        out.status = queue::RecipientStatus::temporary;
        break;
      case smtp::DeliveryStatus::permanent_failure:
        out.status = queue::RecipientStatus::permanent;
        break;
    }
    out.reply = r.reply;
    out.remote = r.remote;
    out.stage = r.stage;
    out.peer_dsn = result.peer_dsn;
    item.report.recipients.push_back(std::move(out));
  }
}

net::awaitable<ConnectionResult> run_connection(OutboundConnection& conn, const std::string& host,
                                                const queue::HostTlsPolicy& policy,
                                                std::vector<OutboundItem>& items,
                                                const smtp::ClientOptions& client_options,
                                                const OutboundOptions& options,
                                                const OutboundDone& done) {
  ConnectionResult result;
  smtp::ClientProtocol c(client_options);
  std::vector<char> buffer(16 * 1024);
  OutboundItem* current = nullptr;
  std::vector<std::size_t> sent;
  std::size_t next = 0;
  std::size_t messages = 0;
  for (;;) {
    while (auto event = c.next_event()) {
      if (std::holds_alternative<smtp::ClientStartTls>(*event)) {
        // Plain statements around co_await: g++ 12 mishandles it inside && and initializers.
        bool ok = options.tls != nullptr;
        for (auto out = c.take_output(); ok && !out.empty(); out = c.take_output()) {
          bool written = co_await conn.write_all(out, c.write_timeout());
          ok = written;
        }
        if (ok) {
          bool handshake = co_await conn.start_tls(*options.tls, host, policy, c.read_timeout());
          ok = handshake;
        }
        if (ok) {
          auto dane = conn.dane_match();
          if (policy.level == queue::TlsLevel::opportunistic)
            spdlog::debug("queue: TLS with {}: {}", host, conn.tls_description());
          else
            spdlog::info("queue: TLS with {} ({}): {}{}{}", host, queue::to_string(policy.level),
                         conn.tls_description(), dane.empty() ? "" : ", ", dane);
          c.tls_established();
        } else {
          result.tls_handshake_failed = true;
          result.tls_error = conn.tls_error();
          c.tls_failed();
        }
      } else if (std::holds_alternative<smtp::ClientReady>(*event)) {
        bool sending = false;
        while (!sending && next < items.size() && messages < options.max_messages) {
          auto& item = items[next++];
          if (item.finished) continue;
          item.report = {};
          item.report.remote_mta = host;
          auto message = build_message(item, sent);
          if (message.recipients.empty()) {  // every address was unusable
            item.finished = true;
            ++result.finished;
            co_await done(item);
            continue;
          }
          current = &item;
          ++messages;
          sending = c.send(std::move(message));
        }
        if (!sending) c.quit();
      } else if (auto* message_done = std::get_if<smtp::MessageDone>(&*event)) {
        if (current) {
          apply_result(*current, sent, message_done->result);
          current->finished = true;
          ++result.finished;
          co_await done(*current);
          current = nullptr;
        }
      } else if (auto* closed = std::get_if<smtp::ClientClosed>(&*event)) {
        for (auto out = c.take_output(); !out.empty(); out = c.take_output()) {
          if (!co_await conn.write_all(out, std::chrono::seconds(10))) break;
        }
        conn.close();
        result.failure = closed->failure;
        result.reply = closed->reply;
        result.permanent = closed->permanent;
        result.detail = closed->detail;
        if (current) current->report.recipients.clear();  // never answered: not finished
        co_return result;
      }
    }
    bool written = true;
    for (auto out = c.take_output(); written && !out.empty(); out = c.take_output()) {
      bool ok = co_await conn.write_all(out, c.write_timeout());
      written = ok;
    }
    if (!written) {
      c.connection_lost();
      continue;
    }
    if (!c.wants_input()) continue;
    auto [status, n] = co_await conn.read_some(buffer, c.read_timeout());
    switch (status) {
      case Io::ok:
        c.receive({buffer.data(), n});
        break;
      case Io::timeout:
        c.timed_out();
        break;
      case Io::eof:
      case Io::error:
        c.connection_lost();
        break;
    }
  }
}

bool unfinished(const std::vector<OutboundItem>& items) {
  for (const auto& i : items)
    if (!i.finished) return true;
  return false;
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& ca_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(ssl::verify_none);
  SSL_CTX* native = ctx->native_handle();
  // DANE (RFC 7672): matching is OpenSSL's; DANE-EE(3) skips name checks (§3.1.1).
  if (SSL_CTX_dane_enable(native) <= 0) spdlog::warn("queue: OpenSSL DANE unavailable");
  SSL_CTX_dane_set_flags(native, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
  // MTA-STS (RFC 8461 §4.2) needs the CA store; per-connection verification is off otherwise.
  boost::system::error_code ec;
  ctx->set_default_verify_paths(ec);
  if (ec) spdlog::warn("queue: no system CA store: {}", ec.message());
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) spdlog::error("queue: cannot load CA file {}: {}", ca_file, ec.message());
  }
  return ctx;
}

net::awaitable<void> deliver_to(const std::vector<OutboundHost>& hosts,
                                std::vector<OutboundItem>& items, const OutboundOptions& options,
                                const OutboundDone& done) {
  auto executor = co_await asio::this_coro::executor;
  std::string last_error = "no host to deliver to";
  std::string last_host;
  std::optional<smtp::Reply> last_reply;
  bool all_permanent = true;
  bool any_answer = false;
  for (const auto& host : hosts) {
    if (host.tls.level == queue::TlsLevel::unreachable) {
      // RFC 7672 §2.2 (TLSA lookup failed) or RFC 8461 §4.2 (MX not in an enforced policy).
      last_error = fmt::format("{}: TLS policy (4.7.5): {}", host.name, host.tls.reason);
      last_host = host.name;
      last_reply.reset();
      all_permanent = false;
      spdlog::info("queue: skipping {}", last_error);
      continue;
    }
    const bool tls_required = host.tls.requires_tls();
    for (const auto& address : host.addresses) {
      auto mode = options.client.starttls;
      if (!options.tls && mode == smtp::TlsMode::opportunistic) mode = smtp::TlsMode::none;
      // The published policy overrides the local setting, even starttls = "none".
      if (tls_required) mode = smtp::TlsMode::required;
      while (unfinished(items)) {
        OutboundConnection conn(executor);
        if (!co_await conn.connect(address, options.connect_timeout, options.source)) {
          last_error = fmt::format("cannot connect to {} [{}]:{}", host.name,
                                   address.address().to_string(), address.port());
          last_host = host.name;
          last_reply.reset();
          all_permanent = false;
          spdlog::info("queue: {}", last_error);
          break;
        }
        auto client = options.client;
        client.starttls = mode;
        auto r = co_await run_connection(conn, host.name, host.tls, items, client, options, done);
        if (r.failure == smtp::SessionFailure::none) {
          if (r.finished == 0) break;  // nothing more this host can take
          continue;                    // more items than one connection carries
        }
        if (r.tls_handshake_failed && mode == smtp::TlsMode::opportunistic) {
          // RFC 7435 / RFC 3207 §4.1: a failed handshake is retried in clear when TLS is not
          // required.
          spdlog::info("queue: TLS handshake with {} failed; retrying without TLS", host.name);
          mode = smtp::TlsMode::none;
          continue;
        }
        any_answer = any_answer || r.reply.has_value();
        all_permanent = all_permanent && r.permanent;
        last_host = host.name;
        last_reply = r.reply;
        last_error = fmt::format("{} [{}]: {}{}{}", host.name, address.address().to_string(),
                                 failure_name(r.failure), r.detail.empty() ? "" : ": ", r.detail);
        if (r.reply) last_error += " (" + queue::describe(*r.reply) + ")";
        if (tls_required && (r.tls_handshake_failed || r.failure == smtp::SessionFailure::tls)) {
          last_error += fmt::format("; TLS policy (4.7.5) {}: {}", queue::to_string(host.tls.level),
                                    r.tls_error.empty() ? host.tls.reason : r.tls_error);
          all_permanent = false;  // never a bounce for a certificate problem: keep it queued
        }
        spdlog::info("queue: {}", last_error);
        break;
      }
      if (!unfinished(items)) co_return;
    }
  }
  for (auto& item : items) {
    if (item.finished) continue;
    item.report.recipients.clear();
    item.report.error = last_error;
    item.report.remote_mta = last_reply ? last_host : "";
    item.report.error_reply = last_reply;
    item.report.permanent = any_answer && all_permanent;
  }
}

}  // namespace facteur::server
