#include "server/imap_notifier.hpp"

namespace facteur::server {

MailboxNotifier::MailboxNotifier(store::Store& store) {
  subscription_ = store.subscribe([this](const store::ChangeEvent& event) { publish(event); });
}

MailboxNotifier::~MailboxNotifier() {
  subscription_.reset();  // waits for a publish() in progress
}

std::unique_ptr<MailboxNotifier::Watch> MailboxNotifier::watch(store::MailboxId mailbox,
                                                               Callback callback) {
  std::lock_guard lock(mutex_);
  auto id = next_id_++;
  watchers_[mailbox].emplace(id, std::move(callback));
  return std::make_unique<Watch>(*this, mailbox, id);
}

std::size_t MailboxNotifier::watchers() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [mailbox, list] : watchers_)
    n += list.size();
  return n;
}

void MailboxNotifier::publish(const store::ChangeEvent& event) {
  if (event.mailbox == 0) return;  // account-level: no session watches those
  std::lock_guard lock(mutex_);
  auto it = watchers_.find(event.mailbox);
  if (it == watchers_.end()) return;
  for (const auto& [id, callback] : it->second)
    callback(event);
}

void MailboxNotifier::remove(store::MailboxId mailbox, std::uint64_t id) {
  std::lock_guard lock(mutex_);
  auto it = watchers_.find(mailbox);
  if (it == watchers_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) watchers_.erase(it);
}

}  // namespace facteur::server
