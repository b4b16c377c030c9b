// The mail store: accounts, aliases, mailboxes, messages, blobs, change log, quotas and the
// full-text index, behind one interface with several backends (embedded SQLite + blob files now;
// PostgreSQL shared by several nodes later). Serves SMTP delivery, POP3, IMAP4rev1/rev2
// (RFC 3501, RFC 9051: UID/UIDVALIDITY/UIDNEXT; RFC 7162 CONDSTORE/QRESYNC: MODSEQ and the log
// of expunged UIDs; RFC 4315 UIDPLUS and RFC 6851 MOVE: copy_messages; RFC 6154 SPECIAL-USE;
// RFC 9208 QUOTA; RFC 8514 SAVEDATE) and JMAP (RFC 8620/8621: account-wide modseq as state,
// Email = one stored copy of a message in an account, thread ids).
//
// Trust: no internet input reaches this module unparsed; callers pass validated addresses and
// opaque strings. Every call except deliver() blocks (SQLite, fsync): call it from the worker
// pool, never from an I/O thread. All member functions are thread-safe.
//
// Durability: a write that returns success (or a deliver() whose callback reports success) is
// on stable storage: blob fsync'd with its directory entry, metadata transaction committed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/blob.hpp"

namespace facteur::store {

using AccountId = std::int64_t;
using MailboxId = std::int64_t;
using EmailId = std::int64_t;   // one stored copy of a message in an account (JMAP Email id)
using BlobId = std::int64_t;    // the shared bytes of one delivery
using ThreadId = std::int64_t;  // JMAP / IMAP THREAD grouping within an account
using Uid = std::uint32_t;      // IMAP UID, per mailbox, strictly ascending, never reused
using ModSeq = std::uint64_t;   // RFC 7162 mod-sequence; allocated per account, so it is also
                                // the JMAP state counter

// ---------------------------------------------------------------------------------------------
// Addresses

// "Local@Example.COM" -> "Local@example.com": domain lower-cased (ASCII), local part kept as
// written. Lookups compare the local part case-insensitively too (as Postfix and Dovecot do).
// Accepts "@domain" (catch-all alias). Errc::invalid_argument when there is no '@', the domain
// is empty, or the address holds control characters or spaces outside quotes.
Result<std::string> canonical_address(std::string_view address);

// ---------------------------------------------------------------------------------------------
// Accounts

struct Credentials {
  std::string password_hash;  // Argon2 PHC string (directory/password_hash.hpp); "" = no login
  std::string scram_sha256;   // SCRAM-SHA-256 record (RFC 5803 form); "" = none
};

struct NewAccount {
  std::string address;
  Credentials credentials;
  std::optional<std::string> apop_secret;  // RFC 1939 APOP shared secret (clear text)
  std::uint64_t quota_bytes = 0;           // 0 = unlimited
  std::uint64_t quota_messages = 0;        // 0 = unlimited
};

struct Account {
  AccountId id = 0;
  std::string address;  // canonical
  Credentials credentials;
  std::optional<std::string> apop_secret;
  std::uint64_t quota_bytes = 0;  // RFC 9208 STORAGE limit in bytes, 0 = unlimited
  std::uint64_t quota_messages = 0;
  std::uint64_t used_bytes = 0;  // sum of sizes of all messages in all mailboxes
  std::uint64_t used_messages = 0;
  ModSeq highest_modseq = 0;    // account-wide (JMAP state)
  std::int64_t created_at = 0;  // unix seconds
};

// A message of `size` bytes cannot be stored in this account however much the user deletes:
// the refusal is permanent (SMTP 552 5.2.2), where a full mailbox's is temporary (452 4.2.2).
inline bool larger_than_quota(const Account& account, std::uint64_t size) noexcept {
  return account.quota_bytes != 0 && size > account.quota_bytes;
}

// At or over its storage or message quota: nothing more fits until the user deletes.
inline bool at_quota(const Account& account) noexcept {
  return (account.quota_bytes != 0 && account.used_bytes >= account.quota_bytes) ||
         (account.quota_messages != 0 && account.used_messages >= account.quota_messages);
}

// ---------------------------------------------------------------------------------------------
// Aliases

struct Alias {
  std::string address;               // canonical; "@domain" is a catch-all
  std::vector<std::string> targets;  // canonical addresses, local or remote, in insertion order
};

// ---------------------------------------------------------------------------------------------
// Mailboxes

// RFC 6154 special-use attributes (one per mailbox); RFC 8457 \Important.
enum class SpecialUse : std::uint8_t {
  none,
  all,
  archive,
  drafts,
  flagged,
  junk,
  sent,
  trash,
  important
};

std::string_view to_string(SpecialUse use) noexcept;  // "\\Sent", "" for none
std::optional<SpecialUse> parse_special_use(std::string_view attribute) noexcept;  // "\\sent" ok

// Hierarchy delimiter of mailbox names.
inline constexpr char kHierarchyDelimiter = '/';

// "inbox" -> "INBOX", "Inbox/Foo" -> "INBOX/Foo" (RFC 9051 §5.1: INBOX is case-insensitive);
// other names are case-sensitive UTF-8 and returned as is.
std::string canonical_mailbox_name(std::string_view name);

// Created with every account, atomically: INBOX, then these (all subscribed).
struct DefaultMailbox {
  std::string_view name;
  SpecialUse use;
};
inline constexpr DefaultMailbox kDefaultMailboxes[] = {
    {"INBOX", SpecialUse::none},  {"Sent", SpecialUse::sent}, {"Drafts", SpecialUse::drafts},
    {"Trash", SpecialUse::trash}, {"Junk", SpecialUse::junk}, {"Archive", SpecialUse::archive},
};

struct Mailbox {
  MailboxId id = 0;
  AccountId account = 0;
  std::string name;                // canonical, '/'-separated
  std::uint32_t uid_validity = 0;  // differs for every incarnation of a name in the account
  Uid uid_next = 1;
  ModSeq highest_modseq = 0;  // highest modseq of any change in this mailbox (incl. expunges)
  SpecialUse special_use = SpecialUse::none;
  bool subscribed = false;
  std::uint32_t messages = 0;  // STATUS MESSAGES
  std::uint32_t unseen = 0;    // STATUS UNSEEN (messages without \Seen)
  std::uint64_t size = 0;      // STATUS SIZE (RFC 8438): sum of message sizes
};

// Picks the target mailbox of a delivery: by id if non-zero, else by special use if not none,
// else by name if not empty, else INBOX.
struct MailboxSelector {
  MailboxId id = 0;
  SpecialUse special_use = SpecialUse::none;
  std::string name;
};

// ---------------------------------------------------------------------------------------------
// Messages

// IMAP system flags as bits (\Recent is per-session and not stored).
using FlagBits = std::uint32_t;
inline constexpr FlagBits kFlagSeen = 1u << 0;
inline constexpr FlagBits kFlagAnswered = 1u << 1;
inline constexpr FlagBits kFlagFlagged = 1u << 2;
inline constexpr FlagBits kFlagDeleted = 1u << 3;
inline constexpr FlagBits kFlagDraft = 1u << 4;
inline constexpr FlagBits kAllSystemFlags = 0x1f;

// Computed once by the mail library at delivery or APPEND; opaque to the store, returned
// verbatim so FETCH never re-parses. Offsets in part_tree are relative to the blob (add the size
// of the per-recipient header prefix to address the message as clients see it).
struct MessageMetadata {
  std::string envelope;        // IMAP ENVELOPE, wire form
  std::string body_structure;  // IMAP BODYSTRUCTURE, wire form
  std::string body;            // IMAP BODY (non-extensible BODYSTRUCTURE), wire form
  std::string part_tree;       // serialised MIME part tree (mail library's format; may be binary)
  // Threading and sorting inputs.
  std::string message_id;               // Message-ID without brackets, "" when absent
  std::vector<std::string> references;  // In-Reply-To and References ids, without brackets
  std::string subject;                  // decoded Subject (UTF-8)
  std::int64_t sent_date = 0;           // Date: header as unix seconds, 0 when absent/invalid
};

// Decoded text for the FTS5 index (IMAP SEARCH, JMAP Email/query); optional at delivery.
// `headers` holds one "Name: decoded value" line per other field (Received left out).
struct SearchText {
  std::string from, to, cc, bcc, subject;
  std::string headers;  // other header fields, decoded
  std::string body;     // decoded text parts and attachment names
};

struct MessageInfo {
  Uid uid = 0;
  ModSeq modseq = 0;
  FlagBits flags = 0;
  std::vector<std::string> keywords;  // sorted, unique
  std::int64_t internal_date = 0;     // unix seconds (IMAP INTERNALDATE, JMAP receivedAt)
  std::int64_t save_date = 0;         // unix seconds, when this copy entered the mailbox
  std::uint64_t size = 0;             // prefix + blob: RFC822.SIZE, POP3 octet count
  EmailId email = 0;
  BlobId blob = 0;
  ThreadId thread = 0;
  std::optional<MessageMetadata> metadata;  // only when MessageQuery::with_metadata
};

// Which indexed text a full-text query looks at (IMAP SEARCH FROM/TO/CC/BCC/SUBJECT/HEADER,
// BODY and TEXT).
enum class TextField : std::uint8_t { from, to, cc, bcc, subject, headers, body, any };

// What opening a mailbox (IMAP SELECT) needs, read in one snapshot: no record per message, so a
// mailbox of many thousands of messages opens in a few milliseconds.
struct MailboxSnapshot {
  Mailbox mailbox;
  std::vector<Uid> uids;           // every message, ascending
  std::uint32_t first_unseen = 0;  // 1-based position of the first message without \Seen; 0: none
  std::vector<std::string> keywords;  // every keyword set on some message, sorted, unique
};
// The parts of MessageMetadata a query fills (the others stay empty): FETCH ENVELOPE
// BODYSTRUCTURE of a whole mailbox need not copy part trees or threading fields.
enum MetadataPart : unsigned {
  kMetadataEnvelope = 1u << 0,
  kMetadataBodyStructure = 1u << 1,
  kMetadataBody = 1u << 2,
  kMetadataPartTree = 1u << 3,
  kMetadataThreading = 1u << 4,  // message_id, references, subject, sent_date
  kMetadataAll = (1u << 5) - 1,
};
struct MessageQuery {
  Uid min_uid = 1;
  Uid max_uid = UINT32_MAX;
  ModSeq changed_since = 0;    // only messages with modseq > this (CONDSTORE CHANGEDSINCE)
  std::size_t limit = 0;       // 0 = no limit
  bool with_metadata = false;  // fill MessageInfo::metadata
  unsigned metadata_parts = kMetadataAll;  // with_metadata: which parts (MetadataPart bits)
};

// The bytes of a message as clients see it: the recipient's header prefix, then the shared blob.
// Streams from disk: a 25 MB message is never copied into one string.
class MessageContent {
 public:
  MessageContent(std::string prefix, std::unique_ptr<BlobReader> blob);

