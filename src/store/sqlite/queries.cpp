#include "store/sqlite/queries.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace facteur::store::sqlite {
namespace {

constexpr std::string_view kAccountColumns =
    "SELECT id, address, password_hash, scram_sha256, apop_secret, quota_bytes, quota_messages,"
    " used_bytes, used_messages, highest_modseq, created_at FROM account";

Account read_account(const Statement& s) {
  Account a;
  a.id = s.int64(0);
  a.address = s.text(1);
  a.credentials.password_hash = s.text(2);
  a.credentials.scram_sha256 = s.text(3);
  a.apop_secret = s.optional_text(4);
  a.quota_bytes = s.uint64(5);
  a.quota_messages = s.uint64(6);
  a.used_bytes = s.uint64(7);
  a.used_messages = s.uint64(8);
  a.highest_modseq = s.uint64(9);
  a.created_at = s.int64(10);
  return a;
}

constexpr std::string_view kMailboxColumns =
    "SELECT m.id, m.account_id, m.name, m.uid_validity, m.uid_next, m.highest_modseq,"
    " m.special_use, m.messages, m.unseen, m.size,"
    " EXISTS (SELECT 1 FROM subscription s WHERE s.account_id = m.account_id AND s.name = m.name)"
    " FROM mailbox m";

Mailbox read_mailbox(const Statement& s) {
  Mailbox m;
  m.id = s.int64(0);
  m.account = s.int64(1);
  m.name = s.text(2);
  m.uid_validity = static_cast<std::uint32_t>(s.int64(3));
  m.uid_next = static_cast<Uid>(s.int64(4));
  m.highest_modseq = s.uint64(5);
  auto use = s.int64(6);
  m.special_use = use >= 0 && use <= static_cast<int>(SpecialUse::important)
                      ? static_cast<SpecialUse>(use)
                      : SpecialUse::none;
  m.messages = static_cast<std::uint32_t>(s.int64(7));
  m.unseen = static_cast<std::uint32_t>(s.int64(8));
  m.size = s.uint64(9);
  m.subscribed = s.int64(10) != 0;
  return m;
}

constexpr std::string_view kMessageColumns =
    "SELECT m.uid, m.modseq, m.flags, m.keywords, e.internal_date, m.save_date, e.size, e.id,"
    " e.blob_id, e.thread_id";
// The metadata columns (indices 10-17), an empty constant in place of a part not asked for.
std::string metadata_columns(unsigned parts) {
  auto col = [parts](unsigned part, std::string_view column, std::string_view none) {
    return (parts & part) != 0 ? column : none;
  };
  return fmt::format(
      ", {}, {}, {}, {}, {}, {}, {}, {}", col(kMetadataEnvelope, "b.envelope", "''"),
      col(kMetadataBodyStructure, "b.body_structure", "''"), col(kMetadataBody, "b.body", "''"),
      col(kMetadataPartTree, "b.part_tree", "''"), col(kMetadataThreading, "e.message_id", "''"),
      col(kMetadataThreading, "e.refs", "''"), col(kMetadataThreading, "e.subject", "''"),
      col(kMetadataThreading, "e.sent_date", "0"));
}
// blob_meta, not blob: the cached metadata without the inline message before it (schema step
// 4). Every blob has its blob_meta row (written with it).
constexpr std::string_view kMessageFrom =
    " FROM message m JOIN email e ON e.id = m.email_id JOIN blob_meta b ON b.blob_id = e.blob_id";
// Without metadata no blob column is read: the join would only cost a lookup per row (SELECT of
// a big mailbox), and email.blob_id always names a blob (foreign key).
constexpr std::string_view kMessageFromNoBlob = " FROM message m JOIN email e ON e.id = m.email_id";

std::string message_select(bool with_metadata, unsigned parts) {
  if (!with_metadata) return fmt::format("{}{}", kMessageColumns, kMessageFromNoBlob);
  const bool blob_meta = (parts & ~unsigned{kMetadataThreading}) != 0;
  return fmt::format("{}{}{}", kMessageColumns, metadata_columns(parts),
                     blob_meta ? kMessageFrom : kMessageFromNoBlob);
}

MessageInfo read_message(const Statement& s, bool with_metadata) {
  MessageInfo m;
  m.uid = static_cast<Uid>(s.int64(0));
  m.modseq = s.uint64(1);
  m.flags = static_cast<FlagBits>(s.int64(2));
  m.keywords = split_keywords(s.view(3));
  m.internal_date = s.int64(4);
  m.save_date = s.int64(5);
  m.size = s.uint64(6);
  m.email = s.int64(7);
  m.blob = s.int64(8);
  m.thread = s.int64(9);
  if (with_metadata) {
    MessageMetadata& md = m.metadata.emplace();
    md.envelope = s.view(10);
    md.body_structure = s.view(11);
    md.body = s.view(12);
    md.part_tree = s.view(13);
    md.message_id = s.view(14);
    for (auto ref : split(s.view(15), ' ')) {
      if (!ref.empty()) md.references.emplace_back(ref);
    }
    md.subject = s.view(16);
    md.sent_date = s.int64(17);
  }
  return m;
}

template <class T, class Read>
Result<T> fetch_one(Result<Statement> stmt, Read read, std::string_view what) {
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return make_error(Errc::not_found, std::string(what));
  return read(*stmt);
}

template <class T, class Read>
Result<std::vector<T>> fetch_all(Result<Statement> stmt, Read read) {
  if (!stmt) return std::unexpected(stmt.error());
  std::vector<T> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    out.push_back(read(*stmt));
  }
}

