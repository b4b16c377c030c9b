#include "server/smtp_session.hpp"

#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "base/log.hpp"
#include "net/connection.hpp"
#include "server/queue_id.hpp"

namespace facteur::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

smtp::Limits limits_from(const SmtpLimits& cfg) {
  smtp::Limits l;
  l.max_message_size = cfg.max_message_size;
  l.max_recipients = cfg.max_recipients;
  l.max_command_line = cfg.max_command_line;
  l.max_data_line = cfg.max_data_line;
  l.max_errors = cfg.max_errors;
  return l;
}

int local_utc_offset_minutes(std::time_t now) {
  std::tm local{};
  ::localtime_r(&now, &local);
  return static_cast<int>(local.tm_gmtoff / 60);
}

std::string role_name(smtp::Role role) {
  switch (role) {
    case smtp::Role::mx:
      return "smtp";
    case smtp::Role::submission:
      return "submission";
    case smtp::Role::submissions:
      return "submissions";
  }
  return "smtp";
}

// BDAT passes the octets as sent (RFC 3030), DATA gives CRLF lines ending in CRLF. Messages are
// stored in that canonical form either way (bare LF -> CRLF, a final CRLF added, as Postfix
// does), so that the size the store records is the size POP3 RETR and IMAP FETCH send, which
// POP3 LIST and IMAP RFC822.SIZE promise exactly (RFC 1939 §11, RFC 3501 §6.4.5).
class CrlfNormalizer {
 public:
  void reset() { last_ = '\n'; }
  // Appends the canonical form of the next piece of the message to out.
  void feed(std::string_view in, std::string& out) {
    std::size_t i = 0;
    while (i < in.size()) {
      auto nl = in.find('\n', i);
      if (nl == std::string_view::npos) {
        out.append(in.substr(i));
        break;
      }
      out.append(in.substr(i, nl - i));
      char before = nl > i ? in[nl - 1] : last_;
      if (before != '\r') out += '\r';
      out += '\n';
      i = nl + 1;
    }
    if (!in.empty()) last_ = in.back();
  }
  // What completes the last line, if it has no line end.
  std::string_view finish() const {
    if (last_ == '\n') return {};
    return last_ == '\r' ? "\n" : "\r\n";
  }

 private:
  char last_ = '\n';
};

class SmtpSession : public std::enable_shared_from_this<SmtpSession> {
 public:
  SmtpSession(ServerContext& ctx, net::tcp::socket socket, smtp::Role role, bool implicit_tls,
              std::unique_ptr<net::ConnectionLimiter::Ticket> ticket)
      : ctx_(ctx),
        conn_(std::move(socket), ctx.tls),
        role_(role),
        implicit_tls_(implicit_tls),
        ticket_(std::move(ticket)),
        protocol_(options()) {}

  net::awaitable<void> run();
  void on_stop() {
    stopping_ = true;
    if (idle_) conn_.interrupt();
  }

 private:
  smtp::ServerOptions options() const {
    smtp::ServerOptions o;
    o.hostname = ctx_.config.hostname;
    o.role = role_;
    o.tls_available = ctx_.tls != nullptr && !implicit_tls_;
    o.tls_active = implicit_tls_;
    o.limits = limits_from(ctx_.config.smtp);
    return o;
  }
  std::chrono::seconds read_timeout() const {
    return protocol_.phase() == smtp::Phase::data ? ctx_.config.smtp.data_timeout
                                                  : ctx_.config.smtp.command_timeout;
  }

  net::awaitable<void> handle(smtp::Event& event);
  net::awaitable<void> on_rcpt(const smtp::RcptTo& rcpt);
  void on_message_begin();
  net::awaitable<void> on_message_end();
  net::awaitable<bool> flush();

  ServerContext& ctx_;
  net::Connection conn_;
  smtp::Role role_;
  bool implicit_tls_;
  std::unique_ptr<net::ConnectionLimiter::Ticket> ticket_;
  smtp::ServerProtocol protocol_;
  bool idle_ = false;
  bool stopping_ = false;
  bool done_ = false;

  // The transaction in progress.
  std::string reverse_path_;
  std::vector<delivery::Route> routes_;
  std::vector<std::string> recipients_;  // as accepted, for logs and Received: "for"
  std::unique_ptr<store::BlobWriter> blob_;
  bool blob_failed_ = false;
  bool chunking_ = false;  // BDAT: the bytes go through normalizer_
  CrlfNormalizer normalizer_;
  std::string scratch_;
  std::string queue_id_;
};

net::awaitable<bool> SmtpSession::flush() {
  auto out = protocol_.take_output();
  if (out.empty()) co_return true;
  co_return co_await conn_.write_all(out, ctx_.config.smtp.command_timeout);
}

