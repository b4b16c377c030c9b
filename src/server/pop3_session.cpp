#include "server/pop3_session.hpp"

#include <atomic>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "base/log.hpp"
#include "directory/apop.hpp"
#include "directory/sasl.hpp"
#include "net/connection.hpp"
#include "proto/pop3/dot_stuffer.hpp"
#include "proto/pop3/protocol.hpp"
#include "server/login.hpp"

namespace facteur::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr std::size_t kChunk = 256 * 1024;      // bytes read from the store per step
constexpr std::size_t kMaxBatch = 64;           // pipelined RETRs served by one store hop
constexpr std::uint64_t kBatchBytes = 1 << 20;  // and their total size

std::string make_apop_timestamp(const std::string& hostname) {
  static std::atomic<std::uint64_t> counter{0};
  return fmt::format("<{}.{}.{}@{}>", ::getpid(), counter.fetch_add(1), std::time(nullptr),
                     hostname);
}

// What a successful login opens: the locked maildrop and its listing.
struct Maildrop {
  store::Account account;
  std::unique_ptr<store::Lock> lock;
  store::MailboxId inbox = 0;
  std::vector<pop3::MaildropEntry> entries;
  std::vector<store::Uid> uids;  // parallel to entries
};

enum class LoginStatus { ok, bad_credentials, in_use, temporary };

struct LoginOutcome {
  LoginStatus status = LoginStatus::bad_credentials;
  std::unique_ptr<Maildrop> maildrop;
};

// Blocking: lock and list the maildrop (INBOX) of an authenticated account.
LoginOutcome open_maildrop(store::Store& store, store::Account account) {
  auto lock = store.try_lock_maildrop(account.id);
  if (!lock) {
    return {lock.error().code == Errc::conflict ? LoginStatus::in_use : LoginStatus::temporary,
            nullptr};
  }
  auto inbox = store.find_mailbox(account.id, "INBOX");
  if (!inbox) return {LoginStatus::temporary, nullptr};
  auto messages = store.list_messages(inbox->id);
  if (!messages) return {LoginStatus::temporary, nullptr};
  auto drop = std::make_unique<Maildrop>();
  drop->account = std::move(account);
  drop->lock = std::move(*lock);
  drop->inbox = inbox->id;
  drop->entries.reserve(messages->size());
  drop->uids.reserve(messages->size());
  for (const auto& m : *messages) {
    // UIDL: stable across sessions and restarts; a re-created mailbox (new UIDVALIDITY) gets new
    // ones, so clients never confuse two different messages.
    drop->entries.push_back({fmt::format("{}.{}", inbox->uid_validity, m.uid), m.size});
    drop->uids.push_back(m.uid);
  }
  return {LoginStatus::ok, std::move(drop)};
}

class Pop3Session : public std::enable_shared_from_this<Pop3Session> {
 public:
  Pop3Session(ServerContext& ctx, net::tcp::socket socket, bool implicit_tls,
              std::unique_ptr<net::ConnectionLimiter::Ticket> ticket)
      : ctx_(ctx),
        conn_(std::move(socket), ctx.tls),
        implicit_tls_(implicit_tls),
        ticket_(std::move(ticket)),
        client_(conn_.peer().address().to_string()),
        protocol_(options(), make_apop_timestamp(ctx.config.hostname)) {}

  net::awaitable<void> run();
  void on_stop() {
    stopping_ = true;
    if (idle_) conn_.interrupt();
  }

 private:
  pop3::Options options() const {
    pop3::Options o;
    o.hostname = ctx_.config.hostname;
    o.tls_available = ctx_.tls != nullptr && !implicit_tls_;
    o.tls_active = implicit_tls_;
    o.plaintext_allowed = implicit_tls_ || ctx_.trusted.contains(conn_.peer().address());
    o.limits.max_auth_failures = static_cast<unsigned>(ctx_.config.pop3.max_auth_failures);
    return o;
  }