  std::uint64_t size() const noexcept { return prefix_.size() + blob_->size(); }
  std::string_view prefix() const noexcept { return prefix_; }
  BlobReader& blob() const noexcept { return *blob_; }
  // pread() over prefix + blob: fills up to out.size() bytes from `offset`, returns the count
  // (0 at or past the end). Errc::io_error on read failure.
  Result<std::size_t> read(std::uint64_t offset, std::span<char> out) const;

 private:
  std::string prefix_;
  std::unique_ptr<BlobReader> blob_;
};

struct ExpungeResult {
  std::vector<Uid> expunged;  // ascending; UIDs that were absent are not listed
  ModSeq modseq = 0;          // modseq recorded for these expunges (0 if nothing was expunged)
};

enum class FlagOp : std::uint8_t { set, add, remove };

struct FlagChange {
  FlagOp op = FlagOp::add;
  FlagBits flags = 0;
  std::vector<std::string> keywords;
  std::optional<ModSeq> unchanged_since;  // RFC 7162 §3.1.3 STORE (UNCHANGEDSINCE n)
};

struct FlagUpdate {
  Uid uid = 0;
  ModSeq modseq = 0;
  FlagBits flags = 0;
  std::vector<std::string> keywords;
};

struct FlagUpdateResult {
  std::vector<FlagUpdate> updated;  // messages whose flags actually changed (new modseq)
  std::vector<Uid> modified;        // failed UNCHANGEDSINCE: the MODIFIED response code
};

struct CopyResult {
  std::uint32_t uid_validity = 0;         // of the destination (RFC 4315 COPYUID)
  std::vector<std::pair<Uid, Uid>> uids;  // (source uid, destination uid), source ascending
};

// ---------------------------------------------------------------------------------------------
// Outbound queue (the durable half of src/queue): a queued message is one shared blob plus its
// envelope; it has one entry per destination domain, each with its pending recipients. Entries
// are written in the same transaction as the local copies of the same delivery (Delivery::
// outbound), so a message accepted with 250 is either in a mailbox, in the queue, or both.

using QueueMessageId = std::int64_t;
using QueueEntryId = std::int64_t;
using QueueRecipientId = std::int64_t;

struct QueueEnvelope {
  std::string reverse_path;          // "local@domain"; "" for the null path <> (a DSN)
  std::optional<std::string> envid;  // RFC 3461 ENVID
  std::uint8_t ret = 0;              // RFC 3461 RET: 0 unspecified, 1 FULL, 2 HDRS
  bool smtputf8 = false;             // RFC 6531: the submission asked for SMTPUTF8
  std::int64_t arrival = 0;          // unix seconds; 0 = now
  std::string submitter;             // account that submitted it ("" for forwarded mail)
};

struct NewQueueRecipient {
  std::string address;     // "local@domain" as it goes to RCPT TO
  unsigned notify = 0;     // RFC 3461 NOTIFY bits (smtp::DsnNotify)
  std::string orcpt_type;  // RFC 3461 ORCPT addr-type ("rfc822", "utf-8"); "" when absent
  std::string orcpt;       // ORCPT address, decoded
};

struct NewQueueEntry {
  std::string domain;  // destination domain (lower case)
  std::vector<NewQueueRecipient> recipients;
};

struct Outbound {
  QueueEnvelope envelope;
  std::vector<NewQueueEntry> entries;
  std::int64_t first_attempt = 0;  // unix seconds; 0 = at once
};

struct QueueRecipient {
  QueueRecipientId id = 0;
  std::string address;
  unsigned notify = 0;
  std::string orcpt_type;
  std::string orcpt;
  std::string last_error;  // the last temporary failure for this recipient ("" = none yet)
};

struct QueueEntry {
  QueueEntryId id = 0;
  QueueMessageId message = 0;
  std::string domain;
  QueueEnvelope envelope;
  BlobId blob = 0;
  std::uint64_t size = 0;                  // of the blob
  std::int64_t next_attempt = 0;           // unix seconds
  std::int64_t last_attempt = 0;           // 0 = never tried
  std::uint32_t attempts = 0;              // attempts made so far
  std::string last_error;                  // entry-wide trouble (DNS, connection), "" = none
  bool delay_notified = false;             // the delay DSN went out
  std::vector<QueueRecipient> recipients;  // still pending, by id
};

struct QueueQuery {
  std::int64_t due_before = INT64_MAX;  // only entries with next_attempt <= this
  std::size_t limit = 0;                // 0 = no limit; ordered by next_attempt, then id
  bool with_recipients = true;
};

// The outcome of one delivery attempt of an entry. Recipients named in `done` leave the queue
// (delivered, or failed for good and bounced); the others stay with their new last_error. When
// no recipient is left the entry goes, and the message (and its blob, unless a mailbox shares
// it) with its last entry.
struct QueueAttempt {
  QueueEntryId entry = 0;
  std::vector<QueueRecipientId> done;
  std::vector<std::pair<QueueRecipientId, std::string>> errors;  // per-recipient last_error
  std::string last_error;                                        // entry-wide
  std::int64_t attempted_at = 0;                                 // unix seconds
  std::int64_t next_attempt = 0;                                 // for the recipients left
  bool delay_notified = false;                                   // set it (never cleared)
  bool count_attempt = true;                                     // attempts + 1
};

// ---------------------------------------------------------------------------------------------
// Delivery (the hot path)

struct DeliveryTarget {
  AccountId account = 0;
  MailboxSelector mailbox;            // default: INBOX
  bool fallback_to_inbox = true;      // named/special mailbox absent -> INBOX instead of not_found
  std::string header_prefix;          // e.g. "Return-Path: <a@b>\r\nDelivered-To: c@d\r\n"
  FlagBits flags = 0;                 // initial flags (e.g. \Seen for Sent copies)
  std::vector<std::string> keywords;  // e.g. "$Junk"
  bool enforce_quota = true;          // over quota -> this target fails (see DeliveryReceipt)
};

struct Delivery {
  std::unique_ptr<BlobWriter> blob;  // from Store::new_blob_writer(); finish() is called if needed
  MessageMetadata metadata;
  std::optional<SearchText> search_text;
  std::int64_t internal_date = 0;  // unix seconds; 0 = now
  std::vector<DeliveryTarget> targets;
  // Recipients on other hosts: queued with the same blob, in the same transaction.
  std::optional<Outbound> outbound;
};

struct DeliveredCopy {
  AccountId account = 0;
  MailboxId mailbox = 0;
  std::uint32_t uid_validity = 0;
  Uid uid = 0;
  ModSeq modseq = 0;
  EmailId email = 0;
};

struct DeliveryReceipt {
  BlobId blob = 0;  // 0 when every target failed (nothing stored)
  // One entry per Delivery::targets, same order. Per-target errors: not_found (account or
  // mailbox gone), limit_exceeded (not enough quota left now: the mailbox is full),
  // too_large (the copy is larger than the account's whole storage quota: it never fits, see
  // larger_than_quota). Whole-delivery failures are reported instead as the
  // error of Result<DeliveryReceipt> (io_error: answer 451 4.3.0; nothing of it is visible).
  std::vector<Result<DeliveredCopy>> targets;
  std::vector<std::int64_t> queued;  // QueueEntryId per Delivery::outbound entry, same order
};

using DeliveryCallback = std::function<void(Result<DeliveryReceipt>)>;

// ---------------------------------------------------------------------------------------------
// Locks and change notification

// Held while alive; the destructor releases. SQLite: in-process; PostgreSQL: advisory lock.
class Lock {
 public:
  virtual ~Lock() = default;
};

struct ChangeEvent {
  enum class Kind : std::uint8_t { messages_added, flags_changed, expunged, mailboxes_changed };
  Kind kind;
  AccountId account = 0;
  MailboxId mailbox = 0;  // 0 for account-level changes
  ModSeq modseq = 0;
};

// Unsubscribes when destroyed (waits for a callback running on another thread; may be destroyed
// from inside its own callback).
class Subscription {
 public:
  virtual ~Subscription() = default;
};

// ---------------------------------------------------------------------------------------------
// Options

// Failure injection for tests: called at named points ("blob_write", "blob_fsync", "dir_fsync",
// "commit"); returning false makes that step fail as an I/O error would. May be called from
// several threads at once.
using FaultHook = std::function<bool(std::string_view point)>;

struct Options {
  std::size_t blob_memory_limit = 256 * 1024;  // BlobWriter keeps this much in memory, then spills
  // SQLite: blobs up to this size live in the database itself (one WAL fsync per batch instead
  // of file + directory fsyncs per delivery). 0 = every blob is a file.
  std::size_t inline_blob_max = 64 * 1024;
  std::size_t read_connections = 4;               // pool of reader connections
  std::size_t max_batch = 256;                    // writes per group commit
  std::chrono::milliseconds busy_timeout{10000};  // waiting for another process's write lock
  bool durable = true;  // false: skip fsyncs (throw-away test stores only)
  FaultHook fault_hook;
};

// ---------------------------------------------------------------------------------------------
// The interface

class Store {
 public:
  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // --- accounts. Creating one creates kDefaultMailboxes in the same transaction.
  // Errors: invalid_argument (address), already_exists (account with that address).
  virtual Result<Account> create_account(const NewAccount& account) = 0;
  // Deletes the account with its mailboxes, messages and change log; blobs no longer referenced
  // are removed after the commit.
  virtual Status delete_account(AccountId id) = 0;
  virtual Result<Account> find_account(std::string_view address) = 0;  // not_found
  virtual Result<Account> get_account(AccountId id) = 0;               // not_found
  virtual Result<std::vector<Account>> list_accounts() = 0;            // by address
  virtual Status set_credentials(AccountId id, const Credentials& credentials) = 0;
  virtual Status set_apop_secret(AccountId id, std::optional<std::string> secret) = 0;
  virtual Status set_quota(AccountId id, std::uint64_t bytes, std::uint64_t messages) = 0;

