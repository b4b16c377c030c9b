// MailboxNotifier: store change events reach the watchers of that mailbox only.
#include "server/imap_notifier.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.hpp"

namespace facteur::server {
namespace {

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/facteur-notifier-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    store::Options o;
    o.durable = false;
    auto s = store::open_sqlite_store(dir_, o);
    ASSERT_TRUE(s);
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

template <class F>
bool eventually(F f) {
  for (int i = 0; i < 200 && !f(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return f();
}

TEST_F(NotifierTest, EventsReachOnlyTheWatchersOfTheirMailbox) {
  auto account = store_->create_account({"n@example.org", {}, {}, 0, 0});
  ASSERT_TRUE(account);
  auto inbox = store_->find_mailbox(account->id, "INBOX");
  auto sent = store_->find_mailbox(account->id, "Sent");
  ASSERT_TRUE(inbox && sent);
  MailboxNotifier notifier(*store_);
  std::atomic<int> inbox_events{0}, sent_events{0};
  auto w1 = notifier.watch(inbox->id, [&](const store::ChangeEvent&) { ++inbox_events; });
  auto w2 = notifier.watch(sent->id, [&](const store::ChangeEvent&) { ++sent_events; });
  EXPECT_EQ(notifier.watchers(), 2u);

  store::Delivery d;
  d.blob = store_->new_blob_writer();
  ASSERT_TRUE(d.blob->append("Subject: x\r\n\r\nhi\r\n"));
  store::DeliveryTarget t;
  t.account = account->id;
  d.targets.push_back(t);
  ASSERT_TRUE(store_->deliver_and_wait(std::move(d)));
  EXPECT_TRUE(eventually([&] { return inbox_events.load() == 1; }));
  EXPECT_EQ(sent_events.load(), 0);

  w1.reset();  // no more calls after the watch is gone
  std::vector<store::Uid> uids{1};
  store::FlagChange change;
  change.flags = store::kFlagSeen;
  ASSERT_TRUE(store_->update_flags(inbox->id, uids, change));
  store_->drain();
  EXPECT_EQ(inbox_events.load(), 1);
  EXPECT_EQ(notifier.watchers(), 1u);
}

}  // namespace
}  // namespace facteur::server
