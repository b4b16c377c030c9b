// Blob files of the SQLite store: layout under data_dir, placing a new blob, fsyncs, removal,
// and the sweep of what a crash can leave behind.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "base/result.hpp"
#include "store/blob.hpp"
#include "store/store.hpp"

namespace facteur::store::sqlite {

// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  ~UniqueFd();
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// A blob file written in the current transaction, not yet fsync'd.
struct PlacedFile {
  BlobId id = 0;
  std::filesystem::path path;
  UniqueFd fd;
  bool new_directory = false;  // its shard directory was created: fsync the parent too
};

class BlobFiles {
 public:
  BlobFiles(std::filesystem::path data_dir, bool durable, FaultHook fault_hook);

  const std::filesystem::path& data_dir() const noexcept { return data_dir_; }
  std::filesystem::path blobs_dir() const { return data_dir_ / "blobs"; }
  std::filesystem::path tmp_dir() const { return data_dir_ / "tmp"; }
  std::filesystem::path shard_dir(BlobId id) const;
  std::filesystem::path path(BlobId id) const;

  // Creates data_dir, blobs/ and tmp/ (durably).
  Status create_layout();
  // Writes (memory) or renames (spill file) the writer's bytes to path(id); no fsync yet.
  Result<PlacedFile> place(BlobId id, BlobWriter& writer);
  // fdatasync / fsync of a directory; no-ops when !durable.
  Status sync_file(const PlacedFile& file) const;
  Status sync_dir(const std::filesystem::path& dir) const;
  // Removes a file; ENOENT is success.
  Status remove(const std::filesystem::path& path) const;

  // Crash leftovers: blob files with ids above `highest_committed_id` (written by a batch that
  // never committed) and spill files of processes that no longer run. Call with the database
  // write lock held so no other process is placing files.
  void sweep(BlobId highest_committed_id) const;

  bool fault(std::string_view point) const { return fault_hook_ && !fault_hook_(point); }

 private:
  std::filesystem::path data_dir_;
  bool durable_;
  FaultHook fault_hook_;
};

}  // namespace facteur::store::sqlite
