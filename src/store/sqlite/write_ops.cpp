#include "store/sqlite/write_ops.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "store/sqlite/queries.hpp"

// Propagates the error of a Status/Result expression.
#define STORE_TRY(expr)                                      \
  do {                                                       \
    if (auto store_try_ = (expr); !store_try_) {             \
      return std::unexpected(std::move(store_try_).error()); \
    }                                                        \
  } while (0)

namespace facteur::store::sqlite {
namespace {

enum ChangeKind : int { kExpunged = 1, kMailboxDeleted = 2 };

template <class... Args>
Status run(Connection& db, std::string_view sql, const Args&... args) {
  auto stmt = db.prepare(sql);
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(args...);
  return stmt->run();
}

// The first column of the first row, or nullopt when there is no row.
template <class... Args>
Result<std::optional<std::int64_t>> query_int(Connection& db, std::string_view sql,
                                              const Args&... args) {
  auto stmt = db.prepare(sql);
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(args...);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(stmt->int64(0));
}

std::vector<Uid> sorted_unique(std::span<const Uid> uids) {
  std::vector<Uid> out(uids.begin(), uids.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Allocates the next account-wide modseq and adjusts the quota usage in the same statement.
Result<ModSeq> bump_account(WriteContext& ctx, AccountId account, std::int64_t bytes_delta,
                            std::int64_t messages_delta) {
  auto modseq = query_int(ctx.db,
                          "UPDATE account SET highest_modseq = highest_modseq + 1,"
                          " used_bytes = max(0, used_bytes + ?2),"
                          " used_messages = max(0, used_messages + ?3)"
                          " WHERE id = ?1 RETURNING highest_modseq",
                          account, bytes_delta, messages_delta);
  if (!modseq) return std::unexpected(modseq.error());
  if (!*modseq) return make_error(Errc::not_found, fmt::format("no account {}", account));
  return static_cast<ModSeq>(**modseq);
}

// Store-wide, never decreasing, at least the clock: see the schema comment.
Result<std::uint32_t> next_uidvalidity(WriteContext& ctx) {
  auto value = query_int(ctx.db,
                         "INSERT INTO counter(name, value) VALUES ('uidvalidity', max(?, 1))"
                         " ON CONFLICT(name) DO UPDATE SET value = max(value + 1, excluded.value)"
                         " RETURNING value",
                         ctx.now);
  if (!value) return std::unexpected(value.error());
  if (!*value || **value <= 0 || **value > 0xffffffffLL) {
    return make_error(Errc::limit_exceeded, "UIDVALIDITY space exhausted");
  }
  return static_cast<std::uint32_t>(**value);
}

Result<MailboxId> insert_mailbox(WriteContext& ctx, AccountId account, std::string_view name,
                                 SpecialUse use, ModSeq modseq) {
  auto uid_validity = next_uidvalidity(ctx);
  if (!uid_validity) return std::unexpected(uid_validity.error());
  auto status = run(ctx.db,
                    "INSERT INTO mailbox(account_id, name, uid_validity, special_use,"
                    " highest_modseq, created_modseq) VALUES (?, ?, ?, ?, ?, ?)",
                    account, name, *uid_validity, static_cast<int>(use), modseq, modseq);
  if (!status) {
    if (status.error().code == Errc::already_exists) {
      return make_error(Errc::already_exists, fmt::format("mailbox '{}' exists", name));
    }
    return std::unexpected(status.error());
  }
  return ctx.db.last_insert_rowid();
}

// Deletes the blobs no email and no queued message refers to any more; their files are queued
// for unlinking after the commit.
Status collect_blobs(WriteContext& ctx, const std::set<BlobId>& blobs) {
  for (BlobId blob : blobs) {
    auto is_file = query_int(ctx.db,
                             "DELETE FROM blob WHERE id = ?1"
                             " AND NOT EXISTS (SELECT 1 FROM email WHERE blob_id = ?1)"
                             " AND NOT EXISTS (SELECT 1 FROM queue_message WHERE blob_id = ?1)"
                             " RETURNING data IS NULL",
                             blob);
    if (!is_file) return std::unexpected(is_file.error());
    if (!*is_file) continue;  // still shared
    STORE_TRY(run(ctx.db, "DELETE FROM blob_text WHERE rowid = ?", blob));
    if (**is_file != 0) {
      STORE_TRY(run(ctx.db, "INSERT OR IGNORE INTO blob_trash(blob_id) VALUES (?)", blob));
      ctx.effects.trashed.push_back(blob);
    }
  }
  return {};
}

// Deletes emails no message refers to any more, then blobs no email refers to; blob files are
// queued for unlinking after the commit.
Status collect_garbage(WriteContext& ctx, const std::vector<EmailId>& emails) {
  std::set<BlobId> blobs;
  for (EmailId email : emails) {
    auto blob = query_int(ctx.db,
                          "DELETE FROM email WHERE id = ?1 AND NOT EXISTS"
                          " (SELECT 1 FROM message WHERE email_id = ?1) RETURNING blob_id",
                          email);
    if (!blob) return std::unexpected(blob.error());
    if (*blob) blobs.insert(**blob);
  }
  return collect_blobs(ctx, blobs);
}

struct Removed {
  std::vector<Uid> uids;
  std::vector<EmailId> emails;
  std::int64_t bytes = 0;
  std::int64_t unseen = 0;
};

// Deletes message rows (without touching counters).
Result<Removed> remove_messages(WriteContext& ctx, MailboxId mailbox,
                                const std::vector<Uid>& uids) {
  Removed removed;
  for (Uid uid : uids) {
    auto stmt = ctx.db.prepare(
        "DELETE FROM message WHERE mailbox_id = ? AND uid = ? RETURNING email_id, flags,"
        " (SELECT size FROM email WHERE id = message.email_id)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(mailbox, uid);
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) continue;
    removed.uids.push_back(uid);
    removed.emails.push_back(stmt->int64(0));
    if ((stmt->int64(1) & kFlagSeen) == 0) ++removed.unseen;
    removed.bytes += stmt->int64(2);
  }
  return removed;
}

// Records the expunges of `removed` under `modseq` and updates the mailbox counters.
Status log_expunges(WriteContext& ctx, const Mailbox& mailbox, const Removed& removed,
                    ModSeq modseq) {
  for (std::size_t i = 0; i < removed.uids.size(); ++i) {
    STORE_TRY(run(ctx.db,
                  "INSERT INTO change_log(account_id, modseq, kind, mailbox_id, uid, email_id)"
                  " VALUES (?, ?, ?, ?, ?, ?)",
                  mailbox.account, modseq, int{kExpunged}, mailbox.id, removed.uids[i],
                  removed.emails[i]));
  }
  STORE_TRY(run(ctx.db,
                "UPDATE mailbox SET highest_modseq = ?2, messages = max(0, messages - ?3),"
                " unseen = max(0, unseen - ?4), size = max(0, size - ?5) WHERE id = ?1",
                mailbox.id, modseq, static_cast<std::int64_t>(removed.uids.size()), removed.unseen,
                removed.bytes));
  ctx.effects.events.push_back(
      ChangeEvent{ChangeEvent::Kind::expunged, mailbox.account, mailbox.id, modseq});
  return {};
}

Result<Mailbox> resolve_target_mailbox(WriteContext& ctx, const DeliveryTarget& target) {
  Result<Mailbox> mailbox = make_error(Errc::not_found, "no mailbox");
  const auto& sel = target.mailbox;
  if (sel.id != 0) {
    mailbox = load_mailbox(ctx.db, sel.id);
    if (mailbox && mailbox->account != target.account) {
      mailbox = make_error(Errc::not_found, "mailbox belongs to another account");
    }
  } else if (sel.special_use != SpecialUse::none) {
    mailbox = load_special_mailbox(ctx.db, target.account, sel.special_use);
  } else {
    mailbox = load_mailbox_by_name(ctx.db, target.account, sel.name.empty() ? "INBOX" : sel.name);
  }
  if (!mailbox && mailbox.error().code == Errc::not_found && target.fallback_to_inbox) {
    mailbox = load_mailbox_by_name(ctx.db, target.account, "INBOX");
  }
  return mailbox;
}

// The thread of the closest ancestor (or of an earlier copy with the same Message-ID) already
// in the account; 0 when there is none.
Result<ThreadId> find_thread(WriteContext& ctx, AccountId account, const MessageMetadata& md) {
  std::vector<std::string_view> candidates;
  if (!md.message_id.empty()) candidates.push_back(md.message_id);
  std::size_t taken = 0;
  for (auto it = md.references.rbegin(); it != md.references.rend() && taken < 16; ++it, ++taken) {
    candidates.push_back(*it);
  }
  for (auto id : candidates) {
    auto thread = query_int(ctx.db,
                            // "message_id <> ''" lets SQLite use the partial index
                            // email_account_message_id instead of scanning the account.
                            "SELECT thread_id FROM email WHERE account_id = ? AND message_id = ?"
                            " AND message_id <> '' LIMIT 1",
                            account, id);
    if (!thread) return std::unexpected(thread.error());
    if (*thread) return **thread;
  }
  return ThreadId{0};
}

std::string join_references(const std::vector<std::string>& refs) {
  std::string out;
  for (const auto& r : refs) {
    if (r.empty() || r.find_first_of(" \t\r\n") != std::string::npos) continue;
    if (!out.empty()) out += ' ';
    out += r;
  }
  return out;
}

}  // namespace

void Effects::merge(Effects&& other) {
  std::move(other.new_files.begin(), other.new_files.end(), std::back_inserter(new_files));
  trashed.insert(trashed.end(), other.trashed.begin(), other.trashed.end());
  events.insert(events.end(), other.events.begin(), other.events.end());
  other = Effects{};
}

// ---------------------------------------------------------------------------------------------
// Accounts

Result<Account> create_account(WriteContext& ctx, const NewAccount& account) {
  auto address = canonical_address(account.address);
  if (!address) return std::unexpected(address.error());
  if (address->front() == '@')
    return make_error(Errc::invalid_argument, "account without local part");
  auto key = address_key(*address);
  if (!key) return std::unexpected(key.error());
  auto status =
      run(ctx.db,
          "INSERT INTO account(address, address_key, password_hash, scram_sha256,"
          " apop_secret, quota_bytes, quota_messages, created_at)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          *address, *key, account.credentials.password_hash, account.credentials.scram_sha256,
          account.apop_secret, account.quota_bytes, account.quota_messages, ctx.now);
  if (!status) {
    if (status.error().code == Errc::already_exists) {
      return make_error(Errc::already_exists, fmt::format("account {} exists", *address));
    }
    return std::unexpected(status.error());
  }
  AccountId id = ctx.db.last_insert_rowid();
  for (const auto& mailbox : kDefaultMailboxes) {
    STORE_TRY(insert_mailbox(ctx, id, mailbox.name, mailbox.use, 0));
    STORE_TRY(
        run(ctx.db, "INSERT INTO subscription(account_id, name) VALUES (?, ?)", id, mailbox.name));
  }
  ctx.effects.events.push_back(ChangeEvent{ChangeEvent::Kind::mailboxes_changed, id, 0, 0});
  return load_account(ctx.db, id);
}

Status delete_account(WriteContext& ctx, AccountId id) {
  STORE_TRY(load_account(ctx.db, id));
  std::set<BlobId> blobs;
  {
    auto stmt = ctx.db.prepare("SELECT DISTINCT blob_id FROM email WHERE account_id = ?");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(id);
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      blobs.insert(stmt->int64(0));
    }
  }
  STORE_TRY(run(ctx.db,
                "DELETE FROM message WHERE mailbox_id IN (SELECT id FROM mailbox WHERE"
                " account_id = ?)",
                id));
  STORE_TRY(run(ctx.db, "DELETE FROM email WHERE account_id = ?", id));
  STORE_TRY(run(ctx.db, "DELETE FROM change_log WHERE account_id = ?", id));
  STORE_TRY(run(ctx.db, "DELETE FROM subscription WHERE account_id = ?", id));
  STORE_TRY(run(ctx.db, "DELETE FROM mailbox WHERE account_id = ?", id));
  STORE_TRY(run(ctx.db, "DELETE FROM account WHERE id = ?", id));
  STORE_TRY(collect_blobs(ctx, blobs));
  ctx.effects.events.push_back(ChangeEvent{ChangeEvent::Kind::mailboxes_changed, id, 0, 0});
  return {};
}

namespace {

template <class... Args>
Status update_account(WriteContext& ctx, AccountId id, std::string_view sql, const Args&... args) {
  STORE_TRY(run(ctx.db, sql, args..., id));
  if (ctx.db.changes() == 0) return make_error(Errc::not_found, fmt::format("no account {}", id));
  return {};
}

}  // namespace

Status set_credentials(WriteContext& ctx, AccountId id, const Credentials& credentials) {
  return update_account(ctx, id,
                        "UPDATE account SET password_hash = ?, scram_sha256 = ? WHERE id = ?",
                        credentials.password_hash, credentials.scram_sha256);
}

Status set_apop_secret(WriteContext& ctx, AccountId id, const std::optional<std::string>& secret) {
  return update_account(ctx, id, "UPDATE account SET apop_secret = ? WHERE id = ?", secret);
}

Status set_quota(WriteContext& ctx, AccountId id, std::uint64_t bytes, std::uint64_t messages) {
  return update_account(ctx, id,
                        "UPDATE account SET quota_bytes = ?, quota_messages = ? WHERE id = ?",
                        bytes, messages);
}

// ---------------------------------------------------------------------------------------------
// Aliases

Status add_alias(WriteContext& ctx, std::string_view address,
                 std::span<const std::string> targets) {
  auto canonical = canonical_address(address);
  if (!canonical) return std::unexpected(canonical.error());
  auto key = address_key(*canonical);
  if (!key) return std::unexpected(key.error());
  if (targets.empty()) return make_error(Errc::invalid_argument, "alias without targets");
  std::vector<std::pair<std::string, std::string>> canonical_targets;  // (key, address)
  for (const auto& target : targets) {
    auto t = canonical_address(target);
    if (!t) return std::unexpected(t.error());
    if (t->front() == '@')
      return make_error(Errc::invalid_argument, "alias target without local part");
    canonical_targets.emplace_back(to_lower(*t), *t);
  }
  auto existing = query_int(ctx.db, "SELECT id FROM alias WHERE address_key = ?", *key);
  if (!existing) return std::unexpected(existing.error());
  std::int64_t alias_id = 0;
  if (*existing) {
    alias_id = **existing;
  } else {
    STORE_TRY(run(ctx.db, "INSERT INTO alias(address, address_key, created_at) VALUES (?, ?, ?)",
                  *canonical, *key, ctx.now));
    alias_id = ctx.db.last_insert_rowid();
  }
  for (const auto& [target_key, target] : canonical_targets) {
    STORE_TRY(run(ctx.db,
                  "INSERT OR IGNORE INTO alias_target(alias_id, target_key, target, position)"
                  " VALUES (?1, ?2, ?3, (SELECT coalesce(max(position), 0) + 1 FROM alias_target"
                  " WHERE alias_id = ?1))",
                  alias_id, target_key, target));
  }
  return {};
}

Status delete_alias(WriteContext& ctx, std::string_view address,
                    std::span<const std::string> targets) {
  auto key = address_key(address);
  if (!key) return std::unexpected(key.error());
  auto existing = query_int(ctx.db, "SELECT id FROM alias WHERE address_key = ?", *key);
  if (!existing) return std::unexpected(existing.error());
  if (!*existing) return make_error(Errc::not_found, fmt::format("no alias {}", *key));
  std::int64_t alias_id = **existing;
  if (!targets.empty()) {
    int removed = 0;
    for (const auto& target : targets) {
      auto target_key = address_key(target);
      if (!target_key) return std::unexpected(target_key.error());
      STORE_TRY(run(ctx.db, "DELETE FROM alias_target WHERE alias_id = ? AND target_key = ?",
                    alias_id, *target_key));
      removed += ctx.db.changes();
    }
    if (removed == 0) return make_error(Errc::not_found, "alias has none of these targets");
    auto left = query_int(ctx.db, "SELECT count(*) FROM alias_target WHERE alias_id = ?", alias_id);
    if (!left) return std::unexpected(left.error());
    if (*left && **left > 0) return {};
  }
  STORE_TRY(run(ctx.db, "DELETE FROM alias_target WHERE alias_id = ?", alias_id));
  return run(ctx.db, "DELETE FROM alias WHERE id = ?", alias_id);
}

// ---------------------------------------------------------------------------------------------
// Mailboxes

Result<Mailbox> create_mailbox(WriteContext& ctx, AccountId account, std::string_view name,
                               SpecialUse use) {
  std::string canonical = canonical_mailbox_name(name);
  STORE_TRY(validate_mailbox_name(canonical));
  auto modseq = bump_account(ctx, account, 0, 0);
  if (!modseq) return std::unexpected(modseq.error());
  auto id = insert_mailbox(ctx, account, canonical, use, *modseq);
  if (!id) return std::unexpected(id.error());
  ctx.effects.events.push_back(
      ChangeEvent{ChangeEvent::Kind::mailboxes_changed, account, *id, *modseq});
  return load_mailbox(ctx.db, *id);
}

Status delete_mailbox(WriteContext& ctx, MailboxId id) {
  auto mailbox = load_mailbox(ctx.db, id);
  if (!mailbox) return std::unexpected(mailbox.error());
  if (mailbox->name == "INBOX") return make_error(Errc::invalid_argument, "cannot delete INBOX");
  std::vector<Uid> uids;
  {
    auto stmt = ctx.db.prepare("SELECT uid FROM message WHERE mailbox_id = ?");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(id);
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      uids.push_back(static_cast<Uid>(stmt->int64(0)));
    }
  }
  auto removed = remove_messages(ctx, id, uids);
  if (!removed) return std::unexpected(removed.error());
  auto modseq = bump_account(ctx, mailbox->account, -removed->bytes,
                             -static_cast<std::int64_t>(removed->uids.size()));
  if (!modseq) return std::unexpected(modseq.error());
  STORE_TRY(run(ctx.db, "DELETE FROM change_log WHERE mailbox_id = ?", id));
  STORE_TRY(run(ctx.db,
                "INSERT INTO change_log(account_id, modseq, kind, mailbox_id) VALUES (?, ?, ?, ?)",
                mailbox->account, *modseq, int{kMailboxDeleted}, id));
  STORE_TRY(run(ctx.db, "DELETE FROM mailbox WHERE id = ?", id));
  STORE_TRY(collect_garbage(ctx, removed->emails));
  ctx.effects.events.push_back(
      ChangeEvent{ChangeEvent::Kind::mailboxes_changed, mailbox->account, id, *modseq});
  return {};
}

namespace {

// RFC 9051 §6.3.6: renaming INBOX moves all its messages to a new mailbox of that name; INBOX
// stays, empty, and its children are not renamed.
Status rename_inbox(WriteContext& ctx, const Mailbox& inbox, const std::string& target) {
  if (target == "INBOX" || target.starts_with("INBOX/")) {
    return make_error(Errc::invalid_argument, "cannot rename INBOX into itself");
  }
  auto created = create_mailbox(ctx, inbox.account, target, SpecialUse::none);
  if (!created) return std::unexpected(created.error());
  std::vector<Uid> uids;
  {
    auto stmt = ctx.db.prepare("SELECT uid FROM message WHERE mailbox_id = ? ORDER BY uid");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(inbox.id);
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      uids.push_back(static_cast<Uid>(stmt->int64(0)));
    }
  }
  if (uids.empty()) return {};
  STORE_TRY(copy_messages(ctx, inbox.id, uids, created->id, true));
  return {};
}

}  // namespace

