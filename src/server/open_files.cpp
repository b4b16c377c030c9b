#include "server/open_files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/resource.h>

#include <fmt/format.h>

namespace facteur::server {

std::uint64_t soft_open_files_limit(std::uint64_t soft, std::uint64_t hard, std::uint64_t wanted) {
  return std::max(soft, std::min(hard, wanted));
}

Result<OpenFilesLimit> raise_open_files_limit(std::uint64_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return make_error(Errc::io_error, fmt::format("getrlimit: {}", std::strerror(errno)));
  OpenFilesLimit out;
  out.before = limit.rlim_cur;
  out.hard = limit.rlim_max;
  // RLIM_INFINITY is the largest rlim_t: min() keeps `wanted` then.
  auto soft = soft_open_files_limit(limit.rlim_cur, limit.rlim_max, wanted);
  if (soft != limit.rlim_cur) {
    limit.rlim_cur = static_cast<rlim_t>(soft);
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
      return make_error(Errc::io_error, fmt::format("setrlimit: {}", std::strerror(errno)));
  }
  out.now = soft;
  return out;
}

}  // namespace facteur::server
