#include "filter/model_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace facteur::filter {
namespace {

Status write_all(int fd, std::span<const std::byte> data) {
  const std::byte* p = data.data();
  std::size_t size = data.size();
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(Errc::io_error, fmt::format("write: {}", std::strerror(errno)));
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return {};
}

struct Mapping {
  void* addr = nullptr;
  std::size_t size = 0;
  ~Mapping() {
    if (addr) ::munmap(addr, size);
  }
};

}  // namespace

Result<MappedFile> map_model_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(Errc::not_found, path.string() + ": no model");
    return make_error(Errc::io_error, fmt::format("{}: {}", path.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto err =
        make_error(Errc::io_error, fmt::format("{}: {}", path.string(), std::strerror(errno)));
    ::close(fd);
    return err;
  }
  auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return MappedFile{};
  }
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (addr == MAP_FAILED)
    return make_error(Errc::io_error,
                      fmt::format("{}: mmap: {}", path.string(), std::strerror(errno)));
  auto mapping = std::make_shared<Mapping>();
  mapping->addr = addr;
  mapping->size = size;
  return MappedFile{std::shared_ptr<const void>(mapping, addr),
                    std::span(static_cast<const std::byte*>(addr), size)};
}

Status write_model_file(const std::filesystem::path& path,
                        std::initializer_list<std::span<const std::byte>> pieces) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  auto tmp = path;
  tmp += fmt::format(".tmp{}", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    return make_error(Errc::io_error, fmt::format("{}: {}", tmp.string(), std::strerror(errno)));
  Status st;
  for (auto piece : pieces)
    if (st) st = write_all(fd, piece);
  if (st && ::fsync(fd) != 0)
    st = make_error(Errc::io_error, fmt::format("fsync: {}", std::strerror(errno)));
  ::close(fd);
  if (!st) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = make_error(Errc::io_error,
                          fmt::format("rename {}: {}", path.string(), std::strerror(errno)));
    ::unlink(tmp.c_str());
    return err;
  }
  return {};
}

}  // namespace facteur::filter
