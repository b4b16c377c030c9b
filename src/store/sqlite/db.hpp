// A thin RAII layer over the SQLite C API: connections with a statement cache, bind/step/column
// helpers, and SQLite result codes mapped to facteur::Errc.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <sqlite3.h>

#include "base/result.hpp"

namespace facteur::store::sqlite {

// Maps an SQLite result code (with the connection's message) to an Error: constraint violations
// -> already_exists, busy/locked -> unavailable, everything else -> io_error.
Error to_error(sqlite3* db, int rc, std::string_view context);

// A prepared statement borrowed from a Connection's cache; reset and unbound when destroyed.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  // Binds parameters 1..N in order. Text and blobs are copied (SQLITE_TRANSIENT) unless bound
  // with bind_static().
  template <class... Args>
  Statement& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, std::int64_t{value}); }
  Statement& bind(int index, std::uint32_t value) { return bind(index, std::int64_t{value}); }
  Statement& bind(int index, std::uint64_t value) {
    return bind(index, static_cast<std::int64_t>(value));
  }
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, std::nullopt_t);
  Statement& bind(int index, const std::optional<std::string>& text);
  Statement& bind_blob(int index, std::string_view bytes);
  // No copy: `bytes` must outlive the next step().
  Statement& bind_static_blob(int index, std::string_view bytes);

  // One step: true when a row is available, false when done.
  Result<bool> step();
  // Steps to the end (for statements without rows).
  Status run();

  std::int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::uint64_t uint64(int column) const { return static_cast<std::uint64_t>(int64(column)); }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  // Valid until the next step() or reset.
  std::string_view view(int column) const;
  std::string text(int column) const { return std::string(view(column)); }
  std::optional<std::string> optional_text(int column) const;

 private:
  sqlite3_stmt* stmt_;
  int error_rc_ = SQLITE_OK;
};

class Connection {
 public:
  struct Config {
    bool read_only = false;
    bool durable = true;  // synchronous=FULL, else OFF
    std::chrono::milliseconds busy_timeout{10000};
  };

  static Result<std::unique_ptr<Connection>> open(const std::filesystem::path& path,
                                                  const Config& config);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results.
  Status exec(std::string_view sql);
  // A cached prepared statement for `sql` (which should be a string literal or otherwise stable).
  Result<Statement> prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* handle() const noexcept { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace facteur::store::sqlite
