// The SQLite Store: reads on a pool of connections, writes through the Committer.
//
// Durability argument (the contract of store.hpp):
//  - A blob file is written, fdatasync'd, and its directory (plus blobs/ when the shard
//    directory is new) fsync'd before the COMMIT that inserts the row pointing at it. Small
//    blobs live in the row itself.
//  - journal_mode=WAL with synchronous=FULL: COMMIT returns only after the WAL (holding every
//    row and inline blob of the batch) is fsync'd. NORMAL would be as safe against a killed
//    process but could lose the last commits on power loss, which an SMTP 250 must not.
//    Checkpoints (SQLite's automatic ones) copy committed pages into the database file and fsync
//    it before the WAL is reused, so they never put acknowledged data at risk.
//  - Only after both does the callback report success. One batch = one WAL fsync, shared by
//    every delivery in it; a file blob costs one fdatasync plus its directory's fsync (one per
//    directory per batch).
//  - Nothing half-written is visible: rows of a failed job are rolled back to its SAVEPOINT, a
//    failed fsync or COMMIT rolls back the batch, and readers only ever see committed
//    transactions. Files are placed under ids allocated inside the write transaction; a crash
//    leaves only files with ids above the last committed one (removed by the sweep at open) or
//    already-released files listed in blob_trash (unlinked at open).
#include "store/sqlite/sqlite_store.hpp"

#include <condition_variable>
#include <mutex>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "store/sqlite/blob_files.hpp"
#include "store/sqlite/committer.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/queries.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/text_search.hpp"
#include "store/sqlite/write_ops.hpp"

namespace facteur::store::sqlite {
namespace {

// Reader connections, opened on demand up to a maximum, each used by one thread at a time.
class ReadPool {
 public:
  ReadPool(std::filesystem::path path, Connection::Config config, std::size_t max)
      : path_(std::move(path)), config_(config), max_(std::max<std::size_t>(max, 1)) {}

  class Handle {
   public:
    Handle(ReadPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Handle(Handle&&) = default;
    Handle& operator=(Handle&&) = delete;
    ~Handle() {
      if (conn_) pool_->release(std::move(conn_));
    }
    Connection& operator*() const { return *conn_; }

   private:
    ReadPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  Result<Handle> acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !idle_.empty() || open_ < max_; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Handle(this, std::move(conn));
    }
    ++open_;
    lock.unlock();
    auto conn = Connection::open(path_, config_);
    if (!conn) {
      lock.lock();
      --open_;
      available_.notify_one();
      return std::unexpected(conn.error());
    }
    return Handle(this, std::move(*conn));
  }

 private:
  void release(std::unique_ptr<Connection> conn) {
    // A reader must not keep a transaction open: it would pin an old WAL snapshot.
    if (conn->in_transaction()) (void)conn->exec("ROLLBACK");
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(conn));
    available_.notify_one();
  }

  std::filesystem::path path_;
  Connection::Config config_;
  std::size_t max_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;
};

// Change notification. Shared with the Subscription objects, which may outlive the store.
class EventHub : public std::enable_shared_from_this<EventHub> {
 public:
  struct Entry {
    std::recursive_mutex mutex;  // held while calling; recursive so a callback may unsubscribe
    std::function<void(const ChangeEvent&)> callback;
    bool active = true;
  };

  class Sub final : public Subscription {
   public:
    Sub(std::weak_ptr<EventHub> hub, std::shared_ptr<Entry> entry)
        : hub_(std::move(hub)), entry_(std::move(entry)) {}
    ~Sub() override {
      {
        std::lock_guard lock(entry_->mutex);
        entry_->active = false;
      }
      if (auto hub = hub_.lock()) hub->remove(entry_);
    }

   private:
    std::weak_ptr<EventHub> hub_;
    std::shared_ptr<Entry> entry_;
  };

  std::unique_ptr<Subscription> subscribe(std::function<void(const ChangeEvent&)> callback) {
    auto entry = std::make_shared<Entry>();
    entry->callback = std::move(callback);
    {
      std::lock_guard lock(mutex_);
      entries_.push_back(entry);
    }
    return std::make_unique<Sub>(weak_from_this(), std::move(entry));
  }

  void publish(const std::vector<ChangeEvent>& events) {
    std::vector<std::shared_ptr<Entry>> entries;
    {
      std::lock_guard lock(mutex_);
      entries = entries_;
    }
    for (const auto& entry : entries) {
      std::lock_guard lock(entry->mutex);
      for (const auto& event : events) {
        if (!entry->active) break;
        entry->callback(event);
      }
    }
  }

