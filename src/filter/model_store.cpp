#include "filter/model_store.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <sys/file.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace facteur::filter {
namespace {

constexpr auto kRecheck = std::chrono::seconds(1);
// Step size of one message learnt on its own (the bulk training's last epochs use about this).
constexpr double kLinearOnlineRate = 0.5;

struct LedgerEntry {
  std::uint64_t message = 0;
  Label label = Label::ham;
};

// One line per message: 16 hex digits, a space, the label; oldest first. Damaged lines are
// skipped (the ledger only prevents double counting; losing a line is harmless).
std::vector<LedgerEntry> read_ledger(const std::filesystem::path& path) {
  std::vector<LedgerEntry> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line) && out.size() < 4 * kLedgerEntries) {
    if (line.size() < 18 || line[16] != ' ') continue;
    LedgerEntry e;
    auto [p, ec] = std::from_chars(line.data(), line.data() + 16, e.message, 16);
    if (ec != std::errc{} || p != line.data() + 16) continue;
    auto label = parse_label(std::string_view(line).substr(17));
    if (!label) continue;
    e.label = *label;
    out.push_back(e);
  }
  return out;
}

Status write_ledger(const std::filesystem::path& path, std::span<const LedgerEntry> entries) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  auto tmp = path;
  tmp += ".tmp";
  std::string text;
  text.reserve(entries.size() * 26);
  for (const auto& e : entries)
    text += fmt::format("{:016x} {}\n", e.message, to_string(e.label));
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return make_error(Errc::io_error, fmt::format("cannot write {}", tmp.string()));
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fflush(f) == 0 && ok;
  ok = ::fsync(::fileno(f)) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  if (ok) std::filesystem::rename(tmp, path, ec);
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    return make_error(Errc::io_error, fmt::format("cannot write {}", path.string()));
  }
  return {};
}

}  // namespace

std::string_view to_string(Feedback feedback) noexcept {
  switch (feedback) {
    case Feedback::learnt:
      return "learnt";
    case Feedback::relearnt:
      return "relearnt";
    case Feedback::unchanged:
      return "unchanged";
  }
  return "?";
}

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

template <class Model>
std::shared_ptr<const Model> ModelStore::get(const std::filesystem::path& path) const {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  auto it = cache_.find(path);
  if (it != cache_.end() && now - it->second.checked < kRecheck)
    return std::static_pointer_cast<const Model>(it->second.model);
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(path, ec);
  if (ec) {
    cache_[path] = Cached{nullptr, {}, now};
    return nullptr;
  }
  if (it != cache_.end() && it->second.model && it->second.mtime == mtime) {
    it->second.checked = now;
    return std::static_pointer_cast<const Model>(it->second.model);
  }
  auto loaded = Model::load(path);
  std::shared_ptr<const Model> model;
  if (loaded) model = std::make_shared<const Model>(std::move(*loaded));
  cache_[path] = Cached{model, mtime, now};
  return model;
}

std::shared_ptr<const BayesModel> ModelStore::global() const {
  return get<BayesModel>(global_path());
}

std::filesystem::path ModelStore::linear_path() const {
  return dir_ / "linear.model";
}

std::shared_ptr<const LinearClassifier> ModelStore::linear() const {
  return get<LinearClassifier>(linear_path());
}

Result<LinearClassifier> ModelStore::open_linear_for_update() const {
  auto loaded = LinearClassifier::load(linear_path());
  if (loaded) return loaded;
  if (loaded.error().code == Errc::not_found) return LinearClassifier{};
  return loaded;
}

Status ModelStore::save_linear(const LinearClassifier& model) {
  auto path = linear_path();
  auto st = model.save(path);
  if (st) {
    std::lock_guard lock(mutex_);
    cache_.erase(path);
  }
  return st;
}

std::shared_ptr<const BayesModel> ModelStore::account(std::string_view account) const {
  if (account.empty()) return nullptr;
  return get<BayesModel>(account_path(account));
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
  if (!lock.held())
    return make_error(Errc::io_error, fmt::format("cannot lock {}", (dir_ / ".lock").string()));
  auto model = open_for_update(account);
  if (!model) return std::unexpected(model.error());
  model->learn(tokens, label, delta);
  if (auto st = save(account, *model); !st) return st;
  // The site-wide linear classifier takes one step towards what it was told (it cannot take
  // a message back: a forget leaves it as it is). Only once it has been bulk-trained: one
  // message alone would make a meaningless model.
  if (!account.empty() || delta <= 0) return {};
  auto linear = open_linear_for_update();
  if (!linear || linear->empty()) return {};
  linear->learn(tokens, label, kLinearOnlineRate);
  return save_linear(*linear);
}

std::filesystem::path ModelStore::ledger_path(std::string_view account) const {
  if (account.empty()) return dir_ / "site.seen";
  return dir_ / "accounts" / (account_file_name(account) + ".seen");
}

Result<std::vector<Feedback>> ModelStore::learn_feedback(std::span<const FeedbackItem> items,
                                                         Label label, std::string_view account) {
  std::vector<Feedback> out;
  if (items.empty()) return out;
  ModelLock lock(dir_);
  if (!lock.held())
    return make_error(Errc::io_error, fmt::format("cannot lock {}", (dir_ / ".lock").string()));
  auto path = ledger_path(account);
  auto ledger = read_ledger(path);
  std::unordered_map<std::uint64_t, Label> known;
  for (const auto& e : ledger)
    known[e.message] = e.label;  // later lines win

  auto model = open_for_update(account);
  if (!model) return std::unexpected(model.error());
  bool changed = false;
  for (const auto& item : items) {
    auto it = known.find(item.message);
    if (it != known.end() && it->second == label) {
      out.push_back(Feedback::unchanged);
      continue;
    }
    if (it != known.end()) model->learn(item.tokens, it->second, -1);
    model->learn(item.tokens, label, 1);
    out.push_back(it != known.end() ? Feedback::relearnt : Feedback::learnt);
    known[item.message] = label;
    ledger.push_back({item.message, label});
    changed = true;
  }
  if (!changed) return out;
  if (auto st = save(account, *model); !st) return std::unexpected(st.error());

  // Keep the last line per message, oldest first, at most kLedgerEntries.
  std::vector<LedgerEntry> kept;
  std::unordered_set<std::uint64_t> seen;
  for (auto it = ledger.rbegin(); it != ledger.rend() && kept.size() < kLedgerEntries; ++it)
    if (seen.insert(it->message).second) kept.push_back(*it);
  std::reverse(kept.begin(), kept.end());
  // The model is saved already; a ledger that failed to save only risks a double count later.
  (void)write_ledger(path, kept);
  return out;
}

}  // namespace facteur::filter
