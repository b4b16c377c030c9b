#include "server/privileges.hpp"

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

namespace facteur::server {
namespace {

Status chown_tree(const std::filesystem::path& root, uid_t uid, gid_t gid) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  auto fix = [&](const std::filesystem::path& p) -> Status {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return {};
    if (st.st_uid == uid && st.st_gid == gid) return {};
    if (::lchown(p.c_str(), uid, gid) != 0)
      return make_error(Errc::io_error,
                        fmt::format("chown {}: {}", p.string(), std::strerror(errno)));
    return {};
  };
  if (auto st = fix(root); !st) return st;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (auto st = fix(it->path()); !st) return st;
  }
  return {};
}

}  // namespace

Result<DropOutcome> drop_privileges(const std::string& run_as,
                                    const std::filesystem::path& data_dir) {
  if (::geteuid() != 0) {
    struct passwd* pw = ::getpwuid(::geteuid());
    return DropOutcome{false, pw ? pw->pw_name : std::to_string(::geteuid())};
  }
  std::string name = run_as.empty() ? "facteur" : run_as;
  struct passwd* pw = ::getpwnam(name.c_str());
  if (!pw) {
    if (!run_as.empty())
      return make_error(Errc::invalid_argument, fmt::format("run_as: no user named '{}'", run_as));
    return DropOutcome{false, "root"};
  }
  if (pw->pw_uid == 0) return DropOutcome{false, "root"};
  uid_t uid = pw->pw_uid;
  gid_t gid = pw->pw_gid;
  std::string user = pw->pw_name;
  if (auto st = chown_tree(data_dir, uid, gid); !st) return std::unexpected(st.error());
  if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)
    return make_error(Errc::permission_denied,
                      fmt::format("cannot switch to user {}: {}", user, std::strerror(errno)));
  if (::setuid(0) == 0)  // must be impossible now
    return make_error(Errc::internal, "privilege drop did not stick");
  ::prctl(PR_SET_DUMPABLE, 1);  // allow core dumps for debugging after setuid
  return DropOutcome{true, user};
}

}  // namespace facteur::server