 private:
  void remove(const std::shared_ptr<Entry>& entry) {
    std::lock_guard lock(mutex_);
    std::erase(entries_, entry);
  }

  std::mutex mutex_;
  std::vector<std::shared_ptr<Entry>> entries_;
};

// POP3 maildrop locks of this process. Shared with the Lock objects.
class LockTable : public std::enable_shared_from_this<LockTable> {
 public:
  class Held final : public Lock {
   public:
    Held(std::shared_ptr<LockTable> table, AccountId account)
        : table_(std::move(table)), account_(account) {}
    ~Held() override {
      std::lock_guard lock(table_->mutex_);
      table_->held_.erase(account_);
    }

   private:
    std::shared_ptr<LockTable> table_;
    AccountId account_;
  };

  Result<std::unique_ptr<Lock>> try_lock(AccountId account) {
    std::lock_guard lock(mutex_);
    if (!held_.insert(account).second) {
      return make_error(Errc::conflict, "maildrop already locked");
    }
    return std::unique_ptr<Lock>(std::make_unique<Held>(shared_from_this(), account));
  }

 private:
  std::mutex mutex_;
  std::set<AccountId> held_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::filesystem::path data_dir, const Options& options,
              std::unique_ptr<Connection> writer)
      : options_(options),
        files_(data_dir, options.durable, options.fault_hook),
        readers_(data_dir / "store.db",
                 Connection::Config{true, options.durable, options.busy_timeout},
                 options.read_connections),
        events_(std::make_shared<EventHub>()),
        locks_(std::make_shared<LockTable>()),
        committer_(std::make_unique<Committer>(
            std::move(writer), files_, options_,
            [hub = events_](const std::vector<ChangeEvent>& events) { hub->publish(events); })) {}

  ~SqliteStore() override { committer_.reset(); }

  void drain() override {
    // The committer completes jobs in order: once this empty job is done, so are all before it.
    (void)committer_->call<bool>([](WriteContext&) -> Result<bool> { return true; });
  }

  // --- accounts
  Result<Account> create_account(const NewAccount& account) override {
    return write<Account>([&](WriteContext& ctx) { return sqlite::create_account(ctx, account); });
  }
  Status delete_account(AccountId id) override {
    return write<void>([&](WriteContext& ctx) { return sqlite::delete_account(ctx, id); });
  }
  Result<Account> find_account(std::string_view address) override {
    return read([&](Connection& db) { return load_account_by_address(db, address); });
  }
  Result<Account> get_account(AccountId id) override {
    return read([&](Connection& db) { return load_account(db, id); });
  }
  Result<std::vector<Account>> list_accounts() override {
    return read([&](Connection& db) { return load_accounts(db); });
  }
  Status set_credentials(AccountId id, const Credentials& credentials) override {
    return write<void>(
        [&](WriteContext& ctx) { return sqlite::set_credentials(ctx, id, credentials); });
  }
  Status set_apop_secret(AccountId id, std::optional<std::string> secret) override {
    return write<void>([&](WriteContext& ctx) { return sqlite::set_apop_secret(ctx, id, secret); });
  }
  Status set_quota(AccountId id, std::uint64_t bytes, std::uint64_t messages) override {
    return write<void>(
        [&](WriteContext& ctx) { return sqlite::set_quota(ctx, id, bytes, messages); });
  }

  // --- aliases
  Status add_alias(std::string_view address, std::span<const std::string> targets) override {
    return write<void>([&](WriteContext& ctx) { return sqlite::add_alias(ctx, address, targets); });
  }
  Status delete_alias(std::string_view address, std::span<const std::string> targets) override {
    return write<void>(
        [&](WriteContext& ctx) { return sqlite::delete_alias(ctx, address, targets); });
  }
  Result<Alias> find_alias(std::string_view address) override {
    return read([&](Connection& db) { return load_alias(db, address); });
  }
  Result<std::vector<Alias>> list_aliases() override {
    return read([&](Connection& db) { return load_aliases(db); });
  }