net::awaitable<void> SmtpSession::on_rcpt(const smtp::RcptTo& rcpt) {
  const auto& path = rcpt.path;
  std::string address = path.to_string();
  std::vector<std::string> ours{conn_.local().address().to_string()};
  bool bare_postmaster = path.is_postmaster;  // <Postmaster> without a domain
  auto route = co_await net::run_blocking(ctx_.workers, [&, bare_postmaster] {
    return bare_postmaster ? ctx_.router.route_postmaster()
                           : ctx_.router.route(path.local_part, path.domain, ours);
  });
  if (!route) {
    spdlog::error("smtp: recipient lookup for <{}> failed: {}", address, route.error().message);
    protocol_.reject_recipient({451, "4.3.0", "Temporary lookup failure, try again later"});
    co_return;
  }
  switch (route->kind) {
    case delivery::RouteKind::not_local:
      protocol_.reject_recipient({550, "5.7.1", "<" + address + ">: Relay access denied"});
      co_return;
    case delivery::RouteKind::unknown_user:
      protocol_.reject_recipient(
          {550, "5.1.1", "<" + address + ">: Recipient address rejected: User unknown"});
      co_return;
    case delivery::RouteKind::local:
      break;
  }
  if (route->targets.empty()) {
    // Only remote alias targets: forwarding needs the outbound queue, which is not built yet.
    spdlog::warn("smtp: <{}> only forwards to remote addresses; deferring", address);
    protocol_.reject_recipient(
        {451, "4.3.0", "<" + address + ">: Forwarding not available, try later"});
    co_return;
  }
  if (!route->remote.empty())
    spdlog::warn("smtp: <{}> also forwards to {} remote address(es), not forwarded yet", address,
                 route->remote.size());
  routes_.push_back(std::move(*route));
  recipients_.push_back(address);
  protocol_.accept_recipient();
}

void SmtpSession::on_message_begin() {
  blob_ = ctx_.store.new_blob_writer();
  blob_failed_ = false;
  queue_id_ = make_queue_id();
  auto now = std::chrono::system_clock::now();
  smtp::ReceivedInfo info;
  info.helo = protocol_.helo_name();
  info.ip = conn_.peer().address().to_string();
  info.by = ctx_.config.hostname;
  info.protocol = std::string(protocol_.received_protocol());
  info.id = queue_id_;
  if (recipients_.size() == 1) info.for_recipient = recipients_.front();
  info.date = now;
  info.utc_offset_minutes = local_utc_offset_minutes(std::chrono::system_clock::to_time_t(now));
  if (!blob_->append(smtp::format_received(info))) blob_failed_ = true;
}

net::awaitable<void> SmtpSession::on_message_end() {
  if (!blob_ || blob_failed_) {
    blob_.reset();
    protocol_.message_rejected({451, "4.3.0", "Error writing the message, try again later"});
    co_return;
  }
  delivery::InboundMessage message;
  message.reverse_path = reverse_path_;
  message.routes = std::move(routes_);
  message.blob = std::move(blob_);
  message.internal_date = std::time(nullptr);
  auto size = message.blob->size();
  // The message stays in this frame until the delivery calls back, and the lambda captures only
  // pointers: g++ 12 may destroy the temporaries of a co_await full-expression twice, and a
  // captured shared_ptr then released its control block twice (heap corruption under load).
  delivery::InboundMessage* pending = &message;
  auto receipt =
      co_await net::await_callback<Result<store::DeliveryReceipt>>([this, pending](auto done) {
        asio::post(ctx_.workers.pool(), [this, pending, done = std::move(done)]() mutable {
          ctx_.delivery.deliver(std::move(*pending), std::move(done));
        });
      });
  routes_.clear();
  if (!receipt) {
    spdlog::error("smtp: {} delivery failed: {}", queue_id_, receipt.error().message);
    protocol_.message_rejected({451, "4.3.0", "Local delivery failed, try again later"});
    co_return;
  }
  std::size_t delivered = 0;
  bool over_quota = false;
  for (const auto& target : receipt->targets) {
    if (target) {
      ++delivered;
    } else {
      over_quota = over_quota || target.error().code == Errc::limit_exceeded;
      spdlog::warn("smtp: {} not delivered to one target: {}", queue_id_, target.error().message);
    }
  }
  if (delivered == 0) {
    if (over_quota)
      protocol_.message_rejected({452, "4.2.2", "Mailbox full, try again later"});
    else
      protocol_.message_rejected({451, "4.3.0", "Local delivery failed, try again later"});
    co_return;
  }
  spdlog::info("smtp: {} from=<{}> size={} delivered to {} mailbox(es) for {} recipient(s)",
               queue_id_, reverse_path_, size, delivered, recipients_.size());
  protocol_.message_accepted(queue_id_);
}

