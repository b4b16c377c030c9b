// SessionRegistry: every live session, so a graceful stop (SIGTERM) can ask idle sessions to
// leave while transactions in flight finish. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace facteur::server {

class SessionRegistry {
 public:
  // Called (from the registry's caller thread) when the server stops; the callback must hop to its
  // own executor itself.
  using StopCallback = std::function<void()>;

  class Registration {
   public:
    Registration(SessionRegistry& owner, std::uint64_t id) : owner_(&owner), id_(id) {}
    ~Registration() {
      if (owner_) owner_->remove(id_);
    }
    Registration(Registration&& other) noexcept : owner_(other.owner_), id_(other.id_) {
      other.owner_ = nullptr;
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    Registration& operator=(Registration&&) = delete;

   private:
    SessionRegistry* owner_;
    std::uint64_t id_;
  };

  Registration add(StopCallback on_stop);
  bool stopping() const;

  // Marks the registry stopping, calls every callback, and waits until all sessions are gone or the
  // deadline passes. Returns the number of sessions still alive.
  std::size_t stop_all(std::chrono::steady_clock::duration deadline);
  std::size_t size() const;

 private:
  void remove(std::uint64_t id);

  mutable std::mutex mutex_;
  std::condition_variable empty_;
  std::map<std::uint64_t, StopCallback> sessions_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
};

}  // namespace facteur::server
