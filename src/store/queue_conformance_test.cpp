// Conformance tests of the Store's outbound queue (store.hpp "Outbound queue"): every backend
// runs them through the StoreConformance fixture.
#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_conformance_test.hpp"

namespace facteur::store::testing {
namespace {

using ::testing::ElementsAre;

std::string message_of(std::size_t size) {
  std::string m = "From: alice@a.test\r\nSubject: queued\r\n\r\n";
  while (m.size() < size)
    m += fmt::format("line {}\r\n", m.size());
  return m;
}

NewQueueRecipient rcpt(std::string address, unsigned notify = 0) {
  NewQueueRecipient r;
  r.address = std::move(address);
  r.notify = notify;
  return r;
}

Outbound outbound(std::vector<NewQueueEntry> entries, std::string sender = "alice@a.test") {
  Outbound o;
  o.envelope.reverse_path = std::move(sender);
  o.envelope.envid = "env-1";
  o.envelope.ret = 2;
  o.envelope.submitter = "alice@a.test";
  o.envelope.arrival = 1'700'000'000;
  o.entries = std::move(entries);
  o.first_attempt = 1'700'000'000;
  return o;
}

std::string read_blob(BlobReader& reader) {
  auto view = reader.view();
  EXPECT_TRUE(view);
  return view ? std::string(*view) : std::string();
}

}  // namespace

// One entry per destination domain, the recipients and envelope kept as given (RFC 3461
// parameters included), the blob shared with the local copy of the same delivery.
TEST_P(StoreConformance, DeliveryQueuesOneEntryPerDomainBesideLocalCopies) {
  auto bob = make_account("bob@a.test");
  auto content = message_of(300);
  auto d = delivery(content, {to(bob.id)});
  NewQueueRecipient with_orcpt = rcpt("carol@b.test", 2 | 4);
  with_orcpt.orcpt_type = "rfc822";
  with_orcpt.orcpt = "carol@b.test";
  d.outbound =
      outbound({{"b.test", {with_orcpt, rcpt("dave@b.test")}}, {"c.test", {rcpt("e@c.test")}}});
  auto receipt = store_->deliver_and_wait(std::move(d));
  ASSERT_TRUE(receipt) << receipt.error().message;
  ASSERT_EQ(receipt->queued.size(), 2u);
  ASSERT_TRUE(receipt->targets[0]);

  auto queue = store_->list_queue();
  ASSERT_TRUE(queue) << queue.error().message;
  ASSERT_EQ(queue->size(), 2u);
  const auto& b = (*queue)[0].domain == "b.test" ? (*queue)[0] : (*queue)[1];
  const auto& c = (*queue)[0].domain == "b.test" ? (*queue)[1] : (*queue)[0];
  EXPECT_EQ(b.domain, "b.test");
  EXPECT_EQ(c.domain, "c.test");
  EXPECT_EQ(b.message, c.message);  // one message, shared
  EXPECT_EQ(b.blob, receipt->blob);
  EXPECT_EQ(b.size, content.size());
  EXPECT_EQ(b.envelope.reverse_path, "alice@a.test");
  EXPECT_EQ(b.envelope.envid, "env-1");
  EXPECT_EQ(b.envelope.ret, 2);
  EXPECT_EQ(b.envelope.submitter, "alice@a.test");
  EXPECT_EQ(b.envelope.arrival, 1'700'000'000);
  EXPECT_EQ(b.next_attempt, 1'700'000'000);
  EXPECT_EQ(b.attempts, 0u);
  ASSERT_EQ(b.recipients.size(), 2u);
  EXPECT_EQ(b.recipients[0].address, "carol@b.test");
  EXPECT_EQ(b.recipients[0].notify, 6u);
  EXPECT_EQ(b.recipients[0].orcpt_type, "rfc822");
  EXPECT_EQ(b.recipients[0].orcpt, "carol@b.test");
  EXPECT_EQ(b.recipients[1].address, "dave@b.test");
  EXPECT_EQ(b.recipients[1].orcpt_type, "");

  auto reader = store_->open_queue_message(b.id);
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ(read_blob(**reader), content);
  EXPECT_EQ(read_all(receipt->targets[0]->mailbox, receipt->targets[0]->uid), content);
}

// A delivery with only remote recipients stores the blob for the queue alone; small and big
// (file) blobs both.
TEST_P(StoreConformance, QueueOnlyDeliveryKeepsTheBlob) {
  for (std::size_t size : {200u, 300'000u}) {
    auto content = message_of(size);
    auto d = delivery(content, {});
    d.outbound = outbound({{"b.test", {rcpt("x@b.test")}}});
    auto receipt = store_->deliver_and_wait(std::move(d));
    ASSERT_TRUE(receipt) << receipt.error().message;
    ASSERT_EQ(receipt->queued.size(), 1u);
    EXPECT_NE(receipt->blob, 0);
    auto reader = store_->open_queue_message(receipt->queued[0]);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ(read_blob(**reader), content);
    ASSERT_TRUE(store_->delete_queue_entry(receipt->queued[0]));
  }
  auto queue = store_->list_queue();
  ASSERT_TRUE(queue);
  EXPECT_TRUE(queue->empty());
}

// The queue and the local copies share the blob: expunging the copy keeps the queued bytes,
// finishing the queue entry keeps the copy's.
TEST_P(StoreConformance, SharedBlobOutlivesEitherUser) {
  auto bob = make_account("bob@a.test");
  auto content = message_of(100'000);
  auto d = delivery(content, {to(bob.id)});
  d.outbound = outbound({{"b.test", {rcpt("x@b.test")}}});
  auto receipt = store_->deliver_and_wait(std::move(d));
  ASSERT_TRUE(receipt);
  auto copy = *receipt->targets[0];
  Uid uids[] = {copy.uid};
  ASSERT_TRUE(store_->expunge(copy.mailbox, uids));
  auto reader = store_->open_queue_message(receipt->queued[0]);
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ(read_blob(**reader), content);

  auto d2 = delivery(content, {to(bob.id)});
  d2.outbound = outbound({{"b.test", {rcpt("y@b.test")}}});
  auto receipt2 = store_->deliver_and_wait(std::move(d2));
  ASSERT_TRUE(receipt2);
  auto entry = store_->get_queue_entry(receipt2->queued[0]);
  ASSERT_TRUE(entry);
  QueueAttempt done;
  done.entry = entry->id;
  done.done = {entry->recipients[0].id};
  ASSERT_TRUE(store_->record_queue_attempt(done));
  EXPECT_EQ(store_->get_queue_entry(entry->id).error().code, Errc::not_found);
  EXPECT_EQ(read_all(receipt2->targets[0]->mailbox, receipt2->targets[0]->uid), content);
}

// An attempt removes the recipients that are done, keeps the others with their errors and the
// new schedule; the last recipient takes the entry with it.
TEST_P(StoreConformance, QueueAttemptsUpdateAndFinishEntries) {
  auto d = delivery(message_of(200), {});
  d.outbound = outbound({{"b.test", {rcpt("a@b.test"), rcpt("b@b.test"), rcpt("c@b.test")}}});
  auto receipt = store_->deliver_and_wait(std::move(d));
  ASSERT_TRUE(receipt);
  auto id = receipt->queued[0];
  auto entry = store_->get_queue_entry(id);
  ASSERT_TRUE(entry);
  ASSERT_EQ(entry->recipients.size(), 3u);

  QueueAttempt first;
  first.entry = id;
  first.done = {entry->recipients[0].id};
  first.errors = {{entry->recipients[1].id, "451 4.3.0 try later"}};
  first.last_error = "";
  first.attempted_at = 1'700'000'100;
  first.next_attempt = 1'700'000'400;
  first.delay_notified = true;
  ASSERT_TRUE(store_->record_queue_attempt(first));
  entry = store_->get_queue_entry(id);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->attempts, 1u);
  EXPECT_EQ(entry->last_attempt, 1'700'000'100);
  EXPECT_EQ(entry->next_attempt, 1'700'000'400);
  EXPECT_TRUE(entry->delay_notified);
  ASSERT_EQ(entry->recipients.size(), 2u);
  EXPECT_EQ(entry->recipients[0].address, "b@b.test");
  EXPECT_EQ(entry->recipients[0].last_error, "451 4.3.0 try later");
  EXPECT_EQ(entry->recipients[1].address, "c@b.test");

  // Connection trouble: nothing done, the entry-wide error recorded, not counted if asked.
  QueueAttempt second;
  second.entry = id;
  second.last_error = "connection refused";
  second.next_attempt = 1'700'000'900;
  second.count_attempt = false;
  ASSERT_TRUE(store_->record_queue_attempt(second));
  entry = store_->get_queue_entry(id);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->attempts, 1u);
  EXPECT_EQ(entry->last_error, "connection refused");
  EXPECT_TRUE(entry->delay_notified);  // never cleared

  QueueAttempt last;
  last.entry = id;
  last.done = {entry->recipients[0].id, entry->recipients[1].id};
  ASSERT_TRUE(store_->record_queue_attempt(last));
  EXPECT_EQ(store_->get_queue_entry(id).error().code, Errc::not_found);
  EXPECT_EQ(store_->open_queue_message(id).error().code, Errc::not_found);
  EXPECT_EQ(store_->record_queue_attempt(last).error().code, Errc::not_found);
}

// Due entries come first by next_attempt; the query bounds and limits them; reschedule and
// delete work by id, and a deleted entry leaves its siblings of the same message alone.
TEST_P(StoreConformance, QueueListingRescheduleAndDelete) {
  std::vector<QueueEntryId> ids;
  for (int i = 0; i < 3; ++i) {
    auto d = delivery(message_of(200), {});
    auto o = outbound({{fmt::format("d{}.test", i), {rcpt(fmt::format("x@d{}.test", i))}}});
    o.first_attempt = 1000 - i * 100;  // 1000, 900, 800
    d.outbound = std::move(o);
    auto receipt = store_->deliver_and_wait(std::move(d));
    ASSERT_TRUE(receipt);
    ids.push_back(receipt->queued[0]);
  }
  QueueQuery due;
  due.due_before = 900;
  auto listed = store_->list_queue(due);
  ASSERT_TRUE(listed);
  std::vector<QueueEntryId> got;
  for (const auto& e : *listed)
    got.push_back(e.id);
  EXPECT_THAT(got, ElementsAre(ids[2], ids[1]));
  due.limit = 1;
  listed = store_->list_queue(due);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, ids[2]);

  ASSERT_TRUE(store_->reschedule_queue_entry(ids[0], 10));
  listed = store_->list_queue();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].id, ids[0]);
  EXPECT_EQ(store_->reschedule_queue_entry(9999, 10).error().code, Errc::not_found);
  EXPECT_EQ(store_->delete_queue_entry(9999).error().code, Errc::not_found);

  auto d = delivery(message_of(200), {});
  d.outbound = outbound({{"p.test", {rcpt("x@p.test")}}, {"q.test", {rcpt("x@q.test")}}});
  auto receipt = store_->deliver_and_wait(std::move(d));
  ASSERT_TRUE(receipt);
  ASSERT_TRUE(store_->delete_queue_entry(receipt->queued[0]));
  auto sibling = store_->open_queue_message(receipt->queued[1]);
  ASSERT_TRUE(sibling) << sibling.error().message;
  EXPECT_EQ(read_blob(**sibling), message_of(200));
}

// The queue survives closing and reopening the store (the daemon's restart).
TEST_P(StoreConformance, QueueIsDurableAcrossReopen) {
  auto d = delivery(message_of(70'000), {});
  d.outbound = outbound({{"b.test", {rcpt("x@b.test", 8)}}});
  auto receipt = store_->deliver_and_wait(std::move(d));
  ASSERT_TRUE(receipt);
  reopen();
  auto entry = store_->get_queue_entry(receipt->queued[0]);
  ASSERT_TRUE(entry) << entry.error().message;
  ASSERT_EQ(entry->recipients.size(), 1u);
  EXPECT_EQ(entry->recipients[0].notify, 8u);
  auto reader = store_->open_queue_message(entry->id);
  ASSERT_TRUE(reader);
  EXPECT_EQ(read_blob(**reader), message_of(70'000));
}

// An entry without recipients is refused and nothing of the delivery is kept.
TEST_P(StoreConformance, QueueEntryWithoutRecipientsIsRefused) {
  auto d = delivery(message_of(200), {});
  d.outbound = outbound({{"b.test", {}}});
  auto receipt = store_->deliver_and_wait(std::move(d));
  ASSERT_FALSE(receipt);
  EXPECT_EQ(receipt.error().code, Errc::invalid_argument);
  auto queue = store_->list_queue();
  ASSERT_TRUE(queue);
  EXPECT_TRUE(queue->empty());
}

}  // namespace facteur::store::testing
