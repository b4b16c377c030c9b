// The IMAP session loop: bytes <-> imap::Protocol, TLS, COMPRESS, timeouts, login, and the
// dispatch of requests to the handlers in the other imap_*.cpp files.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "base/log.hpp"
#include "net/worker_pool.hpp"
#include "server/imap_session_impl.hpp"
#include "server/login.hpp"

namespace facteur::server {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kSmallRead = 1024;      // read buffer of a waiting connection
constexpr std::size_t kBigRead = 64 * 1024;   // once reads fill the small one
constexpr std::size_t kFlushAt = 256 * 1024;  // FETCH output written out at this size
constexpr std::size_t kInflateChunk = 64 * 1024;

}  // namespace

// ---------------------------------------------------------------------------------------------
// ImapService

ImapService::ImapService(ServerContext& ctx, ImapSettings settings)
    : ctx_(ctx),
      settings_(settings),
      limiter_(std::make_shared<net::ConnectionLimiter>(settings.max_connections,
                                                        settings.max_connections_per_ip)),
      notifier_(std::make_unique<MailboxNotifier>(ctx.store)) {}

ImapService::~ImapService() = default;

void ImapService::start_session(net::tcp::socket socket, bool implicit_tls) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) return;
  bool trusted = ctx_.trusted.contains(peer.address());
  auto admission = limiter_->try_admit(peer.address(), trusted);
  if (!admission.ticket) {
    if (!implicit_tls) {
      asio::write(socket,
                  asio::buffer(std::string_view("* BYE [UNAVAILABLE] Too many connections\r\n")),
                  ec);
    }
    socket.close(ec);
    return;
  }
  auto executor = socket.get_executor();
  auto session = std::make_shared<ImapSession>(*this, std::move(socket), implicit_tls,
                                               std::move(admission.ticket));
  asio::co_spawn(
      executor, [session] { return session->run(); }, asio::detached);
}

// ---------------------------------------------------------------------------------------------
// ImapSession: construction and I/O

ImapSession::ImapSession(ImapService& service, net::tcp::socket socket, bool implicit_tls,
                         std::unique_ptr<net::ConnectionLimiter::Ticket> ticket)
    : service_(service),
      ctx_(service.context()),
      conn_(std::move(socket), service.context().tls),
      implicit_tls_(implicit_tls),
      ticket_(std::move(ticket)),
      client_(conn_.peer().address().to_string()),
      protocol_(protocol_options()) {}

ImapSession::~ImapSession() = default;

imap::Options ImapSession::protocol_options() const {
  imap::Options o;
  o.hostname = ctx_.config.hostname;
  o.tls_available = ctx_.tls != nullptr && !implicit_tls_;
  o.tls_active = implicit_tls_;
  o.plaintext_allowed = implicit_tls_ || ctx_.trusted.contains(conn_.peer().address());
  o.sasl_mechanisms = {"PLAIN", "LOGIN", "SCRAM-SHA-256"};
  o.limits.max_auth_failures = static_cast<unsigned>(ctx_.config.pop3.max_auth_failures);
  return o;
}

std::chrono::seconds ImapSession::read_timeout() const {
  return protocol_.state() == imap::State::not_authenticated ? service_.settings().login_timeout
                                                             : service_.settings().idle_timeout;
}

net::awaitable<bool> ImapSession::write_raw(std::string_view bytes) {
  if (bytes.empty()) co_return true;
  if (deflate_) {
    auto packed = deflate_->compress(bytes);
    if (!packed) co_return false;
    co_return co_await conn_.write_all(*packed, service_.settings().write_timeout);
  }
  co_return co_await conn_.write_all(bytes, service_.settings().write_timeout);
}

net::awaitable<bool> ImapSession::flush() {
  auto out = protocol_.take_output();
  if (out.empty()) co_return true;
  bool ok = co_await write_raw(out);
  if (!ok) done_ = true;
  co_return ok;
}

net::awaitable<bool> ImapSession::flush_if_large() {
  if (protocol_.writer().buffer().size() < kFlushAt) co_return true;
  co_return co_await flush();
}

