#include "store/sqlite/schema.hpp"

#include <array>
#include <string_view>

#include <fmt/format.h>

namespace facteur::store::sqlite {
namespace {

// Step 1: the whole model. Later steps append here; never edit a released step.
//
// counter   named store-wide counters. 'uidvalidity' only grows (starting from the clock), so
//           every mailbox ever created, even under an old name or in a re-created account,
//           gets a new UIDVALIDITY.
// account   one per address. highest_modseq is the account-wide mod-sequence counter
//           (RFC 7162 per-mailbox modseqs need only ascend; one counter per account also
//           serves as JMAP state). used_* back RFC 9208 QUOTA.
// mailbox   name canonical ('/' delimiter, "INBOX" upper-case). Counters back STATUS.
// blob      the bytes of one delivery, shared by all recipients: inline in `data` when small,
//           else the file blobs/<id/4096>/<id>. Also the parse results, which depend on the
//           bytes only. AUTOINCREMENT: ids are never reused, so a late unlink of a deleted
//           blob's file can never hit a newer blob.
// email     one copy of a message in an account (JMAP Email): the blob plus this recipient's
//           header prefix (Return-Path, Delivered-To), thread, dates.
// message   an email in a mailbox (IMAP message): UID, MODSEQ, flags. COPY adds a row for the
//           same email.
// change_log  expunged UIDs (kind 1) and deleted mailboxes (kind 2) with their modseq, for
//           QRESYNC VANISHED and JMAP /changes (created/updated come from message.modseq and
//           email.created_modseq).
// blob_trash  blob files whose rows are deleted, to unlink after the commit (a crash between
//           commit and unlink is finished at the next open).
// blob_text FTS5 index of decoded text, rowid = blob id (filled when the delivery supplies it).
constexpr std::string_view kStep1 = R"sql(
CREATE TABLE counter (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE account (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  address TEXT NOT NULL,
  address_key TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL DEFAULT '',
  scram_sha256 TEXT NOT NULL DEFAULT '',
  apop_secret TEXT,
  quota_bytes INTEGER NOT NULL DEFAULT 0,
  quota_messages INTEGER NOT NULL DEFAULT 0,
  used_bytes INTEGER NOT NULL DEFAULT 0,
  used_messages INTEGER NOT NULL DEFAULT 0,
  highest_modseq INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE alias (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  address TEXT NOT NULL,
  address_key TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE alias_target (
  alias_id INTEGER NOT NULL REFERENCES alias(id) ON DELETE CASCADE,
  target_key TEXT NOT NULL,
  target TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (alias_id, target_key)
) WITHOUT ROWID;
CREATE TABLE mailbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES account(id),
  name TEXT NOT NULL,
  uid_validity INTEGER NOT NULL,
  uid_next INTEGER NOT NULL DEFAULT 1,
  highest_modseq INTEGER NOT NULL DEFAULT 0,
  special_use INTEGER NOT NULL DEFAULT 0,
  messages INTEGER NOT NULL DEFAULT 0,
  unseen INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL DEFAULT 0,
  created_modseq INTEGER NOT NULL DEFAULT 0,
  UNIQUE (account_id, name)
);
CREATE INDEX mailbox_special_use ON mailbox(account_id, special_use) WHERE special_use <> 0;
CREATE TABLE subscription (
  account_id INTEGER NOT NULL REFERENCES account(id),
  name TEXT NOT NULL,
  PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
CREATE TABLE blob (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  size INTEGER NOT NULL,
  data BLOB,
  envelope TEXT NOT NULL DEFAULT '',
  body_structure TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  part_tree BLOB NOT NULL DEFAULT x'',
  created_at INTEGER NOT NULL
);
CREATE TABLE email (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES account(id),
  blob_id INTEGER NOT NULL REFERENCES blob(id),
  header_prefix BLOB NOT NULL DEFAULT x'',
  size INTEGER NOT NULL,
  internal_date INTEGER NOT NULL,
  thread_id INTEGER NOT NULL DEFAULT 0,
  message_id TEXT NOT NULL DEFAULT '',
  refs TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  sent_date INTEGER NOT NULL DEFAULT 0,
  created_modseq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX email_blob ON email(blob_id);
CREATE INDEX email_account_message_id ON email(account_id, message_id) WHERE message_id <> '';
CREATE INDEX email_account_thread ON email(account_id, thread_id);
CREATE TABLE message (
  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id),
  uid INTEGER NOT NULL,
  email_id INTEGER NOT NULL REFERENCES email(id),
  modseq INTEGER NOT NULL,
  flags INTEGER NOT NULL DEFAULT 0,
  keywords TEXT NOT NULL DEFAULT '',
  save_date INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE INDEX message_modseq ON message(mailbox_id, modseq);
CREATE INDEX message_email ON message(email_id);
CREATE TABLE change_log (
  account_id INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL DEFAULT 0,
  email_id INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX change_log_mailbox ON change_log(mailbox_id, modseq);
CREATE INDEX change_log_account ON change_log(account_id, modseq);
CREATE TABLE blob_trash (
  blob_id INTEGER PRIMARY KEY
);
CREATE VIRTUAL TABLE blob_text USING fts5(
  from_addr, to_addr, cc, bcc, subject, headers, body,
  tokenize = 'unicode61 remove_diacritics 2'
);
)sql";

// Step 2: the outbound queue.
//
// queue_message    one queued message: its blob (shared with the local copies of the same
//                  delivery; a blob is kept while an email or a queue_message refers to it) and
//                  its envelope (RFC 3461 ENVID/RET, SMTPUTF8, who submitted it).
// queue_entry      one per destination domain of a message: when to try next, how often it was
//                  tried, the last entry-wide error, whether the delay notice went out.
// queue_recipient  the recipients of an entry still to be delivered, with their DSN parameters
//                  and last error. Rows leave as recipients are delivered or bounced.
constexpr std::string_view kStep2 = R"sql(
CREATE TABLE queue_message (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  blob_id INTEGER NOT NULL REFERENCES blob(id),
  reverse_path TEXT NOT NULL,
  envid TEXT,
  ret INTEGER NOT NULL DEFAULT 0,
  smtputf8 INTEGER NOT NULL DEFAULT 0,
  submitter TEXT NOT NULL DEFAULT '',
  arrival INTEGER NOT NULL
);
CREATE INDEX queue_message_blob ON queue_message(blob_id);
CREATE TABLE queue_entry (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id INTEGER NOT NULL REFERENCES queue_message(id),
  domain TEXT NOT NULL,
  next_attempt INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_attempt INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  delay_notified INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX queue_entry_due ON queue_entry(next_attempt, id);
CREATE INDEX queue_entry_message ON queue_entry(message_id);
CREATE TABLE queue_recipient (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  entry_id INTEGER NOT NULL REFERENCES queue_entry(id),
  address TEXT NOT NULL,
  notify INTEGER NOT NULL DEFAULT 0,
  orcpt_type TEXT NOT NULL DEFAULT '',
  orcpt TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX queue_recipient_entry ON queue_recipient(entry_id);
)sql";

// Step 3: substring search (IMAP SEARCH semantics are substrings, not words).
//
// blob_text  rebuilt with the trigram tokenizer (case-folded; any substring of 3+ characters is
//            an AND of its trigrams). detail=column keeps column filters (BODY vs TEXT) and
//            drops positions: a match only narrows, the session confirms against the stored
//            text, so phrase positions would buy nothing and cost index size.
// blob.text_indexed  1 when the delivery supplied search text; the few blobs without it are
//            found through a partial index and always searched the slow way.
constexpr std::string_view kStep3 = R"sql(
ALTER TABLE blob_text RENAME TO blob_text_step1;
CREATE VIRTUAL TABLE blob_text USING fts5(
  from_addr, to_addr, cc, bcc, subject, headers, body,
  tokenize = 'trigram', detail = 'column'
);
INSERT INTO blob_text(rowid, from_addr, to_addr, cc, bcc, subject, headers, body)
  SELECT rowid, from_addr, to_addr, cc, bcc, subject, headers, body FROM blob_text_step1;
DROP TABLE blob_text_step1;
ALTER TABLE blob ADD COLUMN text_indexed INTEGER NOT NULL DEFAULT 0;
UPDATE blob SET text_indexed = 1 WHERE id IN (SELECT rowid FROM blob_text);
CREATE INDEX blob_unindexed ON blob(id) WHERE text_indexed = 0;
)sql";

// Step 4: the cached parse results leave `blob`.
//
// blob_meta  ENVELOPE, BODYSTRUCTURE, BODY and the part tree of a blob, one row per blob (the
//            rowid is the blob id). In `blob` they came after the inline message (up to 64 KB),
//            so reading them for a metadata FETCH walked the message's overflow-page chain;
//            here a row is a few hundred octets to a few KB, mostly within its leaf page.
//            Columns in the order a FETCH reads them. Deleted with its blob (cascade).
// The copy and the column drops are one transaction (migrate()): a crash leaves step 3 intact.
constexpr std::string_view kStep4 = R"sql(
CREATE TABLE blob_meta (
  blob_id INTEGER PRIMARY KEY REFERENCES blob(id) ON DELETE CASCADE,
  envelope TEXT NOT NULL DEFAULT '',
  body_structure TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  part_tree BLOB NOT NULL DEFAULT x''
);
INSERT INTO blob_meta(blob_id, envelope, body_structure, body, part_tree)
  SELECT id, envelope, body_structure, body, part_tree FROM blob ORDER BY id;
ALTER TABLE blob DROP COLUMN envelope;
ALTER TABLE blob DROP COLUMN body_structure;
ALTER TABLE blob DROP COLUMN body;
ALTER TABLE blob DROP COLUMN part_tree;
)sql";

constexpr std::array<std::string_view, 4> kSteps = {kStep1, kStep2, kStep3, kStep4};

}  // namespace

int current_schema_version() noexcept {
  return static_cast<int>(kSteps.size());
}

Status migrate(Connection& db) {
  if (auto s = db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      !s) {
    return s;
  }
  // BEGIN IMMEDIATE: two processes opening a fresh data_dir at once must not both migrate.
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return s;
  auto fail = [&db](Error e) -> Status {
    (void)db.exec("ROLLBACK");
    return std::unexpected(std::move(e));
  };
  int version = 0;
  {
    auto stmt = db.prepare("SELECT version FROM schema_version");
    if (!stmt) return fail(stmt.error());
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (*row) version = static_cast<int>(stmt->int64(0));
  }
  if (version > current_schema_version()) {
    return fail(
        Error{Errc::internal, fmt::format("store schema version {} is newer than this program's {}",
                                          version, current_schema_version())});
  }
  for (int step = version; step < current_schema_version(); ++step) {
    if (auto s = db.exec(kSteps[static_cast<std::size_t>(step)]); !s) return fail(s.error());
  }
  if (version != current_schema_version()) {
    if (auto s = db.exec("DELETE FROM schema_version"); !s) return fail(s.error());
    auto stmt = db.prepare("INSERT INTO schema_version(version) VALUES (?)");
    if (!stmt) return fail(stmt.error());
    if (auto s = stmt->bind_all(current_schema_version()).run(); !s) return fail(s.error());
  }
  return db.exec("COMMIT");
}

}  // namespace facteur::store::sqlite
