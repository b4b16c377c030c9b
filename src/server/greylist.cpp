#include "server/greylist.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <sqlite3.h>

#include "base/log.hpp"
#include "base/strings.hpp"

namespace facteur::server {

// The state file: one table of triplets, times in Unix milliseconds. WAL with synchronous=NORMAL:
// a commit is not fsync'd (checkpoints are), which is the durability greylisting needs.
class Greylist::Db {
 public:
  struct Stored {
    std::string key;
    std::int64_t first = 0, last = 0;
    bool passed = false;
  };

  static std::unique_ptr<Db> open(const std::filesystem::path& path) {
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    auto db = std::unique_ptr<Db>(new Db);
    db->path_ = path.string();
    int rc =
        sqlite3_open_v2(db->path_.c_str(), &db->db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      spdlog::warn("greylist: cannot open {} ({}); keeping the triplets in memory only", db->path_,
                   db->db_ ? sqlite3_errmsg(db->db_) : sqlite3_errstr(rc));
      return nullptr;
    }
    sqlite3_busy_timeout(db->db_, 2000);
    // A corrupt or foreign file fails here (SQLITE_NOTADB), an unwritable one at CREATE.
    if (!db->exec("PRAGMA journal_mode=WAL") || !db->exec("PRAGMA synchronous=NORMAL") ||
        !db->exec("CREATE TABLE IF NOT EXISTS triplets(key BLOB PRIMARY KEY, first INTEGER "
                  "NOT NULL, last INTEGER NOT NULL, passed INTEGER NOT NULL) WITHOUT ROWID") ||
        !db->exec("CREATE INDEX IF NOT EXISTS triplets_last ON triplets(last)")) {
      spdlog::warn("greylist: {} is unusable ({}); keeping the triplets in memory only", db->path_,
                   db->error_);
      return nullptr;
    }
    return db;
  }

  ~Db() {
    if (db_) sqlite3_close_v2(db_);
  }

  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

  // The `limit` most recently used rows, newest first.
  bool load(std::size_t limit, std::vector<Stored>& out) {
    sqlite3_stmt* st = nullptr;
    if (!prepare("SELECT key, first, last, passed FROM triplets ORDER BY last DESC LIMIT ?", &st))
      return false;
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(std::min<std::size_t>(limit, INT64_MAX)));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      Stored s;
      auto* blob = static_cast<const char*>(sqlite3_column_blob(st, 0));
      s.key.assign(blob ? blob : "", static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
      s.first = sqlite3_column_int64(st, 1);
      s.last = sqlite3_column_int64(st, 2);
      s.passed = sqlite3_column_int(st, 3) != 0;
      out.push_back(std::move(s));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return fail();
    return true;
  }

  // One transaction: the upserts and deletions, then the rows stale at `now`.
  bool write(const std::vector<Stored>& upserts, const std::vector<std::string>& deletions,
             std::int64_t passed_before, std::int64_t pending_before) {
    if (!exec("BEGIN IMMEDIATE")) return false;
    bool ok = true;
    sqlite3_stmt* up = nullptr;
    sqlite3_stmt* del = nullptr;
    ok = prepare(
             "INSERT INTO triplets(key, first, last, passed) VALUES(?,?,?,?) ON CONFLICT(key) "
             "DO UPDATE SET first=excluded.first, last=excluded.last, passed=excluded.passed",
             &up) &&
         prepare("DELETE FROM triplets WHERE key = ?", &del);
    for (std::size_t i = 0; ok && i < upserts.size(); ++i) {
      const auto& s = upserts[i];
      sqlite3_bind_blob(up, 1, s.key.data(), static_cast<int>(s.key.size()), SQLITE_STATIC);
      sqlite3_bind_int64(up, 2, s.first);
      sqlite3_bind_int64(up, 3, s.last);
      sqlite3_bind_int(up, 4, s.passed ? 1 : 0);
      ok = sqlite3_step(up) == SQLITE_DONE || fail();
      sqlite3_reset(up);
    }
    for (std::size_t i = 0; ok && i < deletions.size(); ++i) {
      const auto& k = deletions[i];
      sqlite3_bind_blob(del, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
      ok = sqlite3_step(del) == SQLITE_DONE || fail();
      sqlite3_reset(del);
    }
    sqlite3_finalize(up);
    sqlite3_finalize(del);
    if (ok) {
      sqlite3_stmt* purge = nullptr;
      ok = prepare(
          "DELETE FROM triplets WHERE (passed = 1 AND last < ?) OR (passed = 0 AND "
          "first < ?)",
          &purge);
      if (ok) {
        sqlite3_bind_int64(purge, 1, passed_before);
        sqlite3_bind_int64(purge, 2, pending_before);
        ok = sqlite3_step(purge) == SQLITE_DONE || fail();
      }
      sqlite3_finalize(purge);
    }
    if (ok && exec("COMMIT")) return true;
    std::string why = error_;
    exec("ROLLBACK");
    error_ = why;
    return false;
  }

 private:
  Db() = default;
  bool fail() {
    error_ = sqlite3_errmsg(db_);
    return false;
  }
  bool exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) == SQLITE_OK) return true;
    error_ = msg ? msg : sqlite3_errmsg(db_);
    sqlite3_free(msg);
    return false;
  }
  bool prepare(const char* sql, sqlite3_stmt** st) {
    return sqlite3_prepare_v2(db_, sql, -1, st, nullptr) == SQLITE_OK || fail();
  }

  sqlite3* db_ = nullptr;
  std::string path_;
  std::string error_;
};

