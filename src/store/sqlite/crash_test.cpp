// Crash safety of the SQLite store: a child process delivers (and expunges) from several
// threads, reporting every acknowledged write through a pipe, and is SIGKILLed at a random
// moment; the parent reopens the store and checks that every acknowledged write is there (with
// readable, correct bytes), that no row lacks its blob, no blob file lacks its row, and that
// SQLite's integrity check passes. Repeated over several rounds on the same store.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/sqlite/sqlite_store.hpp"

namespace facteur::store {
namespace {

struct Record {
  std::uint32_t kind;  // 1 delivered, 2 expunged, 3 about to expunge
  std::uint32_t round;
  std::uint32_t thread;
  std::uint32_t seq;
  std::uint32_t uid;
  std::uint32_t junk_uid;  // 0 when the delivery had no second target
  std::uint64_t size;
};
static_assert(sizeof(Record) <= PIPE_BUF, "pipe writes of one record must be atomic");

// Sizes that exercise inline blobs, blob files from memory and spilled blob files.
std::size_t pick_size(std::uint32_t round, std::uint32_t thread, std::uint32_t seq) {
  static constexpr std::size_t kSizes[] = {600, 10 * 1024, 70 * 1024, 300 * 1024};
  return kSizes[(round * 7 + thread * 3 + seq) % 4] + seq % 97;
}

std::string make_message(std::uint32_t round, std::uint32_t thread, std::uint32_t seq,
                         std::size_t size) {
  std::string m = fmt::format("Message-ID: <{}.{}.{}@crash>\r\nSubject: crash test\r\n\r\n", round,
                              thread, seq);
  std::uint32_t x = round * 1000003u + thread * 10007u + seq;
  while (m.size() < size) {
    x = x * 1103515245u + 12345u;
    m += static_cast<char>('a' + (x >> 16) % 26);
    if (m.size() % 78 == 0) m += "\r\n";
  }
  m.resize(size);
  return m;
}

[[noreturn]] void child_main(const std::filesystem::path& dir, std::uint32_t round, int out) {
  auto opened = open_sqlite_store(dir);
  if (!opened) ::_exit(2);
  Store& store = **opened;
  auto account = store.find_account("crash@example.org");
  if (!account) ::_exit(3);
  auto inbox = store.find_mailbox(account->id, "INBOX");
  if (!inbox) ::_exit(4);
  auto emit = [out](const Record& r) {
    if (::write(out, &r, sizeof r) != static_cast<ssize_t>(sizeof r)) ::_exit(5);
  };
  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::uint32_t> mine;
      for (std::uint32_t seq = 0;; ++seq) {
        std::size_t size = pick_size(round, t, seq);
        std::string body = make_message(round, t, seq, size);
        Delivery d;
        d.blob = store.new_blob_writer();
        for (std::size_t i = 0; i < body.size(); i += 8192) {
          if (!d.blob->append(std::string_view(body).substr(i, 8192))) ::_exit(6);
        }
        d.targets.push_back(DeliveryTarget{account->id, {}, true, "X-Prefix: 1\r\n", 0, {}, true});
        bool junk = seq % 5 == 0;
        if (junk) {
          DeliveryTarget second{account->id, {}, true, "", 0, {}, true};
          second.mailbox.special_use = SpecialUse::junk;
          d.targets.push_back(second);
        }
        auto receipt = store.deliver_and_wait(std::move(d));
        if (!receipt || !receipt->targets[0]) ::_exit(7);
        Record r{1,   round, t, seq, receipt->targets[0]->uid, junk ? receipt->targets[1]->uid : 0,
                 size};
        emit(r);
        mine.push_back(r.uid);
        if (t == 0 && seq % 4 == 3) {
          std::uint32_t victim = mine[mine.size() / 2];
          std::vector<Uid> uids = {victim};
          // Announced first: if we die right after the commit, the parent knows the message
          // may be gone.
          emit(Record{3, round, t, seq, victim, 0, 0});
          auto expunged = store.expunge(inbox->id, uids);
          if (!expunged) ::_exit(8);
          emit(Record{2, round, t, seq, victim, 0, 0});
        }
      }
    });
  }
  for (auto& th : threads)
    th.join();
  ::_exit(0);
}