Status rename_mailbox(WriteContext& ctx, MailboxId id, std::string_view new_name) {
  auto mailbox = load_mailbox(ctx.db, id);
  if (!mailbox) return std::unexpected(mailbox.error());
  std::string target = canonical_mailbox_name(new_name);
  STORE_TRY(validate_mailbox_name(target));
  if (mailbox->name == "INBOX") return rename_inbox(ctx, *mailbox, target);
  if (target == mailbox->name) return {};
  const std::string old_prefix = mailbox->name + kHierarchyDelimiter;
  if (target.starts_with(old_prefix)) {
    return make_error(Errc::invalid_argument, "cannot rename a mailbox into its own child");
  }
  // The mailbox and its children, with their new names.
  std::vector<std::pair<MailboxId, std::string>> renames;
  {
    auto stmt = ctx.db.prepare(
        "SELECT id, name FROM mailbox WHERE account_id = ? AND (name = ? OR substr(name, 1, ?) = "
        "?)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(mailbox->account, mailbox->name, static_cast<std::int64_t>(old_prefix.size()),
                   old_prefix);
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      std::string name = stmt->text(1);
      renames.emplace_back(stmt->int64(0), target + name.substr(mailbox->name.size()));
    }
  }
  for (const auto& [mid, name] : renames) {
    auto taken = query_int(ctx.db, "SELECT id FROM mailbox WHERE account_id = ? AND name = ?",
                           mailbox->account, name);
    if (!taken) return std::unexpected(taken.error());
    if (*taken) return make_error(Errc::already_exists, fmt::format("mailbox '{}' exists", name));
  }
  auto modseq = bump_account(ctx, mailbox->account, 0, 0);
  if (!modseq) return std::unexpected(modseq.error());
  for (const auto& [mid, name] : renames) {
    STORE_TRY(run(ctx.db, "UPDATE mailbox SET name = ?, highest_modseq = ? WHERE id = ?", name,
                  *modseq, mid));
  }
  ctx.effects.events.push_back(
      ChangeEvent{ChangeEvent::Kind::mailboxes_changed, mailbox->account, id, *modseq});
  return {};
}