bool ImapSession::feed_input(std::string_view bytes) {
  if (!inflate_) {
    protocol_.receive(bytes);
    return true;
  }
  inflate_->feed(bytes);
  std::string plain;
  for (;;) {
    plain.clear();
    auto n = inflate_->drain(plain, kInflateChunk);
    if (!n) {
      protocol_.abort("Compressed stream is corrupt");
      return false;
    }
    if (*n == 0) break;
    protocol_.receive(plain);
  }
  return true;
}

void ImapSession::on_stop() {
  stopping_ = true;
  if (reading_) conn_.interrupt();
}

void ImapSession::on_change() {
  dirty_ = true;
  if (reading_ && protocol_.idling()) conn_.interrupt();
}

net::awaitable<void> ImapSession::run() {
  auto self = shared_from_this();
  auto executor = conn_.executor();
  std::weak_ptr<ImapSession> weak = self;
  auto registration = ctx_.registry.add([weak, executor] {
    asio::post(executor, [weak] {
      if (auto s = weak.lock()) s->on_stop();
    });
  });
  if (implicit_tls_ && !co_await conn_.start_tls(service_.settings().login_timeout)) {
    conn_.close();
    co_return;
  }
  protocol_.start();
  while (!done_) {
    while (!done_) {
      auto event = protocol_.next_event();
      if (!event) break;
      co_await handle(*event);
    }
    if (done_) break;
    if (!co_await flush()) break;
    if (protocol_.closed()) break;
    if (!protocol_.wants_input()) continue;  // output was throttled: more to do without reading
    if (stopping_) {
      protocol_.shutdown();
      continue;
    }
    if (protocol_.idling() && dirty_) {
      co_await idle_update();
      continue;
    }
    // A waiting connection holds a small buffer; bulk input (APPEND) grows it.
    if (read_buffer_.size() < kSmallRead) read_buffer_.resize(kSmallRead);
    reading_ = true;
    auto r = co_await conn_.read_some(read_buffer_, read_timeout());
    reading_ = false;
    switch (r.status) {
      case net::IoStatus::ok:
        feed_input({read_buffer_.data(), r.bytes});
        if (r.bytes == read_buffer_.size() && read_buffer_.size() < kBigRead) {
          read_buffer_.resize(kBigRead);
        } else if (r.bytes < kSmallRead && read_buffer_.size() > kSmallRead) {
          read_buffer_.resize(kSmallRead);
          read_buffer_.shrink_to_fit();
        }
        break;
      case net::IoStatus::timeout:
        protocol_.timed_out();
        break;
      case net::IoStatus::interrupted:
        if (stopping_) protocol_.shutdown();
        break;  // else a change to announce (IDLE): the loop does it
      case net::IoStatus::eof:
      case net::IoStatus::error:
        done_ = true;
        break;
    }
  }
  // A connection dropped mid-APPEND stores nothing: the staged blobs go with append_.
  append_.reset();
  selected_.reset();
  co_await conn_.shutdown(200ms);
}

net::awaitable<void> ImapSession::handle(imap::Event& event) {
  if (auto* login = std::get_if<imap::Login>(&event)) {
    co_await on_login(*login);
  } else if (auto* start = std::get_if<imap::SaslStart>(&event)) {
    auto mech = directory::parse_sasl_mechanism(start->mechanism);
    if (!mech) {
      protocol_.login_failed();
      co_return;
    }
    sasl_ = directory::make_sasl_server(*mech);
    sasl_account_.reset();
    sasl_user_.clear();
    std::optional<std::string_view> initial;
    if (start->initial_response) initial = *start->initial_response;
    co_await on_sasl(sasl_->step(initial));
  } else if (auto* response = std::get_if<imap::SaslResponse>(&event)) {
    if (!sasl_) {
      protocol_.login_failed();
      co_return;
    }
    co_await on_sasl(sasl_->step(response->data));
  } else if (std::holds_alternative<imap::StartTls>(event)) {
    if (!co_await flush()) co_return;
    if (co_await conn_.start_tls(service_.settings().login_timeout))
      protocol_.tls_established();
    else
      protocol_.tls_failed();
  } else if (std::holds_alternative<imap::StartCompression>(event)) {
    if (!co_await flush()) co_return;
    deflate_ = std::make_unique<DeflateStream>();
    inflate_ = std::make_unique<InflateStream>();
  } else if (auto* request = std::get_if<imap::Request>(&event)) {
    co_await on_request(*request);
  } else if (auto* idle_done = std::get_if<imap::IdleDone>(&event)) {
    (void)idle_done;
    if (selected_ && !co_await sync()) co_return;
    if (selected_) {
      auto w = writer();
      selected_->view.flush(w, imap::MailboxView::Moment::any, flush_options());
    }
    protocol_.done(imap::Outcome::ok);
  } else if (auto* begin = std::get_if<imap::AppendBegin>(&event)) {
    co_await on_append_begin(*begin);
  } else if (auto* chunk = std::get_if<imap::AppendChunk>(&event)) {
    on_append_chunk(chunk->bytes);
  } else if (std::holds_alternative<imap::AppendEnd>(event)) {
    co_await on_append_end();
  } else if (std::holds_alternative<imap::AppendAborted>(event)) {
    append_.reset();
  } else if (std::holds_alternative<imap::Close>(event)) {
    co_await flush();
    done_ = true;
  }
  // imap::Enabled needs no answer.
}

