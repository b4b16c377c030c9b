#include "filter/model_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace facteur::filter {
namespace {

constexpr auto kRecheck = std::chrono::seconds(1);

}  // namespace

ModelLock::ModelLock(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  fd_ = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

ModelLock::~ModelLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

std::string account_file_name(std::string_view account) {
  std::string out;
  for (char c : account) {
    char l = ascii_lower(c);
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '.' || l == '@' ||
              l == '_' || l == '+' || l == '-';
    if (out.empty() && l == '.') ok = false;
    if (ok)
      out += l;
    else
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    if (out.size() > 200) break;
  }
  return out;
}

ModelStore::ModelStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path ModelStore::global_path() const {
  return dir_ / "bayes.model";
}

std::filesystem::path ModelStore::account_path(std::string_view account) const {
  if (account.empty()) return global_path();
  return dir_ / "accounts" / (account_file_name(account) + ".model");
}

std::shared_ptr<const BayesModel> ModelStore::get(const std::filesystem::path& path) const {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  auto it = cache_.find(path);
  if (it != cache_.end() && now - it->second.checked < kRecheck) return it->second.model;
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(path, ec);
  if (ec) {
    cache_[path] = Cached{nullptr, {}, now};
    return nullptr;
  }
  if (it != cache_.end() && it->second.model && it->second.mtime == mtime) {
    it->second.checked = now;
    return it->second.model;
  }
  auto loaded = BayesModel::load(path);
  std::shared_ptr<const BayesModel> model;
  if (loaded) model = std::make_shared<const BayesModel>(std::move(*loaded));
  cache_[path] = Cached{model, mtime, now};
  return model;
}

std::shared_ptr<const BayesModel> ModelStore::global() const {
  return get(global_path());
}

std::shared_ptr<const BayesModel> ModelStore::account(std::string_view account) const {
  if (account.empty()) return nullptr;
  return get(account_path(account));
}

Result<BayesModel> ModelStore::open_for_update(std::string_view account) const {
  auto loaded = BayesModel::load(account_path(account));
  if (loaded) return loaded;
  if (loaded.error().code == Errc::not_found) return BayesModel{};
  return loaded;
}

Status ModelStore::save(std::string_view account, const BayesModel& model) {
  auto path = account_path(account);
  auto st = model.save(path);
  if (st) {
    std::lock_guard lock(mutex_);
    cache_.erase(path);
  }
  return st;
}

Status ModelStore::learn(std::span<const std::uint64_t> tokens, Label label,
                         std::string_view account, int delta) {
  ModelLock lock(dir_);
  auto model = open_for_update(account);
  if (!model) return std::unexpected(model.error());
  model->learn(tokens, label, delta);
  return save(account, *model);
}

}  // namespace facteur::filter