net::awaitable<void> SmtpSession::handle(smtp::Event& event) {
  if (auto* mail = std::get_if<smtp::MailFrom>(&event)) {
    reverse_path_ = mail->path.to_string();
    routes_.clear();
    recipients_.clear();
    protocol_.accept_sender();
  } else if (auto* rcpt = std::get_if<smtp::RcptTo>(&event)) {
    co_await on_rcpt(*rcpt);
  } else if (auto* begin = std::get_if<smtp::MessageBegin>(&event)) {
    chunking_ = begin->chunking;
    normalizer_.reset();
    on_message_begin();
  } else if (auto* chunk = std::get_if<smtp::MessageChunk>(&event)) {
    std::string_view bytes = chunk->bytes;
    if (chunking_) {
      scratch_.clear();
      normalizer_.feed(bytes, scratch_);
      bytes = scratch_;
    }
    if (blob_ && !blob_failed_ && !blob_->append(bytes)) blob_failed_ = true;
  } else if (std::holds_alternative<smtp::MessageEnd>(event)) {
    if (chunking_ && blob_ && !blob_failed_ && !blob_->append(normalizer_.finish()))
      blob_failed_ = true;
    co_await on_message_end();
  } else if (std::holds_alternative<smtp::MessageAborted>(event)) {
    blob_.reset();
  } else if (std::holds_alternative<smtp::Reset>(event)) {
    blob_.reset();
    routes_.clear();
    recipients_.clear();
  } else if (std::holds_alternative<smtp::StartTls>(event)) {
    if (!co_await flush()) {
      done_ = true;
      co_return;
    }
    if (co_await conn_.start_tls(ctx_.config.smtp.command_timeout)) {
      protocol_.tls_established();
    } else {
      spdlog::info("smtp: TLS handshake with {} failed", conn_.peer().address().to_string());
      protocol_.tls_failed();
    }
  } else if (std::holds_alternative<smtp::Close>(event)) {
    co_await flush();
    done_ = true;
  }
}

net::awaitable<void> SmtpSession::run() {
  auto self = shared_from_this();
  auto executor = conn_.executor();
  std::weak_ptr<SmtpSession> weak = self;
  auto registration = ctx_.registry.add([weak, executor] {
    asio::post(executor, [weak] {
      if (auto s = weak.lock()) s->on_stop();
    });
  });
  spdlog::debug("{}: connection from {}", role_name(role_), conn_.peer().address().to_string());
  if (implicit_tls_ && !co_await conn_.start_tls(ctx_.config.smtp.command_timeout)) {
    conn_.close();
    co_return;
  }
  protocol_.start();
  std::vector<char> buffer(16 * 1024);
  while (!done_) {
    while (!done_) {
      auto event = protocol_.next_event();
      if (!event) break;
      co_await handle(*event);
    }
    if (done_) break;
    if (!co_await flush()) break;
    if (protocol_.closed()) break;
    if (stopping_ && protocol_.phase() == smtp::Phase::command) {
      co_await conn_.write_all("421 4.3.2 Service shutting down\r\n", 2s);
      break;
    }
    idle_ = protocol_.phase() == smtp::Phase::command;
    auto r = co_await conn_.read_some(buffer, read_timeout());
    idle_ = false;
    switch (r.status) {
      case net::IoStatus::ok:
        protocol_.receive({buffer.data(), r.bytes});
        break;
      case net::IoStatus::timeout:
        protocol_.timed_out();
        break;
      case net::IoStatus::interrupted:
        co_await conn_.write_all("421 4.3.2 Service shutting down\r\n", 2s);
        done_ = true;
        break;
      case net::IoStatus::eof:
      case net::IoStatus::error:
        done_ = true;
        break;
    }
  }
  blob_.reset();  // a message cut off mid-DATA leaves nothing behind
  co_await conn_.shutdown(200ms);
  spdlog::debug("{}: {} disconnected", role_name(role_), conn_.peer().address().to_string());
}

}  // namespace

void start_smtp_session(ServerContext& ctx, net::tcp::socket socket, smtp::Role role,
                        bool implicit_tls) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) return;
  bool trusted = ctx.trusted.contains(peer.address());
  auto admission = ctx.smtp_limiter->try_admit(peer.address(), trusted);
  if (!admission.ticket) {
    // RFC 5321 §3.8: 421 and close. Written synchronously: the socket is fresh, the reply tiny.
    const char* text = admission.refusal == net::ConnectionLimiter::Refusal::per_address
                           ? "421 4.7.0 Too many connections from your address\r\n"
                           : "421 4.3.2 Too many connections, try again later\r\n";
    if (!implicit_tls) asio::write(socket, asio::buffer(std::string_view(text)), ec);
    socket.close(ec);
    return;
  }
  auto executor = socket.get_executor();
  auto session = std::make_shared<SmtpSession>(ctx, std::move(socket), role, implicit_tls,
                                               std::move(admission.ticket));
  asio::co_spawn(
      executor, [session] { return session->run(); }, asio::detached);
}

}  // namespace facteur::server