// ---------------------------------------------------------------------------------------------
// Login

net::awaitable<void> ImapSession::throttle(const std::string& user) {
  auto delay = ctx_.auth_throttle.delay_for(client_, user);
  if (delay.count() > 0) {
    asio::steady_timer timer(conn_.executor(), delay);
    co_await timer.async_wait(net::use_nothrow);
  }
}

void ImapSession::login_done(const std::optional<store::Account>& account, const std::string& user,
                             imap::LoginFailure failure) {
  if (account) {
    ctx_.auth_throttle.record_success(client_, user);
    account_ = account->id;
    address_ = account->address;
    spdlog::info("imap: {} logged in from {}", address_, client_);
    protocol_.login_succeeded();
    return;
  }
  if (failure == imap::LoginFailure::bad_credentials) {
    ctx_.auth_throttle.record_failure(client_, user);
    spdlog::info("imap: failed login for '{}' from {}", user, client_);
  }
  protocol_.login_failed(failure);
}

net::awaitable<void> ImapSession::on_login(const imap::Login& login) {
  co_await throttle(login.user);
  struct Outcome {
    std::optional<store::Account> account;
    imap::LoginFailure failure = imap::LoginFailure::bad_credentials;
  };
  auto outcome = co_await net::run_blocking(ctx_.workers, [&]() -> Outcome {
    auto account = find_login_account(ctx_.store, ctx_.config, login.user);
    if (!account) return {std::nullopt, imap::LoginFailure::unavailable};
    std::optional<directory::Credentials> creds;
    if (*account) creds = credentials_of(**account);
    if (!directory::check_password(creds, login.password) || !*account) return {};
    return {std::move(*account), {}};
  });
  login_done(outcome.account, login.user, outcome.failure);
}

