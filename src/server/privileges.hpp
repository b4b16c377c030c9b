// Privilege drop: after binding the listeners, a daemon started as root switches to an unprivileged
// user (config `run_as`, else "facteur" when that user exists) so that a compromised session cannot
// act as root. The CLI does the same before touching the store, so files keep one owner.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.hpp"

namespace facteur::server {

struct DropOutcome {
  bool dropped = false;
  std::string user;  // who we run as now
};

// No-op unless running as root. With `run_as` empty, uses "facteur" if it exists, else stays root
// (and says so). Makes `data_dir` (recursively, only where ownership differs) belong to the user.
Result<DropOutcome> drop_privileges(const std::string& run_as,
                                    const std::filesystem::path& data_dir);

}  // namespace facteur::server