bool is_keyword_char(char c) {
  auto u = static_cast<unsigned char>(c);
  // atom-specials of RFC 9051 §9 plus ']' and '\' (flag-keyword is an atom).
  return u > 0x20 && u < 0x7f && c != '(' && c != ')' && c != '{' && c != '%' && c != '*' &&
         c != '"' && c != '\\' && c != ']';
}

}  // namespace

Result<std::string> address_key(std::string_view address) {
  auto canonical = canonical_address(address);
  if (!canonical) return canonical;
  return to_lower(*canonical);
}

Result<std::vector<std::string>> normalize_keywords(std::span<const std::string> keywords) {
  std::vector<std::string> out;
  for (const auto& k : keywords) {
    if (k.empty() || !std::all_of(k.begin(), k.end(), is_keyword_char)) {
      return make_error(Errc::invalid_argument, fmt::format("bad keyword '{}'", k));
    }
    bool seen = std::any_of(out.begin(), out.end(), [&](const auto& o) { return iequals(o, k); });
    if (!seen) out.push_back(k);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return to_lower(a) < to_lower(b); });
  return out;
}

std::string join_keywords(const std::vector<std::string>& keywords) {
  std::string out;
  for (const auto& k : keywords) {
    if (!out.empty()) out += ' ';
    out += k;
  }
  return out;
}

std::vector<std::string> split_keywords(std::string_view stored) {
  std::vector<std::string> out;
  for (auto k : split(stored, ' ')) {
    if (!k.empty()) out.emplace_back(k);
  }
  return out;
}

Status validate_mailbox_name(std::string_view name) {
  if (name.empty()) return make_error(Errc::invalid_argument, "empty mailbox name");
  if (name.size() > 1000) return make_error(Errc::invalid_argument, "mailbox name too long");
  if (name.front() == kHierarchyDelimiter || name.back() == kHierarchyDelimiter ||
      name.find("//") != std::string_view::npos) {
    return make_error(Errc::invalid_argument, "empty hierarchy level in mailbox name");
  }
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '*' || c == '%') {
      return make_error(Errc::invalid_argument, "control character or wildcard in mailbox name");
    }
  }
  return {};
}

Result<Account> load_account(Connection& db, AccountId id) {
  auto stmt = db.prepare(fmt::format("{} WHERE id = ?", kAccountColumns));
  if (stmt) stmt->bind_all(id);
  return fetch_one<Account>(std::move(stmt), read_account, fmt::format("no account {}", id));
}

Result<Account> load_account_by_address(Connection& db, std::string_view address) {
  auto key = address_key(address);
  if (!key) return std::unexpected(key.error());
  auto stmt = db.prepare(fmt::format("{} WHERE address_key = ?", kAccountColumns));
  if (stmt) stmt->bind_all(*key);
  return fetch_one<Account>(std::move(stmt), read_account, fmt::format("no account {}", *key));
}

