// Where the classifiers' models live: data_dir/filter/bayes.model (site-wide token counts),
// data_dir/filter/accounts/<address>.model (one per account, learnt from that user's Junk
// moves) and data_dir/filter/linear.model (the site-wide linear classifier, learnt by
// `facteur spam train` and `facteur spam learn` without an account: users' moves stay in their
// own model, so one user's idea of spam does not change everyone's). Readers share mapped models
// and pick up a newer file (written by `facteur spam train` or another process) when its
// modification time changes; writers serialise on an advisory lock so two learners never lose each
// other's updates. Trust: local files; account addresses are escaped before they become file names.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "filter/bayes_model.hpp"
#include "filter/linear_classifier.hpp"

namespace facteur::filter {

// An advisory lock on the model directory (flock on dir/.lock), held while a model is read,
// changed and written back, so that concurrent learners do not lose updates.
class ModelLock {
 public:
  explicit ModelLock(const std::filesystem::path& dir);
  ~ModelLock();
  ModelLock(const ModelLock&) = delete;
  ModelLock& operator=(const ModelLock&) = delete;
  bool held() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// What learn_feedback did.
enum class Feedback : std::uint8_t {
  learnt,     // first time this message was learnt for this account
  relearnt,   // it had been learnt with the other label: that was taken back first
  unchanged,  // it had already been learnt with this label
};
std::string_view to_string(Feedback feedback) noexcept;

// One message to learn from a user's move: its tokens and a hash of its bytes (its identity
// in the ledger).
struct FeedbackItem {
  std::vector<std::uint64_t> tokens;
  std::uint64_t message = 0;
};

// Entries a ledger keeps (the oldest are dropped): bounds its size at about 1.2 MB.
inline constexpr std::size_t kLedgerEntries = 50'000;

class ModelStore {
 public:
  explicit ModelStore(std::filesystem::path dir);

  const std::filesystem::path& dir() const noexcept { return dir_; }
  std::filesystem::path global_path() const;
  std::filesystem::path account_path(std::string_view account) const;

  // The current site-wide model, or nullptr when none was trained.
  std::shared_ptr<const BayesModel> global() const;
  // The account's own model, or nullptr when it has none.
  std::shared_ptr<const BayesModel> account(std::string_view account) const;

  // Learns one message's tokens into the account's model ("" = site-wide) and saves it.
  // delta -1 unlearns (a message moved out of Junk after being learnt as spam).
  Status learn(std::span<const std::uint64_t> tokens, Label label, std::string_view account,
               int delta = 1);

  // Learns what a user said about some messages (moved into Junk: spam; out of it: ham) into
  // the account's model, at most once per message: a ledger (accounts/<address>.seen: the
  // message hash and the label it was learnt as) turns a second move the same way into a
  // no-op, and a move the other way into "forget the old label, learn the new one". One lock,
  // one model write and one ledger write for the whole batch.
  Result<std::vector<Feedback>> learn_feedback(std::span<const FeedbackItem> items, Label label,
                                               std::string_view account);
  std::filesystem::path ledger_path(std::string_view account) const;

  // The site-wide linear classifier, or nullptr when none was trained.
  std::shared_ptr<const LinearClassifier> linear() const;
  std::filesystem::path linear_path() const;
  // The linear classifier as it is now (an untrained one when there is none), to be updated
  // and given back to save_linear().
  Result<LinearClassifier> open_linear_for_update() const;
  Status save_linear(const LinearClassifier& model);

  // For bulk training: the model as it is now (an empty one when there is none), to be
  // updated and given back to save().
  Result<BayesModel> open_for_update(std::string_view account) const;
  Status save(std::string_view account, const BayesModel& model);

 private:
  struct Cached {
    std::shared_ptr<const void> model;  // a BayesModel or a LinearClassifier, by path
    std::filesystem::file_time_type mtime{};
    std::chrono::steady_clock::time_point checked{};
  };
  template <class Model>
  std::shared_ptr<const Model> get(const std::filesystem::path& path) const;

  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  mutable std::map<std::filesystem::path, Cached> cache_;
};

// "User@Example.TEST" -> "user@example.test" with bytes outside [a-z0-9.@_+-] as %XX, and a
// leading dot escaped, so that any address is one safe file name.
std::string account_file_name(std::string_view account);

}  // namespace facteur::filter