  // --- aliases. add_alias creates the alias or appends the targets it lacks (compared
  // case-insensitively); delete_alias with no targets removes the alias, with targets removes
  // those (and the alias when none is left). Errors: invalid_argument, not_found.
  virtual Status add_alias(std::string_view address, std::span<const std::string> targets) = 0;
  virtual Status delete_alias(std::string_view address,
                              std::span<const std::string> targets = {}) = 0;
  virtual Result<Alias> find_alias(std::string_view address) = 0;  // exact, then not_found
  virtual Result<std::vector<Alias>> list_aliases() = 0;           // by address

  // --- mailboxes
  virtual Result<std::vector<Mailbox>> list_mailboxes(AccountId account) = 0;  // by name
  virtual Result<Mailbox> find_mailbox(AccountId account, std::string_view name) = 0;
  virtual Result<Mailbox> find_special_mailbox(AccountId account, SpecialUse use) = 0;
  virtual Result<Mailbox> get_mailbox(MailboxId id) = 0;
  // Errors: already_exists, invalid_argument (empty name, empty hierarchy level, leading or
  // trailing delimiter). Parents are not created implicitly.
  virtual Result<Mailbox> create_mailbox(AccountId account, std::string_view name,
                                         SpecialUse use = SpecialUse::none) = 0;
  // Removes the mailbox and its messages (not its children). INBOX: invalid_argument.
  virtual Status delete_mailbox(MailboxId id) = 0;
  // Renames the mailbox and its children ("a" -> "b" also moves "a/x" to "b/x"), keeping their
  // UIDVALIDITY. Renaming INBOX (RFC 9051 §6.3.6) creates the new mailbox and moves every
  // message of INBOX into it, in one transaction; INBOX stays (empty) and its children keep
  // their names. Errors: already_exists, not_found, invalid_argument.
  virtual Status rename_mailbox(MailboxId id, std::string_view new_name) = 0;
  // Subscriptions are by name and may name mailboxes that do not exist (RFC 9051 §6.3.7).
  virtual Status set_subscribed(AccountId account, std::string_view name, bool subscribed) = 0;
  virtual Result<std::vector<std::string>> list_subscriptions(AccountId account) = 0;