  net::awaitable<void> handle(pop3::Event& event);
  net::awaitable<void> throttle(const std::string& user);
  // Plain functions, not coroutines: g++ 12 may destroy a temporary argument of a coroutine call
  // inside co_await twice, and these take non-trivial values.
  void finish_login(LoginOutcome outcome, const std::string& user);
  net::awaitable<void> on_password(const pop3::AuthenticatePassword& auth);
  net::awaitable<void> on_apop(const pop3::AuthenticateApop& auth);
  net::awaitable<void> on_sasl(directory::SaslStep& step);
  net::awaitable<std::optional<pop3::Event>> on_retrieve(const pop3::Retrieve& first);
  net::awaitable<bool> stream_message(const pop3::Retrieve& retrieve);
  net::awaitable<void> on_update(const pop3::Update& update);
  net::awaitable<bool> flush();
  net::awaitable<bool> write(std::string_view bytes) {
    return conn_.write_all(bytes, ctx_.config.pop3.idle_timeout);
  }

  ServerContext& ctx_;
  net::Connection conn_;
  bool implicit_tls_;
  std::unique_ptr<net::ConnectionLimiter::Ticket> ticket_;
  std::string client_;
  pop3::Protocol protocol_;
  std::unique_ptr<directory::SaslServer> sasl_;
  std::optional<store::Account> sasl_account_;  // looked up for the exchange in progress
  std::string sasl_user_;
  std::unique_ptr<Maildrop> maildrop_;
  bool idle_ = false;
  bool stopping_ = false;
  bool done_ = false;
};

net::awaitable<bool> Pop3Session::flush() {
  auto out = protocol_.take_output();
  if (out.empty()) co_return true;
  co_return co_await write(out);
}

net::awaitable<void> Pop3Session::throttle(const std::string& user) {
  auto delay = ctx_.auth_throttle.delay_for(client_, user);
  if (delay.count() > 0) {
    asio::steady_timer timer(conn_.executor(), delay);
    co_await timer.async_wait(net::use_nothrow);
  }
}

void Pop3Session::finish_login(LoginOutcome outcome, const std::string& user) {
  switch (outcome.status) {
    case LoginStatus::ok:
      ctx_.auth_throttle.record_success(client_, user);
      spdlog::info("pop3: {} logged in from {} ({} messages)", outcome.maildrop->account.address,
                   client_, outcome.maildrop->entries.size());
      protocol_.auth_succeeded(outcome.maildrop->entries);
      maildrop_ = std::move(outcome.maildrop);
      break;
    case LoginStatus::bad_credentials:
      ctx_.auth_throttle.record_failure(client_, user);
      spdlog::info("pop3: failed login for '{}' from {}", user, client_);
      protocol_.auth_failed(pop3::AuthFailure::bad_credentials);
      break;
    case LoginStatus::in_use:
      protocol_.auth_failed(pop3::AuthFailure::in_use);
      break;
    case LoginStatus::temporary:
      protocol_.auth_failed(pop3::AuthFailure::temporary);
      break;
  }
}

net::awaitable<void> Pop3Session::on_password(const pop3::AuthenticatePassword& auth) {
  co_await throttle(auth.user);
  auto outcome = co_await net::run_blocking(ctx_.workers, [&]() -> LoginOutcome {
    auto account = find_login_account(ctx_.store, ctx_.config, auth.user);
    if (!account) return {LoginStatus::temporary, nullptr};
    std::optional<directory::Credentials> creds;
    if (*account) creds = credentials_of(**account);
    if (!directory::check_password(creds, auth.password) || !*account)
      return {LoginStatus::bad_credentials, nullptr};
    return open_maildrop(ctx_.store, std::move(**account));
  });
  finish_login(std::move(outcome), auth.user);
}

