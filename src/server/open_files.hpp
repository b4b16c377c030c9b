// The daemon's open-file limit. Every connection is a descriptor, and so are blob files, the
// databases and the resolver's sockets; the soft limit a login shell or a systemd service starts
// with (1024) would refuse connections long before the listeners' own limits (SMTP 1,000, IMAP
// 20,000 by default), with EMFILE at accept(). serve() raises the soft limit to what those limits
// need, up to the hard limit (as Dovecot's master does from its client limits), and says so when
// the hard limit is lower.
#pragma once

#include <cstdint>

#include "base/result.hpp"

namespace facteur::server {

// Descriptors besides the connections: blobs being read or written, databases, DNS, logs.
inline constexpr std::uint64_t kOpenFilesMargin = 1024;

// The soft limit to ask for: `wanted`, but never below the current soft limit nor above the
// hard one.
std::uint64_t soft_open_files_limit(std::uint64_t soft, std::uint64_t hard, std::uint64_t wanted);

struct OpenFilesLimit {
  std::uint64_t before = 0;
  std::uint64_t now = 0;
  std::uint64_t hard = 0;
};

// Raises RLIMIT_NOFILE's soft limit towards `wanted` (see soft_open_files_limit).
// Errc::io_error when getrlimit/setrlimit fail.
Result<OpenFilesLimit> raise_open_files_limit(std::uint64_t wanted);

}  // namespace facteur::server