  // --- messages
  virtual Result<std::vector<MessageInfo>> list_messages(MailboxId mailbox,
                                                         const MessageQuery& query = {}) = 0;
  virtual Result<MailboxSnapshot> snapshot_mailbox(MailboxId mailbox) = 0;  // not_found
  virtual Result<MessageInfo> get_message(MailboxId mailbox, Uid uid,
                                          bool with_metadata = false) = 0;      // not_found
  virtual Result<MessageContent> open_message(MailboxId mailbox, Uid uid) = 0;  // not_found
  // Removes these messages durably (returns after the commit). Blob files no longer referenced
  // are unlinked after the commit. Absent UIDs are ignored.
  virtual Result<ExpungeResult> expunge(MailboxId mailbox, std::span<const Uid> uids) = 0;
  virtual Result<FlagUpdateResult> update_flags(MailboxId mailbox, std::span<const Uid> uids,
                                                const FlagChange& change) = 0;
  // Copies (or moves: copy + expunge from the source, in one transaction) messages sharing their
  // blob; flags and keywords are copied; new save date. Absent UIDs are skipped.
  virtual Result<CopyResult> copy_messages(MailboxId from, std::span<const Uid> uids, MailboxId to,
                                           bool move) = 0;
  // UIDs expunged from the mailbox with modseq > since, ascending (QRESYNC VANISHED (EARLIER)).
  virtual Result<std::vector<Uid>> expunged_since(MailboxId mailbox, ModSeq since) = 0;