net::awaitable<void> Pop3Session::on_apop(const pop3::AuthenticateApop& auth) {
  co_await throttle(auth.user);
  auto outcome = co_await net::run_blocking(ctx_.workers, [&]() -> LoginOutcome {
    auto account = find_login_account(ctx_.store, ctx_.config, auth.user);
    if (!account) return {LoginStatus::temporary, nullptr};
    // APOP works only for accounts that asked for an APOP secret (RFC 1939 §7).
    if (!*account || !(*account)->apop_secret ||
        !directory::apop_digest_matches(auth.timestamp, *(*account)->apop_secret, auth.digest))
      return {LoginStatus::bad_credentials, nullptr};
    return open_maildrop(ctx_.store, std::move(**account));
  });
  finish_login(std::move(outcome), auth.user);
}

net::awaitable<void> Pop3Session::on_sasl(directory::SaslStep& step) {
  // An exchange spans several client lines: the account looked up when the mechanism asked for
  // credentials is kept until the mechanism's verdict, which SCRAM gives only after one more
  // round trip (its server-final message goes out as a challenge, RFC 5034 §4).
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
        spdlog::error("pop3: account lookup for '{}' failed: {}", sasl_user_,
                      account.error().message);
        sasl_.reset();
        finish_login({LoginStatus::temporary, nullptr}, sasl_user_);
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
      // Success is only ever reached through a credential lookup; without an account (a decoy
      // record) no mechanism succeeds, but refuse rather than trust that.
      if (!sasl_account_) {
        step = directory::SaslFailure{directory::SaslError::bad_credentials, "no account"};
        continue;
      }
      auto account = std::move(*sasl_account_);
      sasl_account_.reset();
      sasl_.reset();
      auto outcome = co_await net::run_blocking(
          ctx_.workers, [&] { return open_maildrop(ctx_.store, std::move(account)); });
      finish_login(std::move(outcome), sasl_user_);
      co_return;
    }
    auto& failure = std::get<directory::SaslFailure>(step);
    sasl_.reset();
    sasl_account_.reset();
    spdlog::info("pop3: SASL failure from {}: {}", client_, failure.reason);
    finish_login({LoginStatus::bad_credentials, nullptr}, sasl_user_);
    co_return;
  }
}

// Pipelined RETR/TOP commands are served in batches: one hop to the worker pool reads every small
// message of the batch, and the replies ("+OK" lines and bodies) go out in one write. Returns the
// first non-RETR event the batch pulled from the protocol, to be handled next.
net::awaitable<std::optional<pop3::Event>> Pop3Session::on_retrieve(const pop3::Retrieve& first) {
  struct Item {
    std::string head;  // protocol output up to and including this message's "+OK" line
    pop3::Retrieve retrieve;
    std::string body;
  };
  std::vector<Item> items;
  items.push_back({protocol_.take_output(), first, {}});
  std::uint64_t batch_bytes = first.size;
  std::optional<pop3::Event> leftover;
  while (items.size() < kMaxBatch && batch_bytes < kBatchBytes) {
    auto event = protocol_.next_event();
    if (!event) break;
    auto* retrieve = std::get_if<pop3::Retrieve>(&*event);
    if (!retrieve) {
      leftover = std::move(event);
      break;
    }
    batch_bytes += retrieve->size;
    items.push_back({protocol_.take_output(), std::move(*retrieve), {}});
  }
  if (!maildrop_) {
    done_ = true;
    co_return std::nullopt;
  }
  auto read = co_await net::run_blocking(ctx_.workers, [&]() -> Status {
    for (auto& item : items) {
      if (item.retrieve.size > kChunk) continue;  // streamed below
      auto content =
          ctx_.store.open_message(maildrop_->inbox, maildrop_->uids.at(item.retrieve.index));
      if (!content) return std::unexpected(content.error());
      item.body.resize(content->size());
      auto n = content->read(0, item.body);
      if (!n) return std::unexpected(n.error());
      item.body.resize(*n);
    }
    return {};
  });
  if (!read) {
    // Nothing of the batch is written yet, but its "+OK"s are promised: drop the connection.
    spdlog::error("pop3: cannot read a message of {}: {}", maildrop_->account.address,
                  read.error().message);
    done_ = true;
    co_return std::nullopt;
  }
  std::string out;
  for (auto& item : items) {
    out += item.head;
    if (item.retrieve.size <= kChunk) {
      pop3::DotStuffer stuffer(item.retrieve.top_lines);
      out += stuffer.feed(item.body);
      out += stuffer.finish();
      continue;
    }
    if (!co_await write(out) || !co_await stream_message(item.retrieve)) {
      done_ = true;
      co_return std::nullopt;
    }
    out.clear();
  }
  if (!out.empty() && !co_await write(out)) done_ = true;
  co_return leftover;
}

