// The SQLite backend: the conformance suite, plus what only this backend has (blob files on
// disk, the crash sweep, schema versions, a second process writing the same database).
#include "store/sqlite/sqlite_store.hpp"

#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/store_conformance_test.hpp"

namespace facteur::store::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Sqlite, StoreConformance,
    ::testing::Values(StoreBackend{"InlineSmallBlobs",
                                   [](const std::filesystem::path& dir, const Options& options) {
                                     return open_sqlite_store(dir, options);
                                   }},
                      StoreBackend{"AllBlobFiles",
                                   [](const std::filesystem::path& dir, const Options& options) {
                                     Options o = options;
                                     o.inline_blob_max = 0;
                                     return open_sqlite_store(dir, o);
                                   }}),
    backend_name);

// Runs one query on the database file directly, as an outside observer.
std::int64_t query_int(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::int64_t value = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

std::string query_text(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::string value;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

std::size_t count_blob_files(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "blobs")) {
    if (entry.is_regular_file()) ++n;
  }
  return n;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/facteur-sqlite-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open(const Options& options = {}) {
    store_.reset();
    auto store = open_sqlite_store(dir_, options);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  Result<DeliveryReceipt> deliver(std::string_view body, std::vector<AccountId> accounts) {
    Delivery d;
    d.blob = store_->new_blob_writer();
    EXPECT_TRUE(d.blob->append(body));
    for (AccountId a : accounts)
      d.targets.push_back(DeliveryTarget{a, {}, true, "", 0, {}, true});
    return store_->deliver_and_wait(std::move(d));
  }
  std::filesystem::path db() const { return dir_ / "store.db"; }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, DatabaseIsWalAndSchemaVersioned) {
  EXPECT_EQ(query_text(db(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_int(db(), "SELECT version FROM schema_version"), 4);
  EXPECT_EQ(query_text(db(), "PRAGMA integrity_check"), "ok");
}

// Turns a current database back into a step-3 one: the metadata columns in `blob`, after the
// inline message, in the column order step 1 created them.
constexpr const char* kUndoStep4 =
    "CREATE TABLE blob_v3 (id INTEGER PRIMARY KEY AUTOINCREMENT, size INTEGER NOT NULL,"
    " data BLOB, envelope TEXT NOT NULL DEFAULT '', body_structure TEXT NOT NULL DEFAULT '',"
    " body TEXT NOT NULL DEFAULT '', part_tree BLOB NOT NULL DEFAULT x'',"
    " created_at INTEGER NOT NULL, text_indexed INTEGER NOT NULL DEFAULT 0);"
    " INSERT INTO blob_v3 SELECT b.id, b.size, b.data, m.envelope, m.body_structure, m.body,"
    " m.part_tree, b.created_at, b.text_indexed FROM blob b JOIN blob_meta m ON m.blob_id = b.id;"
    " DROP TABLE blob_meta; DROP TABLE blob; ALTER TABLE blob_v3 RENAME TO blob;"
    " CREATE INDEX blob_unindexed ON blob(id) WHERE text_indexed = 0;"
    " UPDATE schema_version SET version = 3";

void undo(const std::filesystem::path& db_path, const char* sql) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &handle), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(handle, sql, nullptr, nullptr, &message), SQLITE_OK)
      << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(handle);
}