  // --- mailboxes
  Result<std::vector<Mailbox>> list_mailboxes(AccountId account) override {
    return read([&](Connection& db) { return load_mailboxes(db, account); });
  }
  Result<Mailbox> find_mailbox(AccountId account, std::string_view name) override {
    return read([&](Connection& db) { return load_mailbox_by_name(db, account, name); });
  }
  Result<Mailbox> find_special_mailbox(AccountId account, SpecialUse use) override {
    return read([&](Connection& db) { return load_special_mailbox(db, account, use); });
  }
  Result<Mailbox> get_mailbox(MailboxId id) override {
    return read([&](Connection& db) { return load_mailbox(db, id); });
  }
  Result<Mailbox> create_mailbox(AccountId account, std::string_view name,
                                 SpecialUse use) override {
    return write<Mailbox>(
        [&](WriteContext& ctx) { return sqlite::create_mailbox(ctx, account, name, use); });
  }
  Status delete_mailbox(MailboxId id) override {
    return write<void>([&](WriteContext& ctx) { return sqlite::delete_mailbox(ctx, id); });
  }
  Status rename_mailbox(MailboxId id, std::string_view new_name) override {
    return write<void>(
        [&](WriteContext& ctx) { return sqlite::rename_mailbox(ctx, id, new_name); });
  }
  Status set_subscribed(AccountId account, std::string_view name, bool subscribed) override {
    return write<void>(
        [&](WriteContext& ctx) { return sqlite::set_subscribed(ctx, account, name, subscribed); });
  }
  Result<std::vector<std::string>> list_subscriptions(AccountId account) override {
    return read([&](Connection& db) { return load_subscriptions(db, account); });
  }

  // --- messages
  Result<std::vector<MessageInfo>> list_messages(MailboxId mailbox,
                                                 const MessageQuery& query) override {
    return read([&](Connection& db) { return load_messages(db, mailbox, query); });
  }
  Result<MailboxSnapshot> snapshot_mailbox(MailboxId mailbox) override {
    return read([&](Connection& db) { return load_snapshot(db, mailbox); });
  }
  Result<MessageInfo> get_message(MailboxId mailbox, Uid uid, bool with_metadata) override {
    return read([&](Connection& db) { return load_message(db, mailbox, uid, with_metadata); });
  }
  Result<MessageContent> open_message(MailboxId mailbox, Uid uid) override {
    return read([&](Connection& db) { return open_content(db, files_, mailbox, uid); });
  }
  Result<ExpungeResult> expunge(MailboxId mailbox, std::span<const Uid> uids) override {
    return write<ExpungeResult>(
        [&](WriteContext& ctx) { return sqlite::expunge(ctx, mailbox, uids); });
  }
  Result<FlagUpdateResult> update_flags(MailboxId mailbox, std::span<const Uid> uids,
                                        const FlagChange& change) override {
    return write<FlagUpdateResult>(
        [&](WriteContext& ctx) { return sqlite::update_flags(ctx, mailbox, uids, change); });
  }
  Result<CopyResult> copy_messages(MailboxId from, std::span<const Uid> uids, MailboxId to,
                                   bool move) override {
    return write<CopyResult>(
        [&](WriteContext& ctx) { return sqlite::copy_messages(ctx, from, uids, to, move); });
  }
  Result<std::vector<Uid>> expunged_since(MailboxId mailbox, ModSeq since) override {
    return read([&](Connection& db) { return load_expunged_since(db, mailbox, since); });
  }

  // --- full-text search
  Result<std::vector<Uid>> search_candidates(MailboxId mailbox, TextField field,
                                             std::string_view needle) override {
    return read([&](Connection& db) { return load_search_candidates(db, mailbox, field, needle); });
  }
  Result<std::vector<std::optional<SearchText>>> load_search_texts(
      MailboxId mailbox, std::span<const Uid> uids) override {
    return read([&](Connection& db) { return sqlite::load_search_texts(db, mailbox, uids); });
  }

  // --- delivery
  std::unique_ptr<BlobWriter> new_blob_writer() override {
    return std::make_unique<BlobWriter>(files_.tmp_dir(), options_.blob_memory_limit);
  }

  void deliver(Delivery delivery, DeliveryCallback done) override {
    struct State {
      Delivery delivery;
      DeliveryCallback done;
      std::optional<Result<DeliveryReceipt>> receipt;
    };
    auto state = std::make_shared<State>(State{std::move(delivery), std::move(done), {}});
    committer_->submit(
        WriteJob{[state](WriteContext& ctx) -> Status {
                   state->receipt.emplace(sqlite::deliver(ctx, state->delivery));
                   if (!*state->receipt) return std::unexpected(state->receipt->error());
                   return {};
                 },
                 [state](Status status) {
                   if (!status) {
                     state->done(std::unexpected(std::move(status).error()));
                   } else {
                     state->done(std::move(*state->receipt));
                   }
                   state->delivery.blob.reset();  // release the spill file / memory now
                 }});
  }