Result<std::vector<Account>> load_accounts(Connection& db) {
  return fetch_all<Account>(db.prepare(fmt::format("{} ORDER BY address_key", kAccountColumns)),
                            read_account);
}

namespace {

// Rows of (alias address, target) ordered by alias then position, folded into Alias values.
Result<std::vector<Alias>> fold_aliases(Result<Statement> stmt) {
  if (!stmt) return std::unexpected(stmt.error());
  std::vector<Alias> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    auto address = stmt->view(0);
    if (out.empty() || out.back().address != address)
      out.push_back(Alias{std::string(address), {}});
    out.back().targets.push_back(stmt->text(1));
  }
}

constexpr std::string_view kAliasRows =
    "SELECT a.address, t.target FROM alias a JOIN alias_target t ON t.alias_id = a.id";

}  // namespace

Result<Alias> load_alias(Connection& db, std::string_view address) {
  auto key = address_key(address);
  if (!key) return std::unexpected(key.error());
  auto stmt = db.prepare(fmt::format("{} WHERE a.address_key = ? ORDER BY t.position", kAliasRows));
  if (stmt) stmt->bind_all(*key);
  auto aliases = fold_aliases(std::move(stmt));
  if (!aliases) return std::unexpected(aliases.error());
  if (aliases->empty()) return make_error(Errc::not_found, fmt::format("no alias {}", *key));
  return std::move(aliases->front());
}

Result<std::vector<Alias>> load_aliases(Connection& db) {
  return fold_aliases(db.prepare(fmt::format("{} ORDER BY a.address_key, t.position", kAliasRows)));
}

Result<Mailbox> load_mailbox(Connection& db, MailboxId id) {
  auto stmt = db.prepare(fmt::format("{} WHERE m.id = ?", kMailboxColumns));
  if (stmt) stmt->bind_all(id);
  return fetch_one<Mailbox>(std::move(stmt), read_mailbox, fmt::format("no mailbox {}", id));
}

Result<Mailbox> load_mailbox_by_name(Connection& db, AccountId account, std::string_view name) {
  std::string canonical = canonical_mailbox_name(name);
  auto stmt = db.prepare(fmt::format("{} WHERE m.account_id = ? AND m.name = ?", kMailboxColumns));
  if (stmt) stmt->bind_all(account, canonical);
  return fetch_one<Mailbox>(std::move(stmt), read_mailbox,
                            fmt::format("no mailbox '{}'", canonical));
}

Result<Mailbox> load_special_mailbox(Connection& db, AccountId account, SpecialUse use) {
  auto stmt = db.prepare(fmt::format(
      "{} WHERE m.account_id = ? AND m.special_use = ? ORDER BY m.id LIMIT 1", kMailboxColumns));
  if (stmt) stmt->bind_all(account, static_cast<int>(use));
  return fetch_one<Mailbox>(std::move(stmt), read_mailbox,
                            fmt::format("no {} mailbox", to_string(use)));
}

Result<std::vector<Mailbox>> load_mailboxes(Connection& db, AccountId account) {
  auto stmt = db.prepare(fmt::format("{} WHERE m.account_id = ? ORDER BY m.name", kMailboxColumns));
  if (stmt) stmt->bind_all(account);
  return fetch_all<Mailbox>(std::move(stmt), read_mailbox);
}

Result<std::vector<std::string>> load_subscriptions(Connection& db, AccountId account) {
  auto stmt = db.prepare("SELECT name FROM subscription WHERE account_id = ? ORDER BY name");
  if (stmt) stmt->bind_all(account);
  return fetch_all<std::string>(std::move(stmt), [](const Statement& s) { return s.text(0); });
}

Result<std::vector<MessageInfo>> load_messages(Connection& db, MailboxId mailbox,
                                               const MessageQuery& query) {
  auto stmt =
      db.prepare(fmt::format("{} WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ? AND m.modseq > ?"
                             " ORDER BY m.uid LIMIT ?",
                             message_select(query.with_metadata, query.metadata_parts)));
  if (stmt) {
    std::int64_t limit = query.limit == 0 ? -1 : static_cast<std::int64_t>(query.limit);
    stmt->bind_all(mailbox, query.min_uid, query.max_uid, query.changed_since, limit);
  }
  bool md = query.with_metadata;
  return fetch_all<MessageInfo>(std::move(stmt),
                                [md](const Statement& s) { return read_message(s, md); });
}

