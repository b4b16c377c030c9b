#include "store/blob.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

namespace facteur::store {
namespace {

std::unexpected<Error> errno_error(std::string_view what, const std::filesystem::path& path) {
  return make_error(Errc::io_error,
                    fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

// Unique within the process; the pid makes it unique across processes sharing data_dir, and
// lets open_sqlite_store() tell abandoned files (dead pid) from live ones.
std::filesystem::path next_spill_name(const std::filesystem::path& dir) {
  static std::atomic<std::uint64_t> counter{0};
  return dir / fmt::format("{}.{}.tmp", ::getpid(), counter.fetch_add(1));
}

}  // namespace

BlobWriter::BlobWriter(std::filesystem::path spill_dir, std::size_t memory_limit)
    : spill_dir_(std::move(spill_dir)), memory_limit_(memory_limit) {}

BlobWriter::~BlobWriter() {
  if (map_ != nullptr) ::munmap(map_, size_);
  if (fd_ >= 0) ::close(fd_);
  if (spill_owned_) ::unlink(spill_path_.c_str());
}

Status BlobWriter::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("write", spill_path_);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Status BlobWriter::spill() {
  spill_path_ = next_spill_name(spill_dir_);
  fd_ = ::open(spill_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) return errno_error("create", spill_path_);
  spill_owned_ = true;
  auto status = write_all(memory_);
  std::string().swap(memory_);
  return status;
}

Status BlobWriter::append(std::string_view chunk) {
  if (finished_) return make_error(Errc::invalid_argument, "append after finish");
  if (fd_ < 0 && memory_.size() + chunk.size() <= memory_limit_) {
    memory_.append(chunk);
    size_ += chunk.size();
    return {};
  }
  if (fd_ < 0) {
    if (auto s = spill(); !s) return s;
  }
  if (auto s = write_all(chunk); !s) return s;
  size_ += chunk.size();
  return {};
}

Result<std::string_view> BlobWriter::finish() {
  finished_ = true;
  if (fd_ < 0) return std::string_view(memory_);
  if (size_ == 0) return std::string_view();
  if (map_ == nullptr) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return errno_error("mmap", spill_path_);
    map_ = p;
  }
  return std::string_view(static_cast<const char*>(map_), size_);
}

namespace {

class MemoryBlobReader final : public BlobReader {
 public:
  explicit MemoryBlobReader(std::string bytes) : bytes_(std::move(bytes)) {}
  std::uint64_t size() const noexcept override { return bytes_.size(); }
  Result<std::size_t> read(std::uint64_t offset, std::span<char> out) const override {
    if (offset >= bytes_.size()) return 0;
    std::size_t n = std::min<std::uint64_t>(out.size(), bytes_.size() - offset);
    std::memcpy(out.data(), bytes_.data() + offset, n);
    return n;
  }
  Result<std::string_view> view() override { return std::string_view(bytes_); }

 private:
  std::string bytes_;
};

class FileBlobReader final : public BlobReader {
 public:
  FileBlobReader(int fd, std::uint64_t size, std::filesystem::path path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  ~FileBlobReader() override {
    if (map_ != nullptr) ::munmap(map_, size_);
    ::close(fd_);
  }
  FileBlobReader(const FileBlobReader&) = delete;
  FileBlobReader& operator=(const FileBlobReader&) = delete;

  std::uint64_t size() const noexcept override { return size_; }
  Result<std::size_t> read(std::uint64_t offset, std::span<char> out) const override {
    if (offset >= size_) return 0;
    std::size_t want = std::min<std::uint64_t>(out.size(), size_ - offset);
    std::size_t done = 0;
    while (done < want) {
      ssize_t n = ::pread(fd_, out.data() + done, want - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_error("read", path_);
      }
      if (n == 0) break;  // truncated underneath us
      done += static_cast<std::size_t>(n);
    }
    return done;
  }
  Result<std::string_view> view() override {
    if (size_ == 0) return std::string_view();
    if (map_ == nullptr) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
      if (p == MAP_FAILED) return errno_error("mmap", path_);
      map_ = p;
    }
    return std::string_view(static_cast<const char*>(map_), size_);
  }

 private:
  int fd_;
  std::uint64_t size_;
  std::filesystem::path path_;
  void* map_ = nullptr;
};

}  // namespace

std::unique_ptr<BlobReader> make_memory_blob_reader(std::string bytes) {
  return std::make_unique<MemoryBlobReader>(std::move(bytes));
}

Result<std::unique_ptr<BlobReader>> open_file_blob_reader(const std::filesystem::path& path,
                                                          std::uint64_t expected_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto err = errno_error("stat", path);
    ::close(fd);
    return err;
  }
  if (static_cast<std::uint64_t>(st.st_size) != expected_size) {
    ::close(fd);
    return make_error(Errc::internal, fmt::format("blob {} has {} bytes, expected {}",
                                                  path.string(), st.st_size, expected_size));
  }
  return std::make_unique<FileBlobReader>(fd, expected_size, path);
}

}  // namespace facteur::store