Status set_subscribed(WriteContext& ctx, AccountId account, std::string_view name,
                      bool subscribed) {
  STORE_TRY(load_account(ctx.db, account));
  std::string canonical = canonical_mailbox_name(name);
  STORE_TRY(validate_mailbox_name(canonical));
  if (subscribed) {
    return run(ctx.db, "INSERT OR IGNORE INTO subscription(account_id, name) VALUES (?, ?)",
               account, canonical);
  }
  return run(ctx.db, "DELETE FROM subscription WHERE account_id = ? AND name = ?", account,
             canonical);
}

// ---------------------------------------------------------------------------------------------
// Messages

Result<ExpungeResult> expunge(WriteContext& ctx, MailboxId mailbox_id, std::span<const Uid> uids) {
  auto mailbox = load_mailbox(ctx.db, mailbox_id);
  if (!mailbox) return std::unexpected(mailbox.error());
  auto removed = remove_messages(ctx, mailbox_id, sorted_unique(uids));
  if (!removed) return std::unexpected(removed.error());
  ExpungeResult result;
  if (removed->uids.empty()) return result;
  auto modseq = bump_account(ctx, mailbox->account, -removed->bytes,
                             -static_cast<std::int64_t>(removed->uids.size()));
  if (!modseq) return std::unexpected(modseq.error());
  STORE_TRY(log_expunges(ctx, *mailbox, *removed, *modseq));
  STORE_TRY(collect_garbage(ctx, removed->emails));
  result.expunged = std::move(removed->uids);
  result.modseq = *modseq;
  return result;
}