  // --- outbound queue
  Result<std::vector<QueueEntry>> list_queue(const QueueQuery& query) override {
    return read([&](Connection& db) { return load_queue(db, query); });
  }
  Result<QueueEntry> get_queue_entry(QueueEntryId id) override {
    return read([&](Connection& db) { return load_queue_entry(db, id); });
  }
  Result<std::unique_ptr<BlobReader>> open_queue_message(QueueEntryId id) override {
    return read([&](Connection& db) { return open_queue_blob(db, files_, id); });
  }
  Status record_queue_attempt(const QueueAttempt& attempt) override {
    return write<void>(
        [&](WriteContext& ctx) { return sqlite::record_queue_attempt(ctx, attempt); });
  }
  Status reschedule_queue_entry(QueueEntryId id, std::int64_t next_attempt) override {
    return write<void>(
        [&](WriteContext& ctx) { return sqlite::reschedule_queue_entry(ctx, id, next_attempt); });
  }
  Status delete_queue_entry(QueueEntryId id) override {
    return write<void>([&](WriteContext& ctx) { return sqlite::delete_queue_entry(ctx, id); });
  }

  SqliteStats stats() const {
    auto s = committer_->stats();
    return SqliteStats{s.batches, s.jobs, s.file_fsyncs, s.dir_fsyncs};
  }

  // --- locks and notification
  Result<std::unique_ptr<Lock>> try_lock_maildrop(AccountId account) override {
    return locks_->try_lock(account);
  }
  std::unique_ptr<Subscription> subscribe(
      std::function<void(const ChangeEvent&)> callback) override {
    return events_->subscribe(std::move(callback));
  }

 private:
  template <class F>
  auto read(F&& body) -> decltype(body(std::declval<Connection&>())) {
    auto handle = readers_.acquire();
    if (!handle) return std::unexpected(handle.error());
    return body(**handle);
  }

  template <class T, class F>
  Result<T> write(F&& body) {
    return committer_->call<T>(std::function<Result<T>(WriteContext&)>(std::forward<F>(body)));
  }

  Options options_;
  BlobFiles files_;
  ReadPool readers_;
  std::shared_ptr<EventHub> events_;
  std::shared_ptr<LockTable> locks_;
  std::unique_ptr<Committer> committer_;
};

// At open, under the write lock: finish unlinks recorded in blob_trash, remove uncommitted blob
// files and abandoned spill files.
Status recover(Connection& db, BlobFiles& files) {
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return s;
  auto fail = [&db](Error e) -> Status {
    (void)db.exec("ROLLBACK");
    return std::unexpected(std::move(e));
  };
  BlobId highest = 0;
  {
    auto stmt = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'blob'");
    if (!stmt) return fail(stmt.error());
    auto row = stmt->step();
    if (!row) return fail(row.error());
    if (*row) highest = stmt->int64(0);
  }
  files.sweep(highest);
  std::vector<BlobId> trash;
  {
    auto stmt = db.prepare("SELECT blob_id FROM blob_trash");
    if (!stmt) return fail(stmt.error());
    for (;;) {
      auto row = stmt->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      trash.push_back(stmt->int64(0));
    }
  }
  for (BlobId id : trash) {
    if (auto s = files.remove(files.path(id)); !s) return fail(s.error());
  }
  if (!trash.empty()) {
    if (auto s = db.exec("DELETE FROM blob_trash"); !s) return fail(s.error());
  }
  return db.exec("COMMIT");
}

}  // namespace
}  // namespace facteur::store::sqlite

namespace facteur::store {

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& data_dir,
                                                 const Options& options) {
  using namespace sqlite;
  BlobFiles files(data_dir, options.durable, {});
  if (auto s = files.create_layout(); !s) return std::unexpected(s.error());
  auto writer = Connection::open(data_dir / "store.db",
                                 Connection::Config{false, options.durable, options.busy_timeout});
  if (!writer) return std::unexpected(writer.error());
  if (auto s = migrate(**writer); !s) return std::unexpected(s.error());
  if (auto s = recover(**writer, files); !s) return std::unexpected(s.error());
  return std::unique_ptr<Store>(
      std::make_unique<SqliteStore>(data_dir, options, std::move(*writer)));
}

std::optional<SqliteStats> sqlite_stats(const Store& store) {
  if (auto* s = dynamic_cast<const sqlite::SqliteStore*>(&store)) return s->stats();
  return std::nullopt;
}

}  // namespace facteur::store