std::string sqlite_text(const std::filesystem::path& db_path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

std::string read_all(const MessageContent& content) {
  std::string out;
  std::vector<char> buf(65536);
  for (;;) {
    auto n = content.read(out.size(), buf);
    if (!n || *n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

TEST(SqliteCrash, AcknowledgedWritesSurviveSigkill) {
  char tmpl[] = "/tmp/facteur-crash-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::filesystem::path dir = tmpl;
  {
    auto store = open_sqlite_store(dir);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->create_account(NewAccount{"crash@example.org", {}, {}, 0, 0}));
  }
  unsigned seed = std::getenv("FACTEUR_CRASH_SEED") != nullptr
                      ? static_cast<unsigned>(std::atoi(std::getenv("FACTEUR_CRASH_SEED")))
                      : std::random_device{}();
  SCOPED_TRACE(fmt::format("FACTEUR_CRASH_SEED={}", seed));
  std::mt19937 rng(seed);

  // Everything acknowledged so far: inbox uid -> (record), junk uids, expunged uids.
  std::map<Uid, Record> expected;
  std::map<Uid, Record> expected_junk;
  std::set<Uid> expunged;
  std::map<Uid, Record> maybe_expunged;  // expunge started, outcome unknown
  constexpr std::uint32_t kRounds = 8;
  std::size_t total_acks = 0;
  for (std::uint32_t round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      child_main(dir, round, fds[1]);
    }
    ::close(fds[1]);
    // Round 0 may die while opening (recovery must survive that too); later rounds run longer.
    int delay_ms = round == 0 ? int(rng() % 40) : 80 + int(rng() % 400);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
    Record r;
    std::size_t acks = 0;
    while (::read(fds[0], &r, sizeof r) == static_cast<ssize_t>(sizeof r)) {
      ++acks;
      if (r.kind == 1) {
        expected[r.uid] = r;
        if (r.junk_uid != 0) expected_junk[r.junk_uid] = r;
      } else if (r.kind == 3) {
        if (auto it = expected.find(r.uid); it != expected.end()) {
          maybe_expunged.insert(*it);
          expected.erase(it);
        }
      } else {
        maybe_expunged.erase(r.uid);
        expected.erase(r.uid);
        expunged.insert(r.uid);
      }
    }
    ::close(fds[0]);
    total_acks += acks;

    auto db_path = dir / "store.db";
    auto store = open_sqlite_store(dir);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ(sqlite_text(db_path, "PRAGMA integrity_check"), "ok");
    auto account = (*store)->find_account("crash@example.org");
    ASSERT_TRUE(account);
    {
      // An expunge whose acknowledgement died with the child: either outcome is fine.
      auto inbox = (*store)->find_mailbox(account->id, "INBOX");
      ASSERT_TRUE(inbox);
      for (const auto& [uid, rec] : maybe_expunged) {
        if ((*store)->get_message(inbox->id, uid)) {
          expected[uid] = rec;
        } else {
          expunged.insert(uid);
        }
      }
      maybe_expunged.clear();
    }
    for (const char* name : {"INBOX", "Junk"}) {
      const auto& want = std::string(name) == "INBOX" ? expected : expected_junk;
      const std::string prefix = std::string(name) == "INBOX" ? "X-Prefix: 1\r\n" : "";
      auto mailbox = (*store)->find_mailbox(account->id, name);
      ASSERT_TRUE(mailbox);
      for (const auto& [uid, rec] : want) {
        auto content = (*store)->open_message(mailbox->id, uid);
        ASSERT_TRUE(content) << name << " uid " << uid << ": " << content.error().message;
        ASSERT_EQ(content->size(), prefix.size() + rec.size) << name << " uid " << uid;
        ASSERT_EQ(read_all(*content),
                  prefix + make_message(rec.round, rec.thread, rec.seq, rec.size))
            << name << " uid " << uid;
      }
      // Every row, acknowledged or not, has its bytes.
      auto all = (*store)->list_messages(mailbox->id);
      ASSERT_TRUE(all);
      for (const auto& m : *all) {
        auto content = (*store)->open_message(mailbox->id, m.uid);
        ASSERT_TRUE(content) << name << " uid " << m.uid << ": " << content.error().message;
        EXPECT_EQ(content->size(), m.size);
        EXPECT_EQ(read_all(*content).size(), m.size);
        if (std::string(name) == "INBOX") {
          EXPECT_FALSE(expunged.contains(m.uid)) << m.uid;
        }
      }
      EXPECT_EQ(mailbox->messages, all->size());
    }
    // No blob file without its row (the open swept the uncommitted ones).
    std::size_t files = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "blobs")) {
      if (e.is_regular_file()) ++files;
    }
    EXPECT_EQ(std::to_string(files),
              sqlite_text(db_path, "SELECT count(*) FROM blob WHERE data IS NULL"));
    EXPECT_EQ(sqlite_text(db_path, "SELECT count(*) FROM blob_trash"), "0");
    if (::testing::Test::HasFatalFailure()) break;
  }
  std::printf("crash test: %zu acknowledged writes over %u kills, %zu messages checked\n",
              total_acks, kRounds, expected.size() + expected_junk.size());
  EXPECT_GT(total_acks, 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace facteur::store