namespace {

std::int64_t to_millis(Greylist::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Greylist::Clock::time_point from_millis(std::int64_t ms) {
  return Greylist::Clock::time_point(
      std::chrono::duration_cast<Greylist::Clock::duration>(std::chrono::milliseconds(ms)));
}

}  // namespace

Greylist::Greylist(const GreylistSettings& settings, Clock::time_point now)
    : settings_(settings), latest_(now) {
  if (settings_.state_file.empty()) return;
  db_ = Db::open(settings_.state_file);
  if (!db_) return;
  load(now);
  persistent_ = db_ != nullptr;
  if (persistent_) thread_ = std::thread([this] { writer(); });
}

Greylist::~Greylist() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (db_) flush();
}

void Greylist::load(Clock::time_point now) {
  std::vector<Db::Stored> rows;
  if (!db_->load(settings_.max_entries, rows)) {
    spdlog::warn("greylist: cannot read {} ({}); keeping the triplets in memory only", db_->path(),
                 db_->error());
    db_.reset();
    return;
  }
  std::size_t kept = 0;
  for (auto& r : rows) {
    Entry e{from_millis(r.first), from_millis(r.last), r.passed, {}};
    bool stale =
        e.passed ? now - e.last > settings_.expiry : now - e.first > settings_.retry_window;
    if (stale || entries_.contains(r.key)) continue;
    lru_.push_back(r.key);
    e.lru = std::prev(lru_.end());
    entries_.emplace(std::move(r.key), e);
    ++kept;
  }
  spdlog::info("greylist: {} triplet(s) loaded from {}", kept, db_->path());
}

void Greylist::changed(const std::string& key, const Entry* entry) {
  if (!persistent_) return;
  if (entry)
    pending_[key] = Row{entry->first, entry->last, entry->passed};
  else
    pending_[key] = std::nullopt;
}

void Greylist::writer() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, settings_.flush_interval, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    flush();
    lock.lock();
  }
}

bool Greylist::flush() {
  std::lock_guard db_lock(db_mutex_);
  std::unordered_map<std::string, std::optional<Row>> batch;
  Clock::time_point latest;
  {
    std::lock_guard lock(mutex_);
    if (!persistent_ || !db_) return false;
    batch.swap(pending_);
    latest = latest_;
  }
  std::vector<Db::Stored> upserts;
  std::vector<std::string> deletions;
  for (auto& [key, row] : batch) {
    if (row)
      upserts.push_back({key, to_millis(row->first), to_millis(row->last), row->passed});
    else
      deletions.push_back(key);
  }
  bool written = db_->write(upserts, deletions, to_millis(latest - settings_.expiry),
                            to_millis(latest - settings_.retry_window));
  std::lock_guard lock(mutex_);
  if (written) {
    if (write_failing_) spdlog::info("greylist: {} is written again", db_->path());
    write_failing_ = false;
    return true;
  }
  // The table in memory stays right; the file only lags. Give it back its changes unless
  // newer ones came meanwhile, and say so once per failing streak; past a bound, give up on
  // the file (memory only, as without a state file).
  for (auto& [key, row] : batch)
    pending_.try_emplace(key, std::move(row));
  if (pending_.size() > 2 * settings_.max_entries) {
    spdlog::error("greylist: {} keeps failing ({}); triplets stay in memory only", db_->path(),
                  db_->error());
    persistent_ = false;
    pending_.clear();
    return false;
  }
  if (!write_failing_)
    spdlog::error(
        "greylist: cannot write {} ({}); triplets changed since will be forgotten "
        "at the next restart unless it recovers",
        db_->path(), db_->error());
  write_failing_ = true;
  return false;
}

std::string Greylist::client_network(const boost::asio::ip::address& address) {
  namespace ip = boost::asio::ip;
  if (address.is_v4() || address.to_v6().is_v4_mapped()) {
    auto v4 =
        address.is_v4() ? address.to_v4() : ip::make_address_v4(ip::v4_mapped, address.to_v6());
    auto bytes = v4.to_bytes();
    bytes[3] = 0;
    return ip::address_v4(bytes).to_string() + "/24";
  }
  auto bytes = address.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return ip::address_v6(bytes).to_string() + "/64";
}

std::optional<smtp::Reply> Greylist::check(std::string_view network, std::string_view sender,
                                           std::string_view recipient, Clock::time_point now) {
  // NUL cannot occur in an address or a network name: an unambiguous separator.
  std::string key(network);
  key += '\0';
  key += to_lower(sender);
  key += '\0';
  key += to_lower(recipient);
  std::lock_guard lock(mutex_);
  latest_ = std::max(latest_, now);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    auto& e = it->second;
    lru_.splice(lru_.begin(), lru_, e.lru);
    bool stale =
        e.passed ? now - e.last > settings_.expiry : now - e.first > settings_.retry_window;
    if (!stale) {
      if (e.passed || now - e.first >= settings_.delay) {
        e.passed = true;
        e.last = now;
        changed(key, &e);
        return std::nullopt;
      }
      auto wait = std::chrono::ceil<std::chrono::seconds>(settings_.delay - (now - e.first));
      return smtp::Reply{451, "4.7.1",
                         fmt::format("Greylisted, try again in {} seconds", wait.count())};
    }
    e = Entry{now, now, false, e.lru};  // start over
    changed(key, &e);
  } else {
    if (entries_.size() >= settings_.max_entries) {
      changed(lru_.back(), nullptr);
      entries_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    auto& e = entries_.emplace(key, Entry{now, now, false, lru_.begin()}).first->second;
    changed(key, &e);
  }
  return smtp::Reply{451, "4.7.1",
                     fmt::format("Greylisted, try again in {} seconds", settings_.delay.count())};
}

std::size_t Greylist::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

bool Greylist::persistent() const {
  std::lock_guard lock(mutex_);
  return persistent_;
}

}  // namespace facteur::server