  // --- full-text search (the index is built at delivery from Delivery::search_text)
  // UIDs (ascending) of the messages of `mailbox` whose indexed `field` may contain `needle`
  // (case-insensitive substring): a superset of the true matches, which the caller confirms
  // against load_search_texts(). Messages delivered without search text are always included;
  // a needle the index cannot narrow (under 3 characters, invalid UTF-8) gives every message.
  virtual Result<std::vector<Uid>> search_candidates(MailboxId mailbox, TextField field,
                                                     std::string_view needle) = 0;
  // The indexed text of each message, in the order of `uids`; nullopt for a message without
  // indexed text or one that is gone.
  virtual Result<std::vector<std::optional<SearchText>>> load_search_texts(
      MailboxId mailbox, std::span<const Uid> uids) = 0;

  // --- delivery
  // A writer for the bytes of a new message (SMTP DATA, IMAP APPEND). Cheap; never fails (spill
  // errors surface from append()).
  virtual std::unique_ptr<BlobWriter> new_blob_writer() = 0;
  // Queues the delivery; `done` runs later on the store's committer thread (keep it short: post
  // to your executor) with success only once everything is durable. One blob is stored for all
  // targets. Never calls `done` inline.
  virtual void deliver(Delivery delivery, DeliveryCallback done) = 0;
  // deliver() and wait (APPEND, tools, tests).
  Result<DeliveryReceipt> deliver_and_wait(Delivery delivery);
  // Waits until every write queued before the call has committed (or failed) and its callback
  // has returned. The daemon calls it at shutdown while the executors those callbacks post to
  // still exist.
  virtual void drain() = 0;

