#include "store/sqlite/blob_files.hpp"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include <fmt/format.h>

namespace facteur::store::sqlite {
namespace {

constexpr BlobId kFilesPerShard = 4096;

std::unexpected<Error> errno_error(std::string_view what, const std::filesystem::path& path,
                                   int err) {
  return make_error(Errc::io_error,
                    fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

std::unexpected<Error> injected(std::string_view point) {
  return make_error(Errc::io_error, fmt::format("injected failure at {}", point));
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// mkdir; true when it was created, false when it existed.
Result<bool> make_dir(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return true;
  if (errno == EEXIST) return false;
  return errno_error("mkdir", dir, errno);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  reset();
}

void UniqueFd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

BlobFiles::BlobFiles(std::filesystem::path data_dir, bool durable, FaultHook fault_hook)
    : data_dir_(std::move(data_dir)), durable_(durable), fault_hook_(std::move(fault_hook)) {}

std::filesystem::path BlobFiles::shard_dir(BlobId id) const {
  return blobs_dir() / fmt::format("{}", id / kFilesPerShard);
}

std::filesystem::path BlobFiles::path(BlobId id) const {
  return shard_dir(id) / fmt::format("{}", id);
}

Status BlobFiles::create_layout() {
  std::error_code ec;
  std::filesystem::create_directories(data_dir_, ec);
  if (ec) {
    return make_error(Errc::io_error,
                      fmt::format("create {}: {}", data_dir_.string(), ec.message()));
  }
  bool created = false;
  for (const auto& dir : {blobs_dir(), tmp_dir()}) {
    auto made = make_dir(dir);
    if (!made) return std::unexpected(made.error());
    created = created || *made;
  }
  if (created) return sync_dir(data_dir_);
  return {};
}

Result<PlacedFile> BlobFiles::place(BlobId id, BlobWriter& writer) {
  if (fault("blob_write")) return injected("blob_write");
  PlacedFile placed;
  placed.id = id;
  placed.path = path(id);
  auto made = make_dir(shard_dir(id));
  if (!made) return std::unexpected(made.error());
  placed.new_directory = *made;

  if (writer.spilled()) {
    // The spill file already holds the bytes: move it into place (same filesystem).
    if (::rename(writer.spill_path().c_str(), placed.path.c_str()) != 0) {
      return errno_error("rename", placed.path, errno);
    }
    writer.release_spill_file();
    int fd = ::dup(writer.fd());
    if (fd < 0) return errno_error("dup", placed.path, errno);
    placed.fd = UniqueFd(fd);
    return placed;
  }

  // O_TRUNC: an id can be handed out again after a rolled-back batch left its file behind.
  int fd = ::open(placed.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno_error("create", placed.path, errno);
  placed.fd = UniqueFd(fd);
  std::string_view bytes = writer.memory();
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::unlink(placed.path.c_str());
      return errno_error("write", placed.path, err);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return placed;
}

Status BlobFiles::sync_file(const PlacedFile& file) const {
  if (fault("blob_fsync")) return injected("blob_fsync");
  if (!durable_) return {};
  if (::fdatasync(file.fd.get()) != 0) return errno_error("fdatasync", file.path, errno);
  return {};
}

Status BlobFiles::sync_dir(const std::filesystem::path& dir) const {
  if (fault("dir_fsync")) return injected("dir_fsync");
  if (!durable_) return {};
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_error("open", dir, errno);
  UniqueFd guard(fd);
  if (::fsync(fd) != 0) return errno_error("fsync", dir, errno);
  return {};
}

Status BlobFiles::remove(const std::filesystem::path& file) const {
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) return errno_error("unlink", file, errno);
  return {};
}

void BlobFiles::sweep(BlobId highest_committed_id) const {
  // Ids are handed out in order from the last committed one, so uncommitted files can only sit
  // in the shard of highest_committed_id + 1 and the ones after it.
  std::error_code ec;
  for (BlobId shard = (highest_committed_id + 1) / kFilesPerShard;; ++shard) {
    auto dir = blobs_dir() / fmt::format("{}", shard);
    if (!std::filesystem::is_directory(dir, ec)) break;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      BlobId id = 0;
      if (parse_number(entry.path().filename().native(), id) && id > highest_committed_id) {
        (void)remove(entry.path());
      }
    }
  }
  // Spill files are named <pid>.<n>.tmp; those of live processes are someone's DATA in flight.
  for (const auto& entry : std::filesystem::directory_iterator(tmp_dir(), ec)) {
    const std::string name = entry.path().filename().native();
    auto dot = name.find('.');
    pid_t pid = 0;
    if (dot == std::string::npos || !parse_number(std::string_view(name).substr(0, dot), pid) ||
        pid <= 0) {
      continue;
    }
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) (void)remove(entry.path());
  }
}

}  // namespace facteur::store::sqlite