// A big message, chunk by chunk: never held whole in memory.
net::awaitable<bool> Pop3Session::stream_message(const pop3::Retrieve& retrieve) {
  store::Uid uid = maildrop_->uids.at(retrieve.index);
  std::optional<store::MessageContent> content;
  std::string chunk;
  std::uint64_t offset = 0;
  auto read_chunk = [&]() -> Status {
    if (!content) {
      auto c = ctx_.store.open_message(maildrop_->inbox, uid);
      if (!c) return std::unexpected(c.error());
      content.emplace(std::move(*c));
    }
    chunk.resize(kChunk);
    auto n = content->read(offset, chunk);
    if (!n) return std::unexpected(n.error());
    chunk.resize(*n);
    offset += *n;
    return {};
  };
  pop3::DotStuffer stuffer(retrieve.top_lines);
  do {
    auto next = co_await net::run_blocking(ctx_.workers, read_chunk);
    if (!next) {
      spdlog::error("pop3: cannot read message {} of {}: {}", uid, maildrop_->account.address,
                    next.error().message);
      co_return false;
    }
    std::string out = stuffer.feed(chunk);
    if (!co_await write(out)) co_return false;
  } while (offset < content->size() && !stuffer.done() && !chunk.empty());
  std::string end = stuffer.finish();
  co_return co_await write(end);
}

net::awaitable<void> Pop3Session::on_update(const pop3::Update& update) {
  bool ok = true;
  if (maildrop_ && !update.deleted_uids.empty()) {
    std::unordered_map<std::string_view, store::Uid> by_uidl;
    for (std::size_t i = 0; i < maildrop_->entries.size(); ++i)
      by_uidl.emplace(maildrop_->entries[i].uid, maildrop_->uids[i]);
    std::vector<store::Uid> uids;
    for (const auto& u : update.deleted_uids)
      if (auto it = by_uidl.find(u); it != by_uidl.end()) uids.push_back(it->second);
    auto result = co_await net::run_blocking(
        ctx_.workers, [&] { return ctx_.store.expunge(maildrop_->inbox, uids); });
    ok = result.has_value();
    if (!ok)
      spdlog::error("pop3: expunge for {} failed: {}", maildrop_->account.address,
                    result.error().message);
  }
  maildrop_.reset();  // releases the lock
  protocol_.update_done(ok);
}

