#include "store/sqlite/db.hpp"

#include <fmt/format.h>

namespace facteur::store::sqlite {

Error to_error(sqlite3* db, int rc, std::string_view context) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = fmt::format("{}: {}", context, detail);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Error{Errc::already_exists, std::move(message)};
      }
      return Error{Errc::internal, std::move(message)};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error{Errc::unavailable, std::move(message)};
    default:
      return Error{Errc::io_error, std::move(message)};
  }
}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

// Binding errors (out-of-range index, out of memory) are kept and reported by step().
Statement& Statement::bind(int index, std::int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) error_rc_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) error_rc_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) error_rc_ = rc;
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind(index, std::nullopt);
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob must not be bound as NULL.
  int rc = sqlite3_bind_blob64(stmt_, index, bytes.data() != nullptr ? bytes.data() : "",
                               bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) error_rc_ = rc;
  return *this;
}

Statement& Statement::bind_static_blob(int index, std::string_view bytes) {
  int rc = sqlite3_bind_blob64(stmt_, index, bytes.data() != nullptr ? bytes.data() : "",
                               bytes.size(), SQLITE_STATIC);
  if (rc != SQLITE_OK) error_rc_ = rc;
  return *this;
}

Result<bool> Statement::step() {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (error_rc_ != SQLITE_OK) return std::unexpected(to_error(db, error_rc_, "bind"));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(to_error(db, sqlite3_extended_errcode(db), sqlite3_sql(stmt_)));
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
  }
}

std::string_view Statement::view(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr || n <= 0) return {};
  return std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

Result<std::unique_ptr<Connection>> Connection::open(const std::filesystem::path& path,
                                                     const Config& config) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = to_error(db, rc, fmt::format("open {}", path.string()));
    sqlite3_close(db);
    return std::unexpected(e);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(config.busy_timeout.count()));
  std::unique_ptr<Connection> conn(new Connection(db));
  // WAL: readers never block the writer; synchronous=FULL: each COMMIT fsyncs the WAL, which
  // is what makes an acknowledged delivery durable (NORMAL would only sync at checkpoints).
  std::string pragmas = fmt::format(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous={}; PRAGMA foreign_keys=ON;"
      "PRAGMA journal_size_limit=67108864; PRAGMA temp_store=MEMORY;{}",
      config.durable ? "FULL" : "OFF",
      // Readers map the file: IMAP FETCH and SEARCH walk many pages (overflow chains of inline
      // messages), and pread() copies of each cost more than the query itself.
      config.read_only ? " PRAGMA query_only=1; PRAGMA mmap_size=1073741824;" : "");
  if (auto s = conn->exec(pragmas); !s) return std::unexpected(s.error());
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_)
    sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Connection::exec(std::string_view sql) {
  std::string copy(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    Error e = to_error(db_, sqlite3_extended_errcode(db_), copy.substr(0, 60));
    e.message += " (" + detail + ")";
    return std::unexpected(e);
  }
  return {};
}

Result<Statement> Connection::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end()) return Statement(it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(to_error(db_, rc, key));
  cache_.emplace(std::move(key), stmt);
  return Statement(stmt);
}

}  // namespace facteur::store::sqlite