Result<MailboxSnapshot> load_snapshot(Connection& db, MailboxId mailbox) {
  // One read transaction: the UID list, the counters and UIDNEXT/HIGHESTMODSEQ agree.
  if (auto s = db.exec("BEGIN"); !s) return std::unexpected(s.error());
  auto body = [&]() -> Result<MailboxSnapshot> {
    MailboxSnapshot snap;
    auto mb = load_mailbox(db, mailbox);
    if (!mb) return std::unexpected(mb.error());
    snap.mailbox = std::move(*mb);
    // message is WITHOUT ROWID keyed by (mailbox_id, uid): a range scan of one b-tree, no join.
    auto stmt =
        db.prepare("SELECT uid, flags, keywords FROM message WHERE mailbox_id = ? ORDER BY uid");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(mailbox);
    snap.uids.reserve(snap.mailbox.messages);
    // Distinct stored keyword lists: few in a mailbox, so a row costs a comparison, no copy.
    std::set<std::string, std::less<>> lists;
    std::string_view last_list;
    for (;;) {
      auto row = stmt->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      snap.uids.push_back(static_cast<Uid>(stmt->int64(0)));
      if (snap.first_unseen == 0 && (stmt->int64(1) & kFlagSeen) == 0)
        snap.first_unseen = static_cast<std::uint32_t>(snap.uids.size());
      auto list = stmt->view(2);
      if (list.empty() || list == last_list) continue;
      auto it = lists.find(list);
      if (it == lists.end()) it = lists.emplace(list).first;
      last_list = *it;
    }
    std::set<std::string, std::less<>> keywords;
    for (const auto& list : lists) {
      for (auto k : split(list, ' ')) {
        if (!k.empty() && !keywords.contains(k)) keywords.emplace(k);
      }
    }
    snap.keywords.assign(keywords.begin(), keywords.end());
    return snap;
  };
  auto snap = body();
  (void)db.exec("COMMIT");  // read-only: ends the snapshot either way
  return snap;
}

Result<MessageInfo> load_message(Connection& db, MailboxId mailbox, Uid uid, bool with_metadata) {
  auto stmt = db.prepare(fmt::format("{} WHERE m.mailbox_id = ? AND m.uid = ?",
                                     message_select(with_metadata, kMetadataAll)));
  if (stmt) stmt->bind_all(mailbox, uid);
  return fetch_one<MessageInfo>(
      std::move(stmt),
      [with_metadata](const Statement& s) { return read_message(s, with_metadata); },
      fmt::format("no message {} in mailbox {}", uid, mailbox));
}

