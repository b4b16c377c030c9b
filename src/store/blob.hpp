// Blob I/O shared by the store backends: BlobWriter collects the bytes of a new message as they
// arrive (small ones in memory, big ones spilled to a file), BlobReader gives stored bytes back
// without copying them (pread, mmap).
// Trust: the bytes are internet input but are never interpreted here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace facteur::store {

// Not thread-safe: one session feeds it, then hands it to Store::deliver().
class BlobWriter {
 public:
  // Spills to a new file in `spill_dir` once more than `memory_limit` bytes arrived.
  BlobWriter(std::filesystem::path spill_dir, std::size_t memory_limit);
  ~BlobWriter();  // abandons: unmaps and removes the spill file unless a backend took it
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Appends a chunk (write() only, no fsync). Errc::io_error if the spill file cannot be
  // written; Errc::invalid_argument after finish().
  Status append(std::string_view chunk);
  // Ends the message and returns all of it as one contiguous view (memory, or the spill file
  // mapped read-only), valid while the writer lives. Idempotent.
  Result<std::string_view> finish();

  std::uint64_t size() const noexcept { return size_; }
  bool finished() const noexcept { return finished_; }

  // --- for backends
  bool spilled() const noexcept { return fd_ >= 0; }
  std::string_view memory() const noexcept { return memory_; }  // content when !spilled()
  int fd() const noexcept { return fd_; }                       // spill file when spilled()
  const std::filesystem::path& spill_path() const noexcept { return spill_path_; }
  // The backend renamed or linked the spill file into place: the destructor must not remove it.
  void release_spill_file() noexcept { spill_owned_ = false; }

 private:
  Status spill();
  Status write_all(std::string_view bytes);

  std::filesystem::path spill_dir_;
  std::size_t memory_limit_;
  std::string memory_;
  std::uint64_t size_ = 0;
  bool finished_ = false;
  int fd_ = -1;
  bool spill_owned_ = false;
  std::filesystem::path spill_path_;
  void* map_ = nullptr;
};

// Read access to stored bytes. Implementations are not required to be thread-safe.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual std::uint64_t size() const noexcept = 0;
  // pread(): up to out.size() bytes from `offset`; 0 at or past the end; io_error on failure.
  virtual Result<std::size_t> read(std::uint64_t offset, std::span<char> out) const = 0;
  // The whole blob as one view (mapped for files), valid while the reader lives.
  virtual Result<std::string_view> view() = 0;
};

// A blob held in memory (e.g. stored inline in the database).
std::unique_ptr<BlobReader> make_memory_blob_reader(std::string bytes);
// A blob file; Errc::io_error if it cannot be opened, Errc::internal if its size is not
// `expected_size` (the metadata and the file disagree).
Result<std::unique_ptr<BlobReader>> open_file_blob_reader(const std::filesystem::path& path,
                                                          std::uint64_t expected_size);

}  // namespace facteur::store