// A step-3 store (metadata in `blob`) gets blob_meta (schema step 4) at the next open: the
// metadata of every message is carried over unchanged, `blob` loses the columns, and blob_meta
// rows go with their blob.
TEST_F(SqliteStoreTest, StepThreeStoreMovesMetadataOutOfTheBlobTable) {
  auto account = store_->create_account(NewAccount{"meta@example.test", {}, {}, 0, 0});
  ASSERT_TRUE(account);
  Delivery d;
  d.blob = store_->new_blob_writer();
  ASSERT_TRUE(d.blob->append("Subject: s\r\n\r\nbody\r\n"));
  d.metadata.envelope = "(\"date\" \"s\" NIL NIL NIL NIL NIL NIL NIL NIL)";
  d.metadata.body_structure = "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 6 1 NIL NIL NIL NIL)";
  d.metadata.body = "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 6 1)";
  d.metadata.part_tree = std::string("\x01\x00\x02tree", 7);
  d.targets.push_back(DeliveryTarget{account->id, {}, true, "", 0, {}, true});
  const auto expected = d.metadata;
  auto receipt = store_->deliver_and_wait(std::move(d));
  ASSERT_TRUE(receipt && receipt->targets[0]);
  ASSERT_TRUE(deliver("Subject: second\r\n\r\nx\r\n", {account->id}));
  store_.reset();
  undo(db(), kUndoStep4);
  ASSERT_EQ(query_int(db(),
                      "SELECT count(*) FROM pragma_table_info('blob')"
                      " WHERE name = 'envelope'"),
            1);
  open();
  EXPECT_EQ(query_int(db(), "SELECT version FROM schema_version"), 4);
  EXPECT_EQ(query_text(db(), "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(query_int(db(),
                      "SELECT count(*) FROM pragma_table_info('blob')"
                      " WHERE name IN ('envelope', 'body_structure', 'body', 'part_tree')"),
            0);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM blob_meta"), 2);
  auto inbox = store_->find_mailbox(account->id, "INBOX");
  ASSERT_TRUE(inbox);
  auto m = store_->get_message(inbox->id, 1, true);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_TRUE(m->metadata);
  EXPECT_EQ(m->metadata->envelope, expected.envelope);
  EXPECT_EQ(m->metadata->body_structure, expected.body_structure);
  EXPECT_EQ(m->metadata->body, expected.body);
  EXPECT_EQ(m->metadata->part_tree, expected.part_tree);
  auto content = store_->open_message(inbox->id, 1);
  ASSERT_TRUE(content) << content.error().message;
  EXPECT_EQ(content->size(), std::string_view("Subject: s\r\n\r\nbody\r\n").size());
  // New deliveries after the migration write both tables; expunging drops both rows.
  ASSERT_TRUE(deliver("Subject: third\r\n\r\ny\r\n", {account->id}));
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM blob_meta"), 3);
  std::vector<Uid> all = {1, 2, 3};
  ASSERT_TRUE(store_->update_flags(inbox->id, all, FlagChange{FlagOp::add, kFlagDeleted, {}, {}}));
  ASSERT_TRUE(store_->expunge(inbox->id, all));
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM blob"), 0);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM blob_meta"), 0);
}

// Turns a current database back into a step-2 one (word-tokenized FTS index, no text_indexed).
constexpr const char* kUndoStep3 =
    "DROP INDEX blob_unindexed; ALTER TABLE blob DROP COLUMN text_indexed;"
    " ALTER TABLE blob_text RENAME TO blob_text_new;"
    " CREATE VIRTUAL TABLE blob_text USING fts5(from_addr, to_addr, cc, bcc, subject, headers,"
    " body, tokenize = 'unicode61 remove_diacritics 2');"
    " INSERT INTO blob_text(rowid, from_addr, to_addr, cc, bcc, subject, headers, body)"
    " SELECT rowid, from_addr, to_addr, cc, bcc, subject, headers, body FROM blob_text_new;"
    " DROP TABLE blob_text_new; UPDATE schema_version SET version = 2";

// A step-2 store gets the trigram index (schema step 3) at the next open: the indexed text is
// carried over, and a substring inside a word now narrows a search.
TEST_F(SqliteStoreTest, StepTwoStoreIsMigratedToTheTrigramIndex) {
  auto account = store_->create_account(NewAccount{"fts@example.test", {}, {}, 0, 0});
  ASSERT_TRUE(account);
  Delivery d;
  d.blob = store_->new_blob_writer();
  ASSERT_TRUE(d.blob->append("Subject: s\r\n\r\nbody\r\n"));
  d.search_text = SearchText{};
  d.search_text->body = "unbelievable";
  d.targets.push_back(DeliveryTarget{account->id, {}, true, "", 0, {}, true});
  auto receipt = store_->deliver_and_wait(std::move(d));
  ASSERT_TRUE(receipt && receipt->targets[0]);
  store_.reset();
  undo(db(), kUndoStep4);
  undo(db(), kUndoStep3);
  auto reopened = open_sqlite_store(dir_);
  ASSERT_TRUE(reopened) << reopened.error().message;
  store_ = std::move(*reopened);
  EXPECT_EQ(query_int(db(), "SELECT version FROM schema_version"), 4);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM blob WHERE text_indexed = 1"), 1);
  auto inbox = store_->find_mailbox(account->id, "INBOX");
  ASSERT_TRUE(inbox);
  auto hit = store_->search_candidates(inbox->id, TextField::body, "believ");
  ASSERT_TRUE(hit) << hit.error().message;
  EXPECT_EQ(hit->size(), 1u);
  auto miss = store_->search_candidates(inbox->id, TextField::body, "zebra");
  ASSERT_TRUE(miss);
  EXPECT_TRUE(miss->empty());
}

