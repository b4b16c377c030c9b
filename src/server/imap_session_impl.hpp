// ImapSession: one IMAP connection (internal to the server module). The member functions are
// split by concern over imap_session.cpp (loop, I/O, login), imap_mailbox.cpp (mailbox
// commands, the selected mailbox and its updates), imap_fetch.cpp (FETCH, STORE),
// imap_search.cpp (SEARCH, SORT, THREAD) and imap_append.cpp (APPEND).
//
// Threading: everything runs on the connection's executor; store calls hop to the worker pool
// with run_blocking (capturing references only, see net/worker_pool.hpp) and come back.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "directory/sasl.hpp"
#include "mail/crlf.hpp"
#include "net/connection.hpp"
#include "net/connection_limiter.hpp"
#include "proto/imap/mailbox_view.hpp"
#include "proto/imap/protocol.hpp"
#include "server/context.hpp"
#include "server/imap_compress.hpp"
#include "server/imap_notifier.hpp"
#include "server/imap_session.hpp"
#include "store/store.hpp"

namespace facteur::server {

// The answer to a Request: the tagged response.
struct Reply {
  imap::Outcome outcome = imap::Outcome::ok;
  std::string code;
  std::string text;
};
inline Reply ok_reply(std::string code = {}, std::string text = {}) {
  return Reply{imap::Outcome::ok, std::move(code), std::move(text)};
}
inline Reply no_reply(std::string_view code, std::string_view text) {
  return Reply{imap::Outcome::no, std::string(code), std::string(text)};
}
inline Reply bad_reply(std::string_view text) {
  return Reply{imap::Outcome::bad, {}, std::string(text)};
}

// The mailbox a session has selected.
struct SelectedMailbox {
  store::MailboxId id = 0;
  std::string name;
  std::uint32_t uid_validity = 0;
  bool read_only = false;
  imap::MailboxView view;
  // Mod-sequences of this session's own flag changes: already answered with FETCH, so the
  // update from the store must not be announced a second time.
  std::vector<store::ModSeq> own_modseqs;
  std::unique_ptr<MailboxNotifier::Watch> watch;
};

// One APPEND in progress (RFC 3502 MULTIAPPEND: several messages, all or nothing).
struct AppendState {
  struct Staged {
    std::unique_ptr<store::BlobWriter> blob;
    imap::Flags flags;
    std::int64_t internal_date = 0;
  };
  store::MailboxId mailbox = 0;
  std::uint32_t uid_validity = 0;
  std::vector<Staged> staged;
  mail::CrlfNormalizer crlf;  // line-end state of the message being received
  bool failed = false;
  std::string scratch;
};

class ImapSession : public std::enable_shared_from_this<ImapSession> {
 public:
  ImapSession(ImapService& service, net::tcp::socket socket, bool implicit_tls,
              std::unique_ptr<net::ConnectionLimiter::Ticket> ticket);
  ~ImapSession();

  net::awaitable<void> run();
  void on_stop();
  void on_change();  // the selected mailbox changed in the store (on this executor)

 private:
  // ---- loop and I/O (imap_session.cpp)
  imap::Options protocol_options() const;
  net::awaitable<void> handle(imap::Event& event);
  net::awaitable<bool> flush();
  net::awaitable<bool> write_raw(std::string_view bytes);
  net::awaitable<bool> flush_if_large();  // FETCH and friends: keep the output buffer bounded
  bool feed_input(std::string_view bytes);
  std::chrono::seconds read_timeout() const;
  imap::ResponseWriter writer() { return protocol_.writer(); }

  // ---- login (imap_session.cpp)
  net::awaitable<void> throttle(const std::string& user);
  net::awaitable<void> on_login(const imap::Login& login);
  net::awaitable<void> on_sasl(directory::SaslStep step);
  void login_done(const std::optional<store::Account>& account, const std::string& user,
                  imap::LoginFailure failure);

  // ---- requests (imap_session.cpp dispatches)
  net::awaitable<void> on_request(imap::Request& request);
  net::awaitable<Reply> answer(imap::Request& request);
  net::awaitable<void> finish_request(const imap::Command& command, bool condstore_enabled,
                                      const Reply& reply);

  // ---- mailboxes (imap_mailbox.cpp)
  net::awaitable<Reply> cmd_select(const imap::SelectCmd& cmd);
  net::awaitable<Reply> cmd_create(const imap::CreateCmd& cmd);
  net::awaitable<Reply> cmd_delete(const imap::DeleteCmd& cmd);
  net::awaitable<Reply> cmd_rename(const imap::RenameCmd& cmd);
  net::awaitable<Reply> cmd_subscribe(const imap::SubscribeCmd& cmd);
  net::awaitable<Reply> cmd_list(const imap::ListCmd& cmd);
  net::awaitable<Reply> cmd_status(const imap::StatusCmd& cmd);
  net::awaitable<Reply> cmd_quota(const imap::Command& cmd);
  net::awaitable<Reply> cmd_close(bool expunge);
  net::awaitable<Reply> cmd_expunge(const imap::ExpungeCmd& cmd);
  net::awaitable<Reply> cmd_copy(const imap::CopyCmd& cmd);
  // Brings the view up to date with the store (EXISTS/EXPUNGE/FETCH become pending in it).
  // false: the mailbox is gone (the session was closed with BYE).
  net::awaitable<bool> sync();
  net::awaitable<void> idle_update();  // during IDLE: sync and write what changed
  void write_status(const store::Mailbox& mailbox, std::span<const imap::StatusItem> items,
                    std::uint64_t deleted);
  imap::MailboxView::FlushOptions flush_options() const;
  // Resolves a command's set to UIDs; nullopt (with the BAD text set) for a bad set.
  std::optional<std::vector<store::Uid>> resolve(const imap::SequenceSet& set, bool uid,
                                                 Reply& reply);

  // ---- FETCH, STORE (imap_fetch.cpp)
  net::awaitable<Reply> cmd_fetch(const imap::FetchCmd& cmd);
  net::awaitable<Reply> cmd_store(const imap::StoreCmd& cmd);

  // ---- SEARCH, SORT, THREAD (imap_search.cpp)
  net::awaitable<Reply> cmd_search(const imap::Command& cmd, const std::string& tag);

  // ---- APPEND (imap_append.cpp)
  net::awaitable<void> on_append_begin(const imap::AppendBegin& begin);
  void on_append_chunk(std::string_view bytes);
  net::awaitable<void> on_append_end();
  void finish_staged_message();

  ImapService& service_;
  ServerContext& ctx_;
  net::Connection conn_;
  bool implicit_tls_;
  std::unique_ptr<net::ConnectionLimiter::Ticket> ticket_;
  std::string client_;
  imap::Protocol protocol_;

  // Login.
  std::unique_ptr<directory::SaslServer> sasl_;
  std::optional<store::Account> sasl_account_;
  std::string sasl_user_;
  store::AccountId account_ = 0;
  std::string address_;

  // Selected state and APPEND.
  std::unique_ptr<SelectedMailbox> selected_;
  std::unique_ptr<AppendState> append_;

  // Compression (RFC 4978), null until COMPRESS DEFLATE.
  std::unique_ptr<DeflateStream> deflate_;
  std::unique_ptr<InflateStream> inflate_;

  std::string read_buffer_;  // small while idle, grows for bulk input
  bool reading_ = false;     // suspended in read_some (interruptible)
  bool dirty_ = false;       // the store reported a change not yet synced
  bool stopping_ = false;
  bool done_ = false;
};

}  // namespace facteur::server