net::awaitable<void> Pop3Session::handle(pop3::Event& event) {
  if (auto* pass = std::get_if<pop3::AuthenticatePassword>(&event)) {
    co_await on_password(*pass);
  } else if (auto* apop = std::get_if<pop3::AuthenticateApop>(&event)) {
    co_await on_apop(*apop);
  } else if (auto* start = std::get_if<pop3::SaslStart>(&event)) {
    auto mech = directory::parse_sasl_mechanism(start->mechanism);
    if (!mech) {
      protocol_.auth_failed(pop3::AuthFailure::bad_credentials);
      co_return;
    }
    sasl_ = directory::make_sasl_server(*mech);
    sasl_account_.reset();
    sasl_user_.clear();
    std::optional<std::string_view> initial;
    if (start->initial_response) initial = *start->initial_response;
    auto step = sasl_->step(initial);
    co_await on_sasl(step);
  } else if (auto* response = std::get_if<pop3::SaslResponse>(&event)) {
    if (!sasl_) {
      protocol_.auth_failed(pop3::AuthFailure::bad_credentials);
      co_return;
    }
    auto step = sasl_->step(response->data);
    co_await on_sasl(step);
  } else if (std::holds_alternative<pop3::StartTls>(event)) {
    if (!co_await flush()) {
      done_ = true;
      co_return;
    }
    if (co_await conn_.start_tls(ctx_.config.pop3.idle_timeout))
      protocol_.tls_established();
    else
      protocol_.tls_failed();
  } else if (auto* update = std::get_if<pop3::Update>(&event)) {
    co_await on_update(*update);
  } else if (std::holds_alternative<pop3::Close>(event)) {
    co_await flush();
    done_ = true;
  }
}

net::awaitable<void> Pop3Session::run() {
  auto self = shared_from_this();
  auto executor = conn_.executor();
  std::weak_ptr<Pop3Session> weak = self;
  auto registration = ctx_.registry.add([weak, executor] {
    asio::post(executor, [weak] {
      if (auto s = weak.lock()) s->on_stop();
    });
  });
  if (implicit_tls_ && !co_await conn_.start_tls(ctx_.config.pop3.idle_timeout)) {
    conn_.close();
    co_return;
  }
  protocol_.start();
  std::vector<char> buffer(8 * 1024);
  while (!done_) {
    std::optional<pop3::Event> event = protocol_.next_event();
    while (event && !done_) {
      std::optional<pop3::Event> next;
      if (auto* retrieve = std::get_if<pop3::Retrieve>(&*event)) {
        next = co_await on_retrieve(*retrieve);
      } else {
        co_await handle(*event);
      }
      if (done_) break;
      event = next ? std::move(next) : protocol_.next_event();
    }
    if (done_) break;
    if (!co_await flush()) break;
    if (protocol_.closed()) break;
    if (!protocol_.wants_input()) continue;  // output was throttled; more to do without reading
    if (stopping_) {
      protocol_.shutdown();  // -ERR [SYS/TEMP], no UPDATE: nothing is deleted
      continue;
    }
    idle_ = true;
    auto r = co_await conn_.read_some(buffer, ctx_.config.pop3.idle_timeout);
    idle_ = false;
    switch (r.status) {
      case net::IoStatus::ok:
        protocol_.receive({buffer.data(), r.bytes});
        break;
      case net::IoStatus::timeout:
        protocol_.timed_out();
        break;
      case net::IoStatus::interrupted:
        protocol_.shutdown();
        break;
      case net::IoStatus::eof:
      case net::IoStatus::error:
        done_ = true;
        break;
    }
  }
  maildrop_.reset();  // dropped without QUIT: nothing deleted (RFC 1939 §6), lock released
  co_await conn_.shutdown(200ms);
}

}  // namespace

void start_pop3_session(ServerContext& ctx, net::tcp::socket socket, bool implicit_tls) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) return;
  bool trusted = ctx.trusted.contains(peer.address());
  auto admission = ctx.pop3_limiter->try_admit(peer.address(), trusted);
  if (!admission.ticket) {
    if (!implicit_tls)
      asio::write(socket,
                  asio::buffer(std::string_view("-ERR [SYS/TEMP] Too many connections\r\n")), ec);
    socket.close(ec);
    return;
  }
  auto executor = socket.get_executor();
  auto session = std::make_shared<Pop3Session>(ctx, std::move(socket), implicit_tls,
                                               std::move(admission.ticket));
  asio::co_spawn(
      executor, [session] { return session->run(); }, asio::detached);
}

}  // namespace facteur::server