// A store made before the queue existed (schema step 1) gets the queue tables at the next open,
// its data untouched.
TEST_F(SqliteStoreTest, StepOneStoreIsMigratedToTheQueueSchema) {
  auto account = store_->create_account(NewAccount{"old@example.test", {}, {}, 0, 0});
  ASSERT_TRUE(account);
  store_.reset();
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &handle), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(handle, kUndoStep4, nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(handle, kUndoStep3, nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(handle,
                         "DROP TABLE queue_recipient; DROP TABLE queue_entry;"
                         " DROP TABLE queue_message; UPDATE schema_version SET version = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(handle);
  auto reopened = open_sqlite_store(dir_);
  ASSERT_TRUE(reopened) << reopened.error().message;
  store_ = std::move(*reopened);
  EXPECT_EQ(query_int(db(), "SELECT version FROM schema_version"), 4);
  EXPECT_TRUE(store_->find_account("old@example.test"));
  auto queue = store_->list_queue();
  ASSERT_TRUE(queue) << queue.error().message;
  EXPECT_TRUE(queue->empty());
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  store_.reset();
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &handle), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(handle, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(handle);
  auto store = open_sqlite_store(dir_);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, Errc::internal);
}

TEST_F(SqliteStoreTest, SmallBlobsInlineBigOnesInFilesUnlinkedWhenUnreferenced) {
  auto a = store_->create_account(NewAccount{"a@example.org", {}, {}, 0, 0});
  auto b = store_->create_account(NewAccount{"b@example.org", {}, {}, 0, 0});
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(deliver(std::string(1000, 's'), {a->id}));
  EXPECT_EQ(count_blob_files(dir_), 0u);
  auto big = deliver(std::string(100 * 1024, 'b'), {a->id, b->id});  // above inline_blob_max
  ASSERT_TRUE(big);
  EXPECT_EQ(count_blob_files(dir_), 1u);  // one file for both recipients
  auto file = dir_ / "blobs" / "0" / fmt::format("{}", big->blob);
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(std::filesystem::file_size(file), 100u * 1024);

  std::vector<Uid> uid = {2};
  ASSERT_TRUE(store_->expunge(big->targets[0]->mailbox, uid));
  EXPECT_TRUE(std::filesystem::exists(file));  // still b's
  ASSERT_TRUE(store_->delete_account(b->id));
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM blob"), 1);
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM email"), 1);
  // The trash rows are cleared by the next batch.
  ASSERT_TRUE(store_->set_quota(a->id, 0, 0));
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM blob_trash"), 0);
}

TEST_F(SqliteStoreTest, OpenSweepsCrashLeftovers) {
  auto a = store_->create_account(NewAccount{"a@example.org", {}, {}, 0, 0});
  ASSERT_TRUE(a);
  auto big = deliver(std::string(100 * 1024, 'b'), {a->id});
  ASSERT_TRUE(big);
  store_.reset();
  // As a crash would leave them: files of a batch that never committed, an unlink that the
  // commit recorded in blob_trash but never happened, a dead process's spill file, a live one's.
  auto shard = dir_ / "blobs" / "0";
  std::ofstream(shard / fmt::format("{}", big->blob + 1)) << "uncommitted";
  std::ofstream(shard / fmt::format("{}", big->blob + 7)) << "uncommitted";
  std::filesystem::create_directories(dir_ / "blobs" / "1");
  std::ofstream(dir_ / "blobs" / "1" / "4100") << "uncommitted";
  std::ofstream(shard / "garbage-name") << "?";
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  auto dead_spill = dir_ / "tmp" / fmt::format("{}.0.tmp", child);
  auto live_spill = dir_ / "tmp" / fmt::format("{}.0.tmp", ::getppid());
  std::ofstream(dead_spill) << "x";
  std::ofstream(live_spill) << "x";
  open();
  EXPECT_TRUE(std::filesystem::exists(shard / fmt::format("{}", big->blob)));
  EXPECT_FALSE(std::filesystem::exists(shard / fmt::format("{}", big->blob + 1)));
  EXPECT_FALSE(std::filesystem::exists(shard / fmt::format("{}", big->blob + 7)));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "blobs" / "1" / "4100"));
  EXPECT_TRUE(std::filesystem::exists(shard / "garbage-name"));
  EXPECT_FALSE(std::filesystem::exists(dead_spill));
  EXPECT_TRUE(std::filesystem::exists(live_spill));
  std::filesystem::remove(live_spill);

  // A recorded but unfinished unlink.
  store_.reset();
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &handle), SQLITE_OK);
  auto sql = fmt::format("INSERT INTO blob_trash VALUES ({})", big->blob + 100);
  ASSERT_EQ(sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(handle);
  auto trashed = shard / fmt::format("{}", big->blob + 100);
  std::ofstream(trashed) << "released";
  open();
  EXPECT_FALSE(std::filesystem::exists(trashed));
  EXPECT_EQ(query_int(db(), "SELECT count(*) FROM blob_trash"), 0);
  auto content = store_->open_message(big->targets[0]->mailbox, big->targets[0]->uid);
  ASSERT_TRUE(content);
  EXPECT_EQ(content->size(), 100u * 1024);
}