  // --- outbound queue (deliver() with Delivery::outbound adds to it)
  // Entries by next_attempt, then id.
  virtual Result<std::vector<QueueEntry>> list_queue(const QueueQuery& query = {}) = 0;
  virtual Result<QueueEntry> get_queue_entry(QueueEntryId id) = 0;  // not_found
  // The queued message's bytes. not_found when the entry is gone.
  virtual Result<std::unique_ptr<BlobReader>> open_queue_message(QueueEntryId id) = 0;
  // Durable (returns after the commit). not_found when the entry is gone (deleted meanwhile).
  virtual Status record_queue_attempt(const QueueAttempt& attempt) = 0;
  // Sets next_attempt (facteur queue retry). not_found.
  virtual Status reschedule_queue_entry(QueueEntryId id, std::int64_t next_attempt) = 0;
  // Removes the entry without any notice (facteur queue delete). not_found.
  virtual Status delete_queue_entry(QueueEntryId id) = 0;

  // --- locks and notification
  // POP3 maildrop lock (RFC 1939 §8): Errc::conflict when already held.
  virtual Result<std::unique_ptr<Lock>> try_lock_maildrop(AccountId account) = 0;
  // `callback` runs on the committer thread after each commit that changes something.
  virtual std::unique_ptr<Subscription> subscribe(
      std::function<void(const ChangeEvent&)> callback) = 0;
};

}  // namespace facteur::store
