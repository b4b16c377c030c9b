// MailboxNotifier: one store subscription for all IMAP sessions, fanned out by mailbox. A
// session watches the mailbox it has selected; a commit that changes it (delivery, APPEND,
// flags, expunge, rename, delete) calls the session's callback, which posts to the session's
// executor (an IDLE client then gets "* N EXISTS" at once). Cost per commit: the watchers of
// the mailboxes it touched, not every session.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "store/store.hpp"

namespace facteur::server {

class MailboxNotifier {
 public:
  // Runs on the store's committer thread: keep it short (post to an executor).
  using Callback = std::function<void(const store::ChangeEvent&)>;

  explicit MailboxNotifier(store::Store& store);
  ~MailboxNotifier();
  MailboxNotifier(const MailboxNotifier&) = delete;
  MailboxNotifier& operator=(const MailboxNotifier&) = delete;

  // Unregisters when destroyed; after the destructor returns the callback is not running and
  // will not run again.
  class Watch {
   public:
    Watch(MailboxNotifier& owner, store::MailboxId mailbox, std::uint64_t id)
        : owner_(&owner), mailbox_(mailbox), id_(id) {}
    ~Watch() { owner_->remove(mailbox_, id_); }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    MailboxNotifier* owner_;
    store::MailboxId mailbox_;
    std::uint64_t id_;
  };

  std::unique_ptr<Watch> watch(store::MailboxId mailbox, Callback callback);
  std::size_t watchers() const;

 private:
  void publish(const store::ChangeEvent& event);
  void remove(store::MailboxId mailbox, std::uint64_t id);

  mutable std::mutex mutex_;  // held while callbacks run (they only post)
  std::uint64_t next_id_ = 1;
  std::unordered_map<store::MailboxId, std::unordered_map<std::uint64_t, Callback>> watchers_;
  std::unique_ptr<store::Subscription> subscription_;  // last: unsubscribed first
};

}  // namespace facteur::server
