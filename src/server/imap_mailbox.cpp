// Mailbox commands (RFC 9051 §6.3, §6.4.1-3, §6.4.7-8; RFC 3501 §6.3; RFC 5258, RFC 5819,
// RFC 6154, RFC 7162 CONDSTORE/QRESYNC SELECT, RFC 6851 MOVE, RFC 4315 UIDPLUS, RFC 9208 QUOTA)
// and the selected mailbox's view of concurrent changes.
#include <algorithm>
#include <optional>
#include <set>

#include <boost/asio/post.hpp>

#include "base/log.hpp"
#include "filter/filter.hpp"
#include "net/worker_pool.hpp"
#include "proto/imap/list.hpp"
#include "server/imap_session_impl.hpp"

namespace facteur::server {

namespace asio = boost::asio;
using imap::Outcome;

namespace {

Reply store_failure(const Error& e) {
  switch (e.code) {
    case Errc::not_found:
      return no_reply(imap::code::kNonExistent, "No such mailbox");
    case Errc::already_exists:
      return no_reply(imap::code::kAlreadyExists, "Mailbox already exists");
    case Errc::invalid_argument:
      return no_reply(imap::code::kCannot, e.message);
    case Errc::limit_exceeded:
    case Errc::too_large:
      return no_reply(imap::code::kOverQuota, "Quota exceeded");
    default:
      spdlog::error("imap: store failure: {}", e.message);
      return no_reply(imap::code::kServerBug, "Internal error, try again later");
  }
}

// Most messages one COPY/MOVE teaches the filter: learning reads and tokenizes each one, so a
// user moving a whole archive into Junk must not keep the workers busy for minutes.
constexpr std::size_t kMaxLearnPerCommand = 2000;
constexpr std::size_t kLearnBatch = 200;

// What a COPY/MOVE from `from` to `to` tells the filter: into Junk = spam; out of Junk into
// anything but Trash = ham (deleting is no opinion); anything else = nothing.
std::optional<filter::Label> junk_feedback(store::SpecialUse from, store::SpecialUse to) {
  using store::SpecialUse;
  if (to == SpecialUse::junk && from != SpecialUse::junk) return filter::Label::spam;
  if (from == SpecialUse::junk && to != SpecialUse::junk && to != SpecialUse::trash)
    return filter::Label::ham;
  return std::nullopt;
}

// Learns the copies (now in `mailbox`) into the account's model on the worker pool, after the
// reply: nothing here can fail or delay the IMAP command.
void learn_in_background(ServerContext& ctx, store::MailboxId mailbox, std::vector<store::Uid> uids,
                         filter::Label label, std::string account) {
  if (!ctx.filter || uids.empty()) return;
  if (uids.size() > kMaxLearnPerCommand) {
    spdlog::info("filter: learning only {} of {} messages moved by {}", kMaxLearnPerCommand,
                 uids.size(), account);
    uids.resize(kMaxLearnPerCommand);
  }
  auto task = [&store = ctx.store, f = ctx.filter, mailbox, uids = std::move(uids), label,
               account = std::move(account)]() noexcept {
    std::size_t learnt = 0, unchanged = 0, skipped = 0;
    std::vector<filter::FeedbackItem> batch;
    auto flush = [&] {
      if (batch.empty()) return;
      auto r = f->learn_from_user(batch, label, account);
      if (!r) {
        spdlog::warn("filter: learning from {}'s Junk move failed: {}", account, r.error().message);
        skipped += batch.size();
      } else {
        for (auto fb : *r)
          (fb == filter::Feedback::unchanged ? unchanged : learnt)++;
      }
      batch.clear();
    };
    std::string bytes;
    for (auto uid : uids) {
      auto content = store.open_message(mailbox, uid);
      if (!content || content->size() > f->config().learn_max_bytes) {
        ++skipped;
        continue;
      }
      bytes.resize(content->size());
      auto n = content->read(0, bytes);
      if (!n || *n != bytes.size()) {
        ++skipped;
        continue;
      }
      auto item = f->feedback_item(bytes);
      if (!item) {
        ++skipped;
        continue;
      }
      batch.push_back(std::move(*item));
      if (batch.size() >= kLearnBatch) flush();
    }
    flush();
    spdlog::info("filter: {} learnt {} message(s) as {} ({} already known, {} skipped)", account,
                 learnt, filter::to_string(label), unchanged, skipped);
  };
  asio::post(ctx.workers.pool(), std::move(task));
}

// The levels above `name` ("a/b/c" -> "a", "a/b").
std::vector<std::string> parents_of(const std::string& name) {
  std::vector<std::string> out;
  for (std::size_t pos = name.find('/'); pos != std::string::npos; pos = name.find('/', pos + 1))
    out.push_back(name.substr(0, pos));
  return out;
}

// Creates the missing superior levels of `name` (RFC 9051 §6.3.4: "the server SHOULD create
// any superior hierarchical names that are needed").
Status create_parents(store::Store& store, store::AccountId account, const std::string& name) {
  for (const auto& parent : parents_of(name)) {
    if (parent == "INBOX") continue;
    auto r = store.create_mailbox(account, parent);
    if (!r && r.error().code != Errc::already_exists) return std::unexpected(r.error());
  }
  return {};
}

std::uint64_t count_deleted(const std::vector<store::MessageInfo>& messages) {
  return static_cast<std::uint64_t>(std::count_if(
      messages.begin(), messages.end(),
      [](const store::MessageInfo& m) { return (m.flags & store::kFlagDeleted) != 0; }));
}

bool wants_deleted(std::span<const imap::StatusItem> items) {
  return std::find(items.begin(), items.end(), imap::StatusItem::deleted) != items.end();
}

}  // namespace

imap::MailboxView::FlushOptions ImapSession::flush_options() const {
  imap::MailboxView::FlushOptions o;
  o.qresync = protocol_.qresync();
  o.condstore = protocol_.condstore();
  o.rev1 = !protocol_.imap4rev2();
  return o;
}

std::optional<std::vector<store::Uid>> ImapSession::resolve(const imap::SequenceSet& set, bool uid,
                                                            Reply& reply) {
  auto indexes = selected_->view.resolve(set, uid);
  if (!indexes) {
    reply = bad_reply("Invalid message sequence number");
    return std::nullopt;
  }
  std::vector<store::Uid> uids;
  uids.reserve(indexes->size());
  auto all = selected_->view.uids();
  for (auto i : *indexes)
    uids.push_back(all[i]);
  return uids;
}

// ---------------------------------------------------------------------------------------------
// The selected mailbox and its updates

net::awaitable<bool> ImapSession::sync() {
  if (!selected_) co_return true;
  dirty_ = false;
  struct Changes {
    bool gone = false;
    bool failed = false;
    store::ModSeq highest = 0;
    std::vector<store::MessageInfo> changed;
    std::vector<store::Uid> expunged;
  };
  auto& sel = *selected_;
  const store::ModSeq since = sel.view.highest_modseq();
  auto changes = co_await net::run_blocking(ctx_.workers, [&]() -> Changes {
    Changes c;
    auto mailbox = ctx_.store.get_mailbox(sel.id);
    if (!mailbox) {
      c.gone = mailbox.error().code == Errc::not_found;
      c.failed = !c.gone;
      return c;
    }
    c.highest = mailbox->highest_modseq;
    if (c.highest <= since) return c;
    store::MessageQuery q;
    q.changed_since = since;
    auto changed = ctx_.store.list_messages(sel.id, q);
    auto expunged = ctx_.store.expunged_since(sel.id, since);
    if (!changed || !expunged) {
      c.failed = true;
      return c;
    }
    c.changed = std::move(*changed);
    c.expunged = std::move(*expunged);
    return c;
  });
  if (!selected_) co_return true;
  if (changes.gone) {
    protocol_.abort("Selected mailbox was deleted");
    co_return false;
  }
  if (changes.failed) {
    dirty_ = true;  // try again at the next command
    co_return true;
  }
  if (changes.highest <= since) co_return true;
  std::vector<store::Uid> added;
  const store::Uid last = sel.view.last_uid();
  for (auto& m : changes.changed) {
    if (m.uid > last) {
      added.push_back(m.uid);
      continue;
    }
    if (std::find(sel.own_modseqs.begin(), sel.own_modseqs.end(), m.modseq) !=
        sel.own_modseqs.end())
      continue;
    sel.view.flags_changed({m.uid, m.modseq, m.flags, std::move(m.keywords)});
  }
  sel.view.expunged(changes.expunged);
  sel.view.added(added);
  sel.view.set_highest_modseq(changes.highest);
  std::erase_if(sel.own_modseqs, [&](store::ModSeq m) { return m <= changes.highest; });
  co_return true;
}

net::awaitable<void> ImapSession::idle_update() {
  if (!co_await sync()) co_return;
  if (!selected_) co_return;
  auto w = writer();
  selected_->view.flush(w, imap::MailboxView::Moment::any, flush_options());
}

// ---------------------------------------------------------------------------------------------
// SELECT / EXAMINE

net::awaitable<Reply> ImapSession::cmd_select(const imap::SelectCmd& cmd) {
  selected_.reset();  // the previous mailbox is closed (protocol wrote OK [CLOSED])
  // The UIDs, the first unseen message and the keywords come from one snapshot of the mailbox
  // (no per-message record): the view is its UID list, and UIDNEXT/HIGHESTMODSEQ are of the
  // same moment, so the next sync() announces exactly what changed after it.
  struct Opened {
    Result<store::MailboxSnapshot> snapshot = make_error(Errc::internal, "");
    std::vector<store::Mailbox> all;
    std::vector<store::Uid> vanished;
    std::vector<store::MessageInfo> changed;
    bool failed = false;
  };
  const bool want_qresync = cmd.qresync.has_value();
  const bool rev2 = protocol_.imap4rev2();
  auto opened = co_await net::run_blocking(ctx_.workers, [&]() -> Opened {
    Opened o;
    auto found = ctx_.store.find_mailbox(account_, cmd.mailbox);
    if (!found) {
      o.snapshot = std::unexpected(found.error());
      return o;
    }
    o.snapshot = ctx_.store.snapshot_mailbox(found->id);
    if (!o.snapshot) return o;
    if (rev2) {  // the LIST data of an IMAP4rev2 SELECT needs the children
      auto all = ctx_.store.list_mailboxes(account_);
      if (!all) {
        o.failed = true;
        return o;
      }
      o.all = std::move(*all);
    }
    const auto& mailbox = o.snapshot->mailbox;
    if (want_qresync && cmd.qresync->uid_validity == mailbox.uid_validity) {
      auto vanished = ctx_.store.expunged_since(mailbox.id, cmd.qresync->modseq);
      store::MessageQuery q;
      q.changed_since = cmd.qresync->modseq;
      auto changed = ctx_.store.list_messages(mailbox.id, q);
      if (!vanished || !changed) {
        o.failed = true;
        return o;
      }
      o.vanished = std::move(*vanished);
      o.changed = std::move(*changed);
    }
    return o;
  });
  if (!opened.snapshot) {
    if (opened.snapshot.error().code == Errc::not_found)
      co_return no_reply(imap::code::kNonExistent, "No such mailbox");
    co_return store_failure(opened.snapshot.error());
  }
  if (opened.failed) co_return no_reply(imap::code::kServerBug, "Internal error");
  auto& snap = *opened.snapshot;
  const auto& mb = snap.mailbox;

  auto sel = std::make_unique<SelectedMailbox>();
  sel->id = mb.id;
  sel->name = mb.name;
  sel->uid_validity = mb.uid_validity;
  sel->read_only = cmd.read_only;
  imap::SelectInfo info;
  info.mailbox = mb.name;
  info.first_unseen = snap.first_unseen;
  // Sticky keywords clients expect to be able to set even before any message has them.
  std::set<std::string> keywords(snap.keywords.begin(), snap.keywords.end());
  for (const char* k : {"$Forwarded", "$Junk", "$NotJunk", "$MDNSent"})
    keywords.insert(k);
  info.keywords.assign(keywords.begin(), keywords.end());
  info.exists = static_cast<std::uint32_t>(snap.uids.size());
  info.recent = 0;
  info.uid_validity = mb.uid_validity;
  info.uid_next = mb.uid_next;
  info.highest_modseq = std::max<store::ModSeq>(mb.highest_modseq, 1);
  info.read_only = cmd.read_only;
  info.rev1 = !protocol_.imap4rev2();
  info.condstore = protocol_.condstore() || cmd.condstore;
  if (!info.rev1) {
    std::string attrs;
    const std::string prefix = mb.name + "/";
    bool children = std::any_of(opened.all.begin(), opened.all.end(), [&](const store::Mailbox& m) {
      return m.name.starts_with(prefix);
    });
    attrs = children ? "\\HasChildren" : "\\HasNoChildren";
    if (mb.special_use != store::SpecialUse::none) {
      attrs += ' ';
      attrs += store::to_string(mb.special_use);
    }
    info.list_attributes = attrs;
  }
  sel->view.reset(std::move(snap.uids), mb.highest_modseq);
  auto w = writer();
  imap::write_select(w, info);

  if (want_qresync && cmd.qresync->uid_validity == mb.uid_validity) {
    // RFC 7162 §3.2.5: what vanished and what changed since the client's mod-sequence.
    auto vanished = imap::vanished_within(cmd.qresync->known_uids, opened.vanished,
                                          mb.uid_next > 0 ? mb.uid_next - 1 : 0);
    w.vanished(vanished, true);
    std::optional<std::vector<std::uint32_t>> known;
    for (const auto& m : opened.changed) {
      auto seq = sel->view.seq_of(m.uid);
      if (!seq) continue;
      auto fw = w.fetch(*seq);
      fw.uid(m.uid);
      fw.flags(m.flags, m.keywords);
      fw.modseq(m.modseq);
      fw.finish();
    }
  }
  auto weak = weak_from_this();
  auto executor = conn_.executor();
  sel->watch = service_.notifier().watch(mb.id, [weak, executor](const store::ChangeEvent&) {
    asio::post(executor, [weak] {
      if (auto s = weak.lock()) s->on_change();
    });
  });
  selected_ = std::move(sel);
  dirty_ = false;
  co_return ok_reply();
}

// ---------------------------------------------------------------------------------------------
// CLOSE, UNSELECT, EXPUNGE

net::awaitable<Reply> ImapSession::cmd_close(bool expunge) {
  if (selected_ && expunge && !selected_->read_only) {
    // RFC 9051 §6.4.1: \Deleted messages are removed, without untagged EXPUNGE responses.
    auto& sel = *selected_;
    auto result = co_await net::run_blocking(ctx_.workers, [&]() -> Status {
      auto messages = ctx_.store.list_messages(sel.id);
      if (!messages) return std::unexpected(messages.error());
      std::vector<store::Uid> uids;
      for (const auto& m : *messages)
        if ((m.flags & store::kFlagDeleted) && sel.view.seq_of(m.uid)) uids.push_back(m.uid);
      if (uids.empty()) return {};
      auto r = ctx_.store.expunge(sel.id, uids);
      if (!r) return std::unexpected(r.error());
      return {};
    });
    if (!result) spdlog::error("imap: CLOSE expunge failed: {}", result.error().message);
  }
  selected_.reset();
  co_return ok_reply();
}

net::awaitable<Reply> ImapSession::cmd_expunge(const imap::ExpungeCmd& cmd) {
  auto& sel = *selected_;
  std::optional<std::vector<store::Uid>> within;
  if (cmd.uids) {
    Reply bad;
    within = resolve(*cmd.uids, true, bad);
    if (!within) co_return bad;
  }
  auto result = co_await net::run_blocking(ctx_.workers, [&]() -> Result<store::ExpungeResult> {
    auto messages = ctx_.store.list_messages(sel.id);
    if (!messages) return std::unexpected(messages.error());
    std::vector<store::Uid> uids;
    for (const auto& m : *messages) {
      if (!(m.flags & store::kFlagDeleted) || !sel.view.seq_of(m.uid)) continue;
      if (within && !std::binary_search(within->begin(), within->end(), m.uid)) continue;
      uids.push_back(m.uid);
    }
    if (uids.empty()) return store::ExpungeResult{};
    return ctx_.store.expunge(sel.id, uids);
  });
  if (!result) co_return store_failure(result.error());
  if (!selected_) co_return ok_reply();
  selected_->view.expunged(result->expunged);
  auto w = writer();
  selected_->view.flush(w, imap::MailboxView::Moment::any, flush_options());
  co_return ok_reply();
}

// ---------------------------------------------------------------------------------------------
// COPY / MOVE

net::awaitable<Reply> ImapSession::cmd_copy(const imap::CopyCmd& cmd) {
  Reply bad;
  auto uids = resolve(cmd.set, cmd.uid, bad);
  if (!uids) co_return bad;
  auto& sel = *selected_;
  std::optional<filter::Label> feedback;  // what the move teaches the filter, if anything
  store::MailboxId target_id = 0;
  auto result = co_await net::run_blocking(ctx_.workers, [&]() -> Result<store::CopyResult> {
    auto target = ctx_.store.find_mailbox(account_, cmd.mailbox);
    if (!target) return std::unexpected(target.error());
    auto copied = ctx_.store.copy_messages(sel.id, *uids, target->id, cmd.move);
    if (copied && ctx_.filter && ctx_.filter->config().learn_from_moves) {
      auto source = ctx_.store.get_mailbox(sel.id);
      if (source) feedback = junk_feedback(source->special_use, target->special_use);
      target_id = target->id;
    }
    return copied;
  });
  if (!result) {
    if (result.error().code == Errc::not_found)
      co_return no_reply(imap::code::kTryCreate, "No such mailbox");
    co_return store_failure(result.error());
  }
  if (feedback) {
    std::vector<store::Uid> copies;
    for (auto [f, t] : result->uids)
      copies.push_back(t);
    learn_in_background(ctx_, target_id, std::move(copies), *feedback, address_);
  }
  std::string code;
  if (!result->uids.empty()) {
    std::vector<std::uint32_t> from, to;
    for (auto [f, t] : result->uids) {
      from.push_back(f);
      to.push_back(t);
    }
    code = imap::code::copyuid(result->uid_validity, from, to);
    if (cmd.move && selected_) {
      // RFC 6851 §4.3: COPYUID goes in an untagged OK before the expunges.
      auto w = writer();
      w.status("OK", code, "Moved UIDs");
      selected_->view.expunged(from);
      selected_->view.flush(w, imap::MailboxView::Moment::any, flush_options());
      code.clear();
    }
  }
  co_return ok_reply(code, cmd.move ? "MOVE completed" : "COPY completed");
}

// ---------------------------------------------------------------------------------------------
// CREATE, DELETE, RENAME, SUBSCRIBE

net::awaitable<Reply> ImapSession::cmd_create(const imap::CreateCmd& cmd) {
  store::SpecialUse use = store::SpecialUse::none;
  if (cmd.special_use.size() > 1) co_return no_reply("USEATTR", "One special use per mailbox");
  if (cmd.special_use.size() == 1) {
    auto parsed = store::parse_special_use(cmd.special_use.front());
    if (!parsed) co_return no_reply("USEATTR", "Unsupported special use");
    use = *parsed;
  }
  if (cmd.mailbox == "INBOX") co_return no_reply(imap::code::kAlreadyExists, "INBOX exists");
  auto result = co_await net::run_blocking(ctx_.workers, [&]() -> Result<store::Mailbox> {
    if (auto s = create_parents(ctx_.store, account_, cmd.mailbox); !s)
      return std::unexpected(s.error());
    return ctx_.store.create_mailbox(account_, cmd.mailbox, use);
  });
  if (!result) co_return store_failure(result.error());
  co_return ok_reply({}, "CREATE completed");
}

net::awaitable<Reply> ImapSession::cmd_delete(const imap::DeleteCmd& cmd) {
  if (cmd.mailbox == "INBOX") co_return no_reply(imap::code::kCannot, "INBOX cannot be deleted");
  auto result = co_await net::run_blocking(ctx_.workers, [&]() -> Status {
    auto mailbox = ctx_.store.find_mailbox(account_, cmd.mailbox);
    if (!mailbox) return std::unexpected(mailbox.error());
    return ctx_.store.delete_mailbox(mailbox->id);
  });
  if (!result) co_return store_failure(result.error());
  co_return ok_reply({}, "DELETE completed");
}

net::awaitable<Reply> ImapSession::cmd_rename(const imap::RenameCmd& cmd) {
  auto result = co_await net::run_blocking(ctx_.workers, [&]() -> Status {
    auto mailbox = ctx_.store.find_mailbox(account_, cmd.from);
    if (!mailbox) return std::unexpected(mailbox.error());
    auto existing = ctx_.store.find_mailbox(account_, cmd.to);
    if (existing) return make_error(Errc::already_exists, "target exists");
    if (auto s = create_parents(ctx_.store, account_, cmd.to); !s) return s;
    return ctx_.store.rename_mailbox(mailbox->id, cmd.to);
  });
  if (!result) co_return store_failure(result.error());
  if (selected_ && selected_->name == cmd.from && cmd.from != "INBOX") selected_->name = cmd.to;
  co_return ok_reply({}, "RENAME completed");
}

net::awaitable<Reply> ImapSession::cmd_subscribe(const imap::SubscribeCmd& cmd) {
  auto result = co_await net::run_blocking(ctx_.workers, [&]() -> Status {
    return ctx_.store.set_subscribed(account_, cmd.mailbox, cmd.subscribe);
  });
  if (!result) co_return store_failure(result.error());
  co_return ok_reply({}, cmd.subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

// ---------------------------------------------------------------------------------------------
// LIST, LSUB, STATUS

void ImapSession::write_status(const store::Mailbox& mb, std::span<const imap::StatusItem> items,
                               std::uint64_t deleted) {
  std::vector<imap::StatusValue> values;
  for (auto item : items) {
    std::uint64_t v = 0;
    switch (item) {
      case imap::StatusItem::messages:
        v = mb.messages;
        break;
      case imap::StatusItem::recent:
        v = 0;
        break;
      case imap::StatusItem::uidnext:
        v = mb.uid_next;
        break;
      case imap::StatusItem::uidvalidity:
        v = mb.uid_validity;
        break;
      case imap::StatusItem::unseen:
        v = mb.unseen;
        break;
      case imap::StatusItem::deleted:
        v = deleted;
        break;
      case imap::StatusItem::size:
        v = mb.size;
        break;
      case imap::StatusItem::highestmodseq:
        v = std::max<store::ModSeq>(mb.highest_modseq, 1);
        break;
      case imap::StatusItem::appendlimit:
        v = imap::Limits{}.append_limit;
        break;
    }
    values.push_back({item, v});
  }
  auto w = writer();
  w.status_data(mb.name, values);
}

net::awaitable<Reply> ImapSession::cmd_list(const imap::ListCmd& cmd) {
  struct Listing {
    std::vector<store::Mailbox> mailboxes;
    std::vector<std::string> subscriptions;
  };
  auto listing = co_await net::run_blocking(ctx_.workers, [&]() -> Result<Listing> {
    auto mailboxes = ctx_.store.list_mailboxes(account_);
    if (!mailboxes) return std::unexpected(mailboxes.error());
    auto subs = ctx_.store.list_subscriptions(account_);
    if (!subs) return std::unexpected(subs.error());
    return Listing{std::move(*mailboxes), std::move(*subs)};
  });
  if (!listing) co_return store_failure(listing.error());
  std::vector<imap::MailboxEntry> entries;
  entries.reserve(listing->mailboxes.size());
  for (const auto& m : listing->mailboxes)
    entries.push_back({m.name, store::to_string(m.special_use)});
  auto replies = imap::list_replies(cmd, entries, listing->subscriptions);
  const bool deleted_wanted = cmd.return_status && wants_deleted(*cmd.return_status);
  for (const auto& r : replies) {
    {
      auto w = writer();
      w.list(r.attributes, r.name, cmd.lsub, r.extended);
    }
    if (!r.status || !cmd.return_status) continue;
    auto it = std::find_if(listing->mailboxes.begin(), listing->mailboxes.end(),
                           [&](const store::Mailbox& m) { return m.name == r.name; });
    if (it == listing->mailboxes.end()) continue;
    std::uint64_t deleted = 0;
    if (deleted_wanted) {
      const auto id = it->id;
      auto messages =
          co_await net::run_blocking(ctx_.workers, [&] { return ctx_.store.list_messages(id); });
      if (messages) deleted = count_deleted(*messages);
    }
    write_status(*it, *cmd.return_status, deleted);
  }
  co_return ok_reply({}, cmd.lsub ? "LSUB completed" : "LIST completed");
}

net::awaitable<Reply> ImapSession::cmd_status(const imap::StatusCmd& cmd) {
  struct Status {
    store::Mailbox mailbox;
    std::uint64_t deleted = 0;
  };
  const bool deleted_wanted = wants_deleted(cmd.items);
  auto status = co_await net::run_blocking(ctx_.workers, [&]() -> Result<Status> {
    auto mailbox = ctx_.store.find_mailbox(account_, cmd.mailbox);
    if (!mailbox) return std::unexpected(mailbox.error());
    Status s{std::move(*mailbox), 0};
    if (deleted_wanted) {
      auto messages = ctx_.store.list_messages(s.mailbox.id);
      if (!messages) return std::unexpected(messages.error());
      s.deleted = count_deleted(*messages);
    }
    return s;
  });
  if (!status) co_return store_failure(status.error());
  write_status(status->mailbox, cmd.items, status->deleted);
  co_return ok_reply({}, "STATUS completed");
}

// ---------------------------------------------------------------------------------------------
// QUOTA (RFC 9208): one quota root "" per account, with the account's limits.

net::awaitable<Reply> ImapSession::cmd_quota(const imap::Command& cmd) {
  if (std::holds_alternative<imap::SetQuotaCmd>(cmd))
    co_return no_reply(imap::code::kNoPerm, "Quotas are set by the administrator");
  std::string mailbox;
  if (auto* q = std::get_if<imap::GetQuotaCmd>(&cmd)) {
    if (!q->root.empty()) co_return no_reply(imap::code::kNonExistent, "No such quota root");
  } else {
    mailbox = std::get<imap::GetQuotaRootCmd>(cmd).mailbox;
  }
  struct Usage {
    store::Account account;
    bool mailbox_exists = true;
  };
  auto usage = co_await net::run_blocking(ctx_.workers, [&]() -> Result<Usage> {
    auto account = ctx_.store.get_account(account_);
    if (!account) return std::unexpected(account.error());
    Usage u{std::move(*account), true};
    if (!mailbox.empty()) u.mailbox_exists = ctx_.store.find_mailbox(account_, mailbox).has_value();
    return u;
  });
  if (!usage) co_return store_failure(usage.error());
  if (!usage->mailbox_exists) co_return no_reply(imap::code::kNonExistent, "No such mailbox");
  const auto& a = usage->account;
  std::vector<imap::QuotaResource> resources;
  if (a.quota_bytes)
    resources.push_back({"STORAGE", (a.used_bytes + 1023) / 1024, a.quota_bytes / 1024});
  if (a.quota_messages) resources.push_back({"MESSAGE", a.used_messages, a.quota_messages});
  auto w = writer();
  if (!mailbox.empty()) {
    std::vector<std::string_view> roots;
    if (!resources.empty()) roots.push_back("");
    w.quota_root(mailbox, roots);
    if (!resources.empty()) w.quota("", resources);
    co_return ok_reply({}, "GETQUOTAROOT completed");
  }
  w.quota("", resources);
  co_return ok_reply({}, "GETQUOTA completed");
}

}  // namespace facteur::server