Result<FlagUpdateResult> update_flags(WriteContext& ctx, MailboxId mailbox_id,
                                      std::span<const Uid> uids, const FlagChange& change) {
  auto mailbox = load_mailbox(ctx.db, mailbox_id);
  if (!mailbox) return std::unexpected(mailbox.error());
  auto keywords = normalize_keywords(change.keywords);
  if (!keywords) return std::unexpected(keywords.error());
  FlagUpdateResult result;
  ModSeq modseq = 0;
  std::int64_t unseen_delta = 0;
  for (Uid uid : sorted_unique(uids)) {
    auto stmt = ctx.db.prepare(
        "SELECT modseq, flags, keywords FROM message WHERE mailbox_id = ? AND uid = ?");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(mailbox_id, uid);
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) continue;
    ModSeq old_modseq = stmt->uint64(0);
    FlagBits old_flags = static_cast<FlagBits>(stmt->int64(1));
    std::vector<std::string> old_keywords = split_keywords(stmt->view(2));
    if (change.unchanged_since && old_modseq > *change.unchanged_since) {
      result.modified.push_back(uid);
      continue;
    }
    FlagBits flags = old_flags;
    std::vector<std::string> new_keywords;
    auto has = [](const std::vector<std::string>& list, const std::string& k) {
      return std::any_of(list.begin(), list.end(), [&](const auto& x) { return iequals(x, k); });
    };
    switch (change.op) {
      case FlagOp::set:
        flags = change.flags & kAllSystemFlags;
        new_keywords = *keywords;
        break;
      case FlagOp::add:
        flags |= change.flags & kAllSystemFlags;
        new_keywords = old_keywords;
        for (const auto& k : *keywords) {
          if (!has(new_keywords, k)) new_keywords.push_back(k);
        }
        break;
      case FlagOp::remove:
        flags &= ~change.flags;
        for (const auto& k : old_keywords) {
          if (!has(*keywords, k)) new_keywords.push_back(k);
        }
        break;
    }
    auto normalized = normalize_keywords(new_keywords);
    if (!normalized) return std::unexpected(normalized.error());
    if (flags == old_flags && *normalized == old_keywords) continue;
    if (modseq == 0) {
      auto m = bump_account(ctx, mailbox->account, 0, 0);
      if (!m) return std::unexpected(m.error());
      modseq = *m;
    }
    STORE_TRY(run(ctx.db,
                  "UPDATE message SET flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND"
                  " uid = ?",
                  flags, join_keywords(*normalized), modseq, mailbox_id, uid));
    bool was_unseen = (old_flags & kFlagSeen) == 0;
    bool is_unseen = (flags & kFlagSeen) == 0;
    unseen_delta += int{is_unseen} - int{was_unseen};
    result.updated.push_back(FlagUpdate{uid, modseq, flags, std::move(*normalized)});
  }
  if (modseq != 0) {
    STORE_TRY(run(ctx.db,
                  "UPDATE mailbox SET highest_modseq = ?, unseen = max(0, unseen + ?) WHERE id = ?",
                  modseq, unseen_delta, mailbox_id));
    ctx.effects.events.push_back(
        ChangeEvent{ChangeEvent::Kind::flags_changed, mailbox->account, mailbox_id, modseq});
  }
  return result;
}