Result<MessageContent> open_content(Connection& db, const BlobFiles& files, MailboxId mailbox,
                                    Uid uid) {
  auto stmt = db.prepare(
      "SELECT e.header_prefix, e.blob_id, b.size, b.data IS NULL, b.data"
      " FROM message m JOIN email e ON e.id = m.email_id JOIN blob b ON b.id = e.blob_id"
      " WHERE m.mailbox_id = ? AND m.uid = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(mailbox, uid);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return make_error(Errc::not_found, fmt::format("no message {}", uid));
  std::string prefix = stmt->text(0);
  BlobId blob = stmt->int64(1);
  std::uint64_t size = stmt->uint64(2);
  if (stmt->int64(3) == 0) {
    return MessageContent(std::move(prefix), make_memory_blob_reader(stmt->text(4)));
  }
  auto reader = open_file_blob_reader(files.path(blob), size);
  if (!reader) return std::unexpected(reader.error());
  return MessageContent(std::move(prefix), std::move(*reader));
}

Result<std::vector<Uid>> load_expunged_since(Connection& db, MailboxId mailbox, ModSeq since) {
  auto stmt = db.prepare(
      "SELECT uid FROM change_log WHERE mailbox_id = ? AND kind = 1 AND modseq > ? ORDER BY uid");
  if (stmt) stmt->bind_all(mailbox, since);
  return fetch_all<Uid>(std::move(stmt),
                        [](const Statement& s) { return static_cast<Uid>(s.int64(0)); });
}

// ---------------------------------------------------------------------------------------------
// Outbound queue

namespace {

constexpr std::string_view kQueueColumns =
    "SELECT e.id, e.message_id, e.domain, e.next_attempt, e.last_attempt, e.attempts,"
    " e.last_error, e.delay_notified, q.reverse_path, q.envid, q.ret, q.smtputf8, q.submitter,"
    " q.arrival, q.blob_id, b.size"
    " FROM queue_entry e JOIN queue_message q ON q.id = e.message_id"
    " JOIN blob b ON b.id = q.blob_id";

QueueEntry read_queue_entry(const Statement& s) {
  QueueEntry e;
  e.id = s.int64(0);
  e.message = s.int64(1);
  e.domain = s.text(2);
  e.next_attempt = s.int64(3);
  e.last_attempt = s.int64(4);
  e.attempts = static_cast<std::uint32_t>(s.int64(5));
  e.last_error = s.text(6);
  e.delay_notified = s.int64(7) != 0;
  e.envelope.reverse_path = s.text(8);
  e.envelope.envid = s.optional_text(9);
  e.envelope.ret = static_cast<std::uint8_t>(s.int64(10));
  e.envelope.smtputf8 = s.int64(11) != 0;
  e.envelope.submitter = s.text(12);
  e.envelope.arrival = s.int64(13);
  e.blob = s.int64(14);
  e.size = s.uint64(15);
  return e;
}

Status load_queue_recipients(Connection& db, QueueEntry& entry) {
  auto stmt = db.prepare(
      "SELECT id, address, notify, orcpt_type, orcpt, last_error FROM queue_recipient"
      " WHERE entry_id = ? ORDER BY id");
  if (stmt) stmt->bind_all(entry.id);
  auto rows = fetch_all<QueueRecipient>(std::move(stmt), [](const Statement& s) {
    return QueueRecipient{s.int64(0), s.text(1), static_cast<unsigned>(s.int64(2)),
                          s.text(3),  s.text(4), s.text(5)};
  });
  if (!rows) return std::unexpected(rows.error());
  entry.recipients = std::move(*rows);
  return {};
}

}  // namespace

Result<std::vector<QueueEntry>> load_queue(Connection& db, const QueueQuery& query) {
  std::string sql =
      fmt::format("{} WHERE e.next_attempt <= ? ORDER BY e.next_attempt, e.id", kQueueColumns);
  if (query.limit != 0) sql += fmt::format(" LIMIT {}", query.limit);
  // Not a literal: prepare() caches by text, and the LIMIT variants are few.
  auto stmt = db.prepare(sql);
  if (stmt) stmt->bind_all(query.due_before);
  auto entries = fetch_all<QueueEntry>(std::move(stmt), read_queue_entry);
  if (!entries || !query.with_recipients) return entries;
  for (auto& e : *entries) {
    if (auto s = load_queue_recipients(db, e); !s) return std::unexpected(s.error());
  }
  return entries;
}

Result<QueueEntry> load_queue_entry(Connection& db, QueueEntryId id) {
  auto stmt = db.prepare(fmt::format("{} WHERE e.id = ?", kQueueColumns));
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return make_error(Errc::not_found, fmt::format("no queue entry {}", id));
  auto entry = read_queue_entry(*stmt);
  if (auto s = load_queue_recipients(db, entry); !s) return std::unexpected(s.error());
  return entry;
}

Result<std::unique_ptr<BlobReader>> open_queue_blob(Connection& db, const BlobFiles& files,
                                                    QueueEntryId id) {
  auto stmt = db.prepare(
      "SELECT b.id, b.size, b.data IS NULL, b.data FROM queue_entry e"
      " JOIN queue_message q ON q.id = e.message_id JOIN blob b ON b.id = q.blob_id"
      " WHERE e.id = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind_all(id);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return make_error(Errc::not_found, fmt::format("no queue entry {}", id));
  if (stmt->int64(2) == 0) return make_memory_blob_reader(stmt->text(3));
  return open_file_blob_reader(files.path(stmt->int64(0)), stmt->uint64(1));
}

}  // namespace facteur::store::sqlite