net::awaitable<void> ImapSession::on_sasl(directory::SaslStep step) {
  // The account looked up when the mechanism asked for credentials is kept until its verdict
  // (SCRAM gives it one round trip later).
  for (;;) {
    if (auto* challenge = std::get_if<directory::SaslChallenge>(&step)) {
      protocol_.sasl_challenge(challenge->data);
      co_return;
    }
    if (auto* need = std::get_if<directory::SaslNeedCredentials>(&step)) {
      sasl_user_ = need->authcid;
      co_await throttle(sasl_user_);
      auto* mech = sasl_.get();
      auto account = co_await net::run_blocking(
          ctx_.workers, [&] { return find_login_account(ctx_.store, ctx_.config, sasl_user_); });
      if (!account) {
        spdlog::error("imap: account lookup for '{}' failed: {}", sasl_user_,
                      account.error().message);
        sasl_.reset();
        login_done(std::nullopt, sasl_user_, imap::LoginFailure::unavailable);
        co_return;
      }
      std::optional<directory::Credentials> creds;
      if (*account) creds = credentials_of(**account);
      sasl_account_ = std::move(*account);
      step = co_await net::run_blocking(ctx_.workers,
                                        [&] { return mech->provide_credentials(creds); });
      continue;
    }
    if (std::holds_alternative<directory::SaslSuccess>(step)) {
      if (!sasl_account_) {
        step = directory::SaslFailure{directory::SaslError::bad_credentials, "no account"};
        continue;
      }
      std::optional<store::Account> account = std::move(sasl_account_);
      sasl_account_.reset();
      sasl_.reset();
      login_done(account, sasl_user_, {});
      co_return;
    }
    auto& failure = std::get<directory::SaslFailure>(step);
    sasl_.reset();
    sasl_account_.reset();
    spdlog::info("imap: SASL failure from {}: {}", client_, failure.reason);
    login_done(std::nullopt, sasl_user_, imap::LoginFailure::bad_credentials);
    co_return;
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

net::awaitable<void> ImapSession::on_request(imap::Request& request) {
  if (std::holds_alternative<imap::IdleCmd>(request.command)) {
    // "+ idling" is queued; announce what is pending now, then wait (the loop reads and
    // announces changes as they come; IdleDone completes the command).
    if (selected_) {
      if (!co_await sync()) co_return;
      auto w = writer();
      selected_->view.flush(w, imap::MailboxView::Moment::any, flush_options());
    }
    co_return;
  }
  Reply reply = co_await answer(request);
  if (done_ || protocol_.closed()) co_return;
  co_await finish_request(request.command, request.condstore_enabled, reply);
}

net::awaitable<void> ImapSession::finish_request(const imap::Command& command,
                                                 bool condstore_enabled, const Reply& reply) {
  if (selected_ && protocol_.state() == imap::State::selected) {
    if (dirty_ && !co_await sync()) co_return;
    auto w = writer();
    selected_->view.flush(w, imap::MailboxView::moment_for(command), flush_options());
    if (condstore_enabled) {
      w.status("OK", imap::code::highestmodseq(selected_->view.highest_modseq()), "Highest");
    }
  }
  protocol_.done(reply.outcome, reply.code, reply.text);
}

net::awaitable<Reply> ImapSession::answer(imap::Request& request) {
  auto& c = request.command;
  if (std::holds_alternative<imap::NoopCmd>(c) || std::holds_alternative<imap::CheckCmd>(c)) {
    if (selected_) dirty_ = true;  // always look: another process (the CLI) may have written
    co_return ok_reply();
  }
  if (auto* s = std::get_if<imap::SelectCmd>(&c)) co_return co_await cmd_select(*s);
  if (auto* s = std::get_if<imap::CreateCmd>(&c)) co_return co_await cmd_create(*s);
  if (auto* s = std::get_if<imap::DeleteCmd>(&c)) co_return co_await cmd_delete(*s);
  if (auto* s = std::get_if<imap::RenameCmd>(&c)) co_return co_await cmd_rename(*s);
  if (auto* s = std::get_if<imap::SubscribeCmd>(&c)) co_return co_await cmd_subscribe(*s);
  if (auto* s = std::get_if<imap::ListCmd>(&c)) co_return co_await cmd_list(*s);
  if (auto* s = std::get_if<imap::StatusCmd>(&c)) co_return co_await cmd_status(*s);
  if (std::holds_alternative<imap::GetQuotaCmd>(c) ||
      std::holds_alternative<imap::GetQuotaRootCmd>(c) ||
      std::holds_alternative<imap::SetQuotaCmd>(c)) {
    co_return co_await cmd_quota(c);
  }
  if (std::holds_alternative<imap::CloseCmd>(c)) co_return co_await cmd_close(true);
  if (std::holds_alternative<imap::UnselectCmd>(c)) co_return co_await cmd_close(false);
  if (!selected_) co_return no_reply("", "No mailbox selected");
  if (auto* s = std::get_if<imap::ExpungeCmd>(&c)) co_return co_await cmd_expunge(*s);
  if (auto* s = std::get_if<imap::CopyCmd>(&c)) co_return co_await cmd_copy(*s);
  if (auto* s = std::get_if<imap::FetchCmd>(&c)) co_return co_await cmd_fetch(*s);
  if (auto* s = std::get_if<imap::StoreCmd>(&c)) co_return co_await cmd_store(*s);
  if (std::holds_alternative<imap::SearchCmd>(c) || std::holds_alternative<imap::SortCmd>(c) ||
      std::holds_alternative<imap::ThreadCmd>(c)) {
    co_return co_await cmd_search(c, request.tag);
  }
  co_return bad_reply("Command not supported here");
}

}  // namespace facteur::server
