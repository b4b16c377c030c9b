// APPEND (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND, RFC 4315 APPENDUID, RFC 7889 APPENDLIMIT):
// the literal is streamed into a blob writer as it arrives (CRLF line ends enforced), the
// metadata is computed as for SMTP delivery (delivery::build_metadata), and the messages are
// committed only at the end of the command: all of them or none.
#include <algorithm>

#include "base/log.hpp"
#include "delivery/metadata.hpp"
#include "mail/crlf.hpp"
#include "net/worker_pool.hpp"
#include "server/imap_session_impl.hpp"

namespace facteur::server {

net::awaitable<void> ImapSession::on_append_begin(const imap::AppendBegin& begin) {
  if (begin.index == 0) {
    append_.reset();
    auto target = co_await net::run_blocking(ctx_.workers, [&]() -> Result<store::Mailbox> {
      return ctx_.store.find_mailbox(account_, begin.mailbox);
    });
    if (!target) {
      if (target.error().code == Errc::not_found) {
        protocol_.append_reject(imap::Outcome::no, imap::code::kTryCreate, "No such mailbox");
      } else {
        protocol_.append_reject(imap::Outcome::no, imap::code::kServerBug, "Internal error");
      }
      co_return;
    }
    append_ = std::make_unique<AppendState>();
    append_->mailbox = target->id;
    append_->uid_validity = target->uid_validity;
  } else if (!append_) {
    protocol_.append_reject(imap::Outcome::no, imap::code::kServerBug, "Internal error");
    co_return;
  } else {
    finish_staged_message();
  }
  // Quota: refuse before reading the literal when it cannot fit (RFC 9208 §4.5).
  std::uint64_t staged_bytes = begin.message.size;
  for (const auto& s : append_->staged)
    staged_bytes += s.blob->size();
  auto account =
      co_await net::run_blocking(ctx_.workers, [&] { return ctx_.store.get_account(account_); });
  if (account && account->quota_bytes &&
      account->used_bytes + staged_bytes > account->quota_bytes) {
    append_.reset();
    protocol_.append_reject(imap::Outcome::no, imap::code::kOverQuota, "Quota exceeded");
    co_return;
  }
  if (account && account->quota_messages &&
      account->used_messages + append_->staged.size() + 1 > account->quota_messages) {
    append_.reset();
    protocol_.append_reject(imap::Outcome::no, imap::code::kOverQuota, "Quota exceeded");
    co_return;
  }
  AppendState::Staged staged;
  staged.blob = ctx_.store.new_blob_writer();
  staged.flags = begin.message.flags;
  if (begin.message.date) staged.internal_date = begin.message.date->utc.time_since_epoch().count();
  append_->staged.push_back(std::move(staged));
  append_->crlf.reset();
  protocol_.append_accept();
}

void ImapSession::on_append_chunk(std::string_view bytes) {
  if (!append_ || append_->staged.empty() || append_->failed) return;
  auto& scratch = append_->scratch;
  scratch.clear();
  append_->crlf.feed(bytes, scratch);
  if (!append_->staged.back().blob->append(scratch)) append_->failed = true;
  if (scratch.capacity() > 256 * 1024) scratch = std::string();
}

void ImapSession::finish_staged_message() {
  if (!append_ || append_->staged.empty()) return;
  auto& blob = *append_->staged.back().blob;
  if (blob.finished()) return;
  // A message whose last line has no line end gets one.
  if (auto end = append_->crlf.finish(); !end.empty() && !blob.append(end)) append_->failed = true;
  append_->crlf.reset();
}

net::awaitable<void> ImapSession::on_append_end() {
  finish_staged_message();
  if (!append_ || append_->failed || append_->staged.empty()) {
    append_.reset();
    protocol_.done(imap::Outcome::no, imap::code::kServerBug, "Could not store the message");
    co_return;
  }
  auto& state = *append_;
  // Deliver each message through the store's group commit; if one fails, the earlier ones are
  // removed again so that a MULTIAPPEND stores all of its messages or none (RFC 3502 §6.3.11).
  struct Stored {
    std::vector<store::Uid> uids;
    std::optional<Error> error;
  };
  auto stored = co_await net::run_blocking(ctx_.workers, [&]() -> Stored {
    Stored s;
    for (auto& staged : state.staged) {
      auto bytes = staged.blob->finish();
      if (!bytes) {
        s.error = bytes.error();
        break;
      }
      auto parsed = delivery::build_metadata(*bytes);
      store::Delivery d;
      d.blob = std::move(staged.blob);
      d.metadata = std::move(parsed.metadata);
      d.search_text = std::move(parsed.search_text);
      d.internal_date = staged.internal_date;
      store::DeliveryTarget target;
      target.account = account_;
      target.mailbox.id = state.mailbox;
      target.fallback_to_inbox = false;
      target.flags = staged.flags.system & store::kAllSystemFlags;
      target.keywords = staged.flags.keywords;
      d.targets.push_back(std::move(target));
      auto receipt = ctx_.store.deliver_and_wait(std::move(d));
      if (!receipt) {
        s.error = receipt.error();
        break;
      }
      if (receipt->targets.empty() || !receipt->targets[0]) {
        s.error = receipt->targets.empty() ? Error{Errc::internal, "no target"}
                                           : receipt->targets[0].error();
        break;
      }
      s.uids.push_back(receipt->targets[0]->uid);
    }
    if (s.error && !s.uids.empty()) {
      auto undone = ctx_.store.expunge(state.mailbox, s.uids);
      if (!undone)
        spdlog::error("imap: could not undo a partial APPEND: {}", undone.error().message);
    }
    return s;
  });
  const auto uid_validity = state.uid_validity;
  append_.reset();
  if (stored.error) {
    const auto& e = *stored.error;
    if (e.code == Errc::limit_exceeded || e.code == Errc::too_large) {
      protocol_.done(imap::Outcome::no, imap::code::kOverQuota, "Quota exceeded");
    } else if (e.code == Errc::not_found) {
      protocol_.done(imap::Outcome::no, imap::code::kTryCreate, "No such mailbox");
    } else if (e.code == Errc::invalid_argument) {
      protocol_.done(imap::Outcome::bad, {}, "Invalid flag or keyword");
    } else {
      spdlog::error("imap: APPEND failed: {}", e.message);
      protocol_.done(imap::Outcome::no, imap::code::kServerBug, "Could not store the message");
    }
    co_return;
  }
  if (selected_ && protocol_.state() == imap::State::selected) {
    // RFC 9051 §6.3.12: appending to the selected mailbox announces the new messages.
    if (!co_await sync()) co_return;
    auto w = writer();
    selected_->view.flush(w, imap::MailboxView::Moment::any, flush_options());
  }
  protocol_.done(imap::Outcome::ok, imap::code::appenduid(uid_validity, stored.uids),
                 "APPEND completed");
}

}  // namespace facteur::server
