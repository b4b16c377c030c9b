#include "server/session_registry.hpp"

#include <vector>

namespace facteur::server {

SessionRegistry::Registration SessionRegistry::add(StopCallback on_stop) {
  std::lock_guard lock(mutex_);
  auto id = next_id_++;
  sessions_.emplace(id, std::move(on_stop));
  return Registration(*this, id);
}

bool SessionRegistry::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

std::size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void SessionRegistry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(id);
  if (sessions_.empty()) empty_.notify_all();
}

std::size_t SessionRegistry::stop_all(std::chrono::steady_clock::duration deadline) {
  std::vector<StopCallback> callbacks;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, cb] : sessions_)
      callbacks.push_back(cb);
  }
  for (auto& cb : callbacks)
    cb();
  std::unique_lock lock(mutex_);
  empty_.wait_for(lock, deadline, [&] { return sessions_.empty(); });
  return sessions_.size();
}

}  // namespace facteur::server
