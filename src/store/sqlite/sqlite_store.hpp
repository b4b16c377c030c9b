// The embedded store backend: one SQLite database (WAL) plus blob files, for a single host.
//
// Layout of data_dir:
//   store.db (+ -wal, -shm)     accounts, aliases, mailboxes, messages, change log, FTS5 index,
//                               and blobs up to Options::inline_blob_max bytes
//   blobs/<id / 4096>/<id>      bigger blobs, written once, shared by every recipient
//   tmp/<pid>.<n>.tmp           BlobWriter spill files (moved into blobs/ at commit)
//
// Writes go through one committer thread that group-commits them (see sqlite_store.cpp for the
// durability argument); reads use a small pool of connections. Other processes (the CLI) may
// open the same data_dir at the same time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "base/result.hpp"
#include "store/store.hpp"

namespace facteur::store {

// Creates the directory layout, runs pending schema migrations and removes what a crash may have
// left behind (spill files of dead processes, uncommitted blob files, unlinks pending after a
// commit). Errors: io_error (cannot create/open), internal (schema newer than this program).
Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& data_dir,
                                                 const Options& options = {});

// Counters of the committer since open (for metrics and benchmarks). Each batch is one COMMIT,
// i.e. one WAL fsync (plus a database fsync when SQLite checkpoints).
struct SqliteStats {
  std::uint64_t batches = 0;      // transactions committed
  std::uint64_t writes = 0;       // jobs (deliveries and other writes) in them
  std::uint64_t file_fsyncs = 0;  // blob files
  std::uint64_t dir_fsyncs = 0;   // blob directories
};
// nullopt when `store` is not a SQLite store.
std::optional<SqliteStats> sqlite_stats(const Store& store);

}  // namespace facteur::store