Result<CopyResult> copy_messages(WriteContext& ctx, MailboxId from, std::span<const Uid> uids,
                                 MailboxId to, bool move) {
  auto source = load_mailbox(ctx.db, from);
  if (!source) return std::unexpected(source.error());
  auto destination = load_mailbox(ctx.db, to);
  if (!destination) return std::unexpected(destination.error());
  if (source->account != destination->account) {
    return make_error(Errc::invalid_argument, "copy between accounts");
  }
  struct Row {
    Uid uid;
    EmailId email;
    FlagBits flags;
    std::string keywords;
    std::int64_t size;
  };
  std::vector<Row> rows;
  std::int64_t bytes = 0;
  std::int64_t unseen = 0;
  for (Uid uid : sorted_unique(uids)) {
    auto stmt = ctx.db.prepare(
        "SELECT m.email_id, m.flags, m.keywords, e.size FROM message m JOIN email e ON"
        " e.id = m.email_id WHERE m.mailbox_id = ? AND m.uid = ?");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(from, uid);
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) continue;
    rows.push_back(Row{uid, stmt->int64(0), static_cast<FlagBits>(stmt->int64(1)), stmt->text(2),
                       stmt->int64(3)});
    bytes += rows.back().size;
    if ((rows.back().flags & kFlagSeen) == 0) ++unseen;
  }
  CopyResult result;
  result.uid_validity = destination->uid_validity;
  if (rows.empty()) return result;
  auto count = static_cast<std::int64_t>(rows.size());
  if (!move) {
    auto account = load_account(ctx.db, source->account);
    if (!account) return std::unexpected(account.error());
    if ((account->quota_bytes != 0 &&
         account->used_bytes + static_cast<std::uint64_t>(bytes) > account->quota_bytes) ||
        (account->quota_messages != 0 &&
         account->used_messages + rows.size() > account->quota_messages)) {
      return make_error(Errc::limit_exceeded, "over quota");
    }
  }
  if (std::uint64_t{destination->uid_next} + rows.size() > 0xffffffffULL) {
    return make_error(Errc::limit_exceeded, "UID space of the mailbox exhausted");
  }
  auto modseq = bump_account(ctx, source->account, move ? 0 : bytes, move ? 0 : count);
  if (!modseq) return std::unexpected(modseq.error());
  Uid next = destination->uid_next;
  for (const auto& row : rows) {
    STORE_TRY(run(ctx.db,
                  "INSERT INTO message(mailbox_id, uid, email_id, modseq, flags, keywords,"
                  " save_date) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  to, next, row.email, *modseq, row.flags, row.keywords, ctx.now));
    result.uids.emplace_back(row.uid, next);
    ++next;
  }
  STORE_TRY(run(ctx.db,
                "UPDATE mailbox SET uid_next = ?2, highest_modseq = ?3, messages = messages + ?4,"
                " unseen = unseen + ?5, size = size + ?6 WHERE id = ?1",
                to, next, *modseq, count, unseen, bytes));
  ctx.effects.events.push_back(
      ChangeEvent{ChangeEvent::Kind::messages_added, source->account, to, *modseq});
  if (move) {
    std::vector<Uid> moved;
    for (const auto& row : rows)
      moved.push_back(row.uid);
    auto removed = remove_messages(ctx, from, moved);
    if (!removed) return std::unexpected(removed.error());
    STORE_TRY(log_expunges(ctx, *source, *removed, *modseq));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Delivery

Result<DeliveryReceipt> deliver(WriteContext& ctx, Delivery& delivery) {
  if (!delivery.blob) return make_error(Errc::invalid_argument, "delivery without a blob");
  auto bytes = delivery.blob->finish();
  if (!bytes) return std::unexpected(bytes.error());
  const std::uint64_t blob_size = delivery.blob->size();
  const std::int64_t internal_date = delivery.internal_date != 0 ? delivery.internal_date : ctx.now;

  // 1. Resolve every target and check quotas before writing anything.
  struct Resolved {
    std::size_t index;
    Mailbox mailbox;
    std::string keywords;
    std::uint64_t size;
  };
  DeliveryReceipt receipt;
  receipt.targets.assign(delivery.targets.size(), make_error(Errc::internal, "not delivered"));
  std::vector<Resolved> resolved;
  std::map<AccountId, std::pair<std::uint64_t, std::uint64_t>> pending;  // bytes, messages
  for (std::size_t i = 0; i < delivery.targets.size(); ++i) {
    const auto& target = delivery.targets[i];
    auto account = load_account(ctx.db, target.account);
    if (!account) {
      if (account.error().code != Errc::not_found) return std::unexpected(account.error());
      receipt.targets[i] = std::unexpected(account.error());
      continue;
    }
    auto mailbox = resolve_target_mailbox(ctx, target);
    if (!mailbox) {
      if (mailbox.error().code != Errc::not_found) return std::unexpected(mailbox.error());
      receipt.targets[i] = std::unexpected(mailbox.error());
      continue;
    }
    auto keywords = normalize_keywords(target.keywords);
    if (!keywords) {
      receipt.targets[i] = std::unexpected(keywords.error());
      continue;
    }
    std::uint64_t size = target.header_prefix.size() + blob_size;
    auto& [pending_bytes, pending_messages] = pending[account->id];
    if (target.enforce_quota && larger_than_quota(*account, size)) {
      receipt.targets[i] = make_error(
          Errc::too_large, fmt::format("a message of {} bytes exceeds the quota of {} ({} bytes)",
                                       size, account->address, account->quota_bytes));
      continue;
    }
    if (target.enforce_quota &&
        ((account->quota_bytes != 0 &&
          account->used_bytes + pending_bytes + size > account->quota_bytes) ||
         (account->quota_messages != 0 &&
          account->used_messages + pending_messages + 1 > account->quota_messages))) {
      receipt.targets[i] =
          make_error(Errc::limit_exceeded, fmt::format("{} is over quota", account->address));
      continue;
    }
    if (mailbox->uid_next >= 0xffffffffU) {
      receipt.targets[i] = make_error(Errc::limit_exceeded, "UID space of the mailbox exhausted");
      continue;
    }
    pending_bytes += size;
    pending_messages += 1;
    resolved.push_back(Resolved{i, std::move(*mailbox), join_keywords(*keywords), size});
  }
  const bool queued = delivery.outbound && !delivery.outbound->entries.empty();
  if (resolved.empty() && !queued) return receipt;

  // 2. The blob, once for all targets: inline when small, else a file fsync'd before COMMIT.
  const auto& md = delivery.metadata;
  bool inline_blob = !delivery.blob->spilled() && blob_size <= ctx.options.inline_blob_max;
  {
    auto stmt = ctx.db.prepare(
        "INSERT INTO blob(size, data, created_at, text_indexed) VALUES (?, ?, ?, ?)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(blob_size, std::nullopt, ctx.now, delivery.search_text ? 1 : 0);
    if (inline_blob) stmt->bind_static_blob(2, *bytes);
    STORE_TRY(stmt->run());
  }
  BlobId blob = ctx.db.last_insert_rowid();
  {
    auto stmt = ctx.db.prepare(
        "INSERT INTO blob_meta(blob_id, envelope, body_structure, body, part_tree)"
        " VALUES (?, ?, ?, ?, ?)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(blob, md.envelope, md.body_structure, md.body);
    stmt->bind_blob(5, md.part_tree);
    STORE_TRY(stmt->run());
  }
  if (!inline_blob) {
    auto placed = ctx.files.place(blob, *delivery.blob);
    if (!placed) return std::unexpected(placed.error());
    ctx.effects.new_files.push_back(std::move(*placed));
  }
  if (delivery.search_text) {
    const auto& t = *delivery.search_text;
    STORE_TRY(run(ctx.db,
                  "INSERT INTO blob_text(rowid, from_addr, to_addr, cc, bcc, subject, headers,"
                  " body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  blob, t.from, t.to, t.cc, t.bcc, t.subject, t.headers, t.body));
  }
  receipt.blob = blob;

  // 3. One email and one message per target.
  const std::string refs = join_references(md.references);
  for (auto& r : resolved) {
    const auto& target = delivery.targets[r.index];
    AccountId account = r.mailbox.account;
    auto modseq = bump_account(ctx, account, static_cast<std::int64_t>(r.size), 1);
    if (!modseq) return std::unexpected(modseq.error());
    auto thread = find_thread(ctx, account, md);
    if (!thread) return std::unexpected(thread.error());
    {
      auto stmt = ctx.db.prepare(
          "INSERT INTO email(account_id, blob_id, header_prefix, size, internal_date, thread_id,"
          " message_id, refs, subject, sent_date, created_modseq)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!stmt) return std::unexpected(stmt.error());
      stmt->bind_all(account, blob, std::nullopt, r.size, internal_date, *thread, md.message_id,
                     refs, md.subject, md.sent_date, *modseq);
      stmt->bind_blob(3, target.header_prefix);
      STORE_TRY(stmt->run());
    }
    EmailId email = ctx.db.last_insert_rowid();
    if (*thread == 0) {
      STORE_TRY(run(ctx.db, "UPDATE email SET thread_id = id WHERE id = ?", email));
    }
    auto uid = query_int(ctx.db,
                         "UPDATE mailbox SET uid_next = uid_next + 1, highest_modseq = ?2,"
                         " messages = messages + 1, unseen = unseen + ?3, size = size + ?4"
                         " WHERE id = ?1 RETURNING uid_next - 1",
                         r.mailbox.id, *modseq, int{(target.flags & kFlagSeen) == 0}, r.size);
    if (!uid) return std::unexpected(uid.error());
    if (!*uid) return make_error(Errc::internal, "target mailbox vanished");
    STORE_TRY(run(ctx.db,
                  "INSERT INTO message(mailbox_id, uid, email_id, modseq, flags, keywords,"
                  " save_date) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  r.mailbox.id, **uid, email, *modseq, target.flags & kAllSystemFlags, r.keywords,
                  ctx.now));
    receipt.targets[r.index] = DeliveredCopy{
        account, r.mailbox.id, r.mailbox.uid_validity, static_cast<Uid>(**uid), *modseq, email};
    ctx.effects.events.push_back(
        ChangeEvent{ChangeEvent::Kind::messages_added, account, r.mailbox.id, *modseq});
  }

  // 4. The queue: one message row sharing the blob, one entry per destination domain.
  if (queued) {
    auto ids = enqueue(ctx, *delivery.outbound, blob);
    if (!ids) return std::unexpected(ids.error());
    receipt.queued = std::move(*ids);
  }
  return receipt;
}

// ---------------------------------------------------------------------------------------------
// Outbound queue

Result<std::vector<QueueEntryId>> enqueue(WriteContext& ctx, const Outbound& outbound,
                                          BlobId blob) {
  const auto& env = outbound.envelope;
  STORE_TRY(run(ctx.db,
                "INSERT INTO queue_message(blob_id, reverse_path, envid, ret, smtputf8,"
                " submitter, arrival) VALUES (?, ?, ?, ?, ?, ?, ?)",
                blob, env.reverse_path, env.envid, int{env.ret}, int{env.smtputf8}, env.submitter,
                env.arrival != 0 ? env.arrival : ctx.now));
  QueueMessageId message = ctx.db.last_insert_rowid();
  const std::int64_t first = outbound.first_attempt != 0 ? outbound.first_attempt : ctx.now;
  std::vector<QueueEntryId> ids;
  for (const auto& entry : outbound.entries) {
    if (entry.recipients.empty()) {
      return make_error(Errc::invalid_argument, "queue entry without recipients");
    }
    STORE_TRY(run(ctx.db,
                  "INSERT INTO queue_entry(message_id, domain, next_attempt) VALUES (?, ?, ?)",
                  message, to_lower(entry.domain), first));
    QueueEntryId id = ctx.db.last_insert_rowid();
    for (const auto& r : entry.recipients) {
      STORE_TRY(run(ctx.db,
                    "INSERT INTO queue_recipient(entry_id, address, notify, orcpt_type, orcpt)"
                    " VALUES (?, ?, ?, ?, ?)",
                    id, r.address, static_cast<std::int64_t>(r.notify), r.orcpt_type, r.orcpt));
    }
    ids.push_back(id);
  }
  return ids;
}

namespace {

// Removes the entry (its recipients first), then its message and blob when nothing else uses
// them.
Status remove_queue_entry(WriteContext& ctx, QueueEntryId id, QueueMessageId message) {
  STORE_TRY(run(ctx.db, "DELETE FROM queue_recipient WHERE entry_id = ?", id));
  STORE_TRY(run(ctx.db, "DELETE FROM queue_entry WHERE id = ?", id));
  auto blob = query_int(ctx.db,
                        "DELETE FROM queue_message WHERE id = ?1 AND NOT EXISTS"
                        " (SELECT 1 FROM queue_entry WHERE message_id = ?1) RETURNING blob_id",
                        message);
  if (!blob) return std::unexpected(blob.error());
  if (*blob) return collect_blobs(ctx, std::set<BlobId>{**blob});
  return {};
}

Result<QueueMessageId> queue_message_of(WriteContext& ctx, QueueEntryId id) {
  auto message = query_int(ctx.db, "SELECT message_id FROM queue_entry WHERE id = ?", id);
  if (!message) return std::unexpected(message.error());
  if (!*message) return make_error(Errc::not_found, fmt::format("no queue entry {}", id));
  return **message;
}

}  // namespace

Status record_queue_attempt(WriteContext& ctx, const QueueAttempt& attempt) {
  auto message = queue_message_of(ctx, attempt.entry);
  if (!message) return std::unexpected(message.error());
  for (QueueRecipientId r : attempt.done) {
    STORE_TRY(
        run(ctx.db, "DELETE FROM queue_recipient WHERE id = ? AND entry_id = ?", r, attempt.entry));
  }
  for (const auto& [r, error] : attempt.errors) {
    STORE_TRY(run(ctx.db, "UPDATE queue_recipient SET last_error = ? WHERE id = ? AND entry_id = ?",
                  error, r, attempt.entry));
  }
  auto left =
      query_int(ctx.db, "SELECT count(*) FROM queue_recipient WHERE entry_id = ?", attempt.entry);
  if (!left) return std::unexpected(left.error());
  if (!*left || **left == 0) return remove_queue_entry(ctx, attempt.entry, *message);
  return run(ctx.db,
             "UPDATE queue_entry SET next_attempt = ?2, last_attempt = ?3, last_error = ?4,"
             " attempts = attempts + ?5, delay_notified = max(delay_notified, ?6) WHERE id = ?1",
             attempt.entry, attempt.next_attempt,
             attempt.attempted_at != 0 ? attempt.attempted_at : ctx.now, attempt.last_error,
             int{attempt.count_attempt}, int{attempt.delay_notified});
}

Status reschedule_queue_entry(WriteContext& ctx, QueueEntryId id, std::int64_t next_attempt) {
  STORE_TRY(run(ctx.db, "UPDATE queue_entry SET next_attempt = ? WHERE id = ?", next_attempt, id));
  if (ctx.db.changes() == 0)
    return make_error(Errc::not_found, fmt::format("no queue entry {}", id));
  return {};
}

Status delete_queue_entry(WriteContext& ctx, QueueEntryId id) {
  auto message = queue_message_of(ctx, id);
  if (!message) return std::unexpected(message.error());
  return remove_queue_entry(ctx, id, *message);
}

}  // namespace facteur::store::sqlite