TEST_F(SqliteStoreTest, FailedFsyncRemovesTheNewFileAndRows) {
  for (const char* point : {"blob_fsync", "dir_fsync"}) {
    SCOPED_TRACE(point);
    std::string failing = point;
    Options options;
    options.fault_hook = [failing](std::string_view p) { return p != failing; };
    open(options);
    auto a = store_->find_account("a@example.org");
    if (!a) a = store_->create_account(NewAccount{"a@example.org", {}, {}, 0, 0});
    ASSERT_TRUE(a);
    auto r = deliver(std::string(200 * 1024, 'f'), {a->id});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::io_error);
    EXPECT_EQ(count_blob_files(dir_), 0u);
    EXPECT_EQ(query_int(db(), "SELECT count(*) FROM message"), 0);
    EXPECT_EQ(query_int(db(), "SELECT count(*) FROM blob"), 0);
    // Small messages need no blob fsync: they still go through.
    EXPECT_TRUE(deliver("small", {a->id}));
    std::vector<Uid> all = {1, 2, 3, 4};
    ASSERT_TRUE(store_->expunge(store_->find_mailbox(a->id, "INBOX")->id, all));
  }
}

TEST_F(SqliteStoreTest, AnotherWriterIsSeenWithoutRestart) {
  // The CLI opens the same data_dir while the daemon runs: no stale caches either way.
  auto cli = open_sqlite_store(dir_);
  ASSERT_TRUE(cli);
  auto created = (*cli)->create_account(NewAccount{"new@example.org", {"h1", ""}, {}, 0, 0});
  ASSERT_TRUE(created);
  auto seen = store_->find_account("new@example.org");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->credentials.password_hash, "h1");
  ASSERT_TRUE((*cli)->set_credentials(created->id, {"h2", ""}));
  EXPECT_EQ(store_->get_account(created->id)->credentials.password_hash, "h2");
  // Both write concurrently.
  std::thread t([&] {
    for (int i = 0; i < 20; ++i) {
      std::vector<std::string> targets = {"new@example.org"};
      EXPECT_TRUE((*cli)->add_alias(fmt::format("a{}@example.org", i), targets));
    }
  });
  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(deliver("hello", {created->id}));
  t.join();
  EXPECT_EQ(store_->list_aliases()->size(), 20u);
  EXPECT_EQ(query_text(db(), "PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace facteur::store::testing
