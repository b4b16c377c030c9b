// Conformance tests of the Store's full-text search (store.hpp "full-text search") and of the
// RFC 9051 §6.3.6 INBOX rename: every backend runs them through the StoreConformance fixture.
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_conformance_test.hpp"

namespace facteur::store::testing {
namespace {

using ::testing::ElementsAre;

SearchText text_of(std::string from, std::string subject, std::string body) {
  SearchText t;
  t.from = std::move(from);
  t.subject = std::move(subject);
  t.headers = "Message-ID: <x@y>\n";
  t.body = std::move(body);
  return t;
}

// Delivers a small message with `text` (or none) to the INBOX of `account`; returns its UID.
Uid deliver_text(Store& store, AccountId account, std::optional<SearchText> text) {
  static int n = 0;
  Delivery d;
  d.blob = store.new_blob_writer();
  EXPECT_TRUE(d.blob->append(fmt::format("Subject: m{}\r\n\r\nbody\r\n", ++n)));
  d.metadata.envelope = "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";
  d.metadata.body_structure = "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 6 1 NIL NIL NIL NIL)";
  d.search_text = std::move(text);
  DeliveryTarget t;
  t.account = account;
  d.targets.push_back(t);
  auto receipt = store.deliver_and_wait(std::move(d));
  EXPECT_TRUE(receipt && receipt->targets[0]);
  return receipt && receipt->targets[0] ? receipt->targets[0]->uid : 0;
}

}  // namespace

TEST_P(StoreConformance, CandidatesAreASupersetNarrowedByTrigrams) {
  auto account = make_account("sam@example.org");
  auto box = inbox(account.id);
  Uid a = deliver_text(*store_, account.id,
                       text_of("Ann <ann@a.test>", "Lunch", "Hello World, see you"));
  Uid b = deliver_text(*store_, account.id, text_of("Bob <bob@b.test>", "hello", "nothing here"));
  Uid c = deliver_text(*store_, account.id, text_of("Cy <cy@c.test>", "Report", "say HELLO again"));
  Uid d = deliver_text(*store_, account.id, std::nullopt);  // unindexed: always a candidate

  auto body = store_->search_candidates(box.id, TextField::body, "hello");
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_THAT(*body, ElementsAre(a, c, d));  // case-insensitive, body column only
  auto any = store_->search_candidates(box.id, TextField::any, "hello");
  ASSERT_TRUE(any);
  EXPECT_THAT(*any, ElementsAre(a, b, c, d));
  auto from = store_->search_candidates(box.id, TextField::from, "bob@b");
  ASSERT_TRUE(from);
  EXPECT_THAT(*from, ElementsAre(b, d));
  // A substring across a word boundary (IMAP SEARCH is substring, not word, matching).
  auto across = store_->search_candidates(box.id, TextField::body, "lo wor");
  ASSERT_TRUE(across);
  EXPECT_THAT(*across, ElementsAre(a, d));
  auto none = store_->search_candidates(box.id, TextField::body, "zebra");
  ASSERT_TRUE(none);
  EXPECT_THAT(*none, ElementsAre(d));
  // Too short to narrow: every message.
  auto short_needle = store_->search_candidates(box.id, TextField::body, "he");
  ASSERT_TRUE(short_needle);
  EXPECT_THAT(*short_needle, ElementsAre(a, b, c, d));
  // Quotes and FTS5 syntax in the needle are data, not query syntax.
  auto quoted = store_->search_candidates(box.id, TextField::body, "\"OR\" NOT *");
  ASSERT_TRUE(quoted) << quoted.error().message;
  EXPECT_THAT(*quoted, ElementsAre(d));
  // Other mailboxes are not searched.
  auto sent = store_->find_mailbox(account.id, "Sent");
  ASSERT_TRUE(sent);
  auto other = store_->search_candidates(sent->id, TextField::any, "hello");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());
}

TEST_P(StoreConformance, SearchTextsComeBackPerMessage) {
  auto account = make_account("tia@example.org");
  auto box = inbox(account.id);
  Uid a = deliver_text(*store_, account.id, text_of("Ann", "Lunch", "Grüße aus Köln"));
  Uid b = deliver_text(*store_, account.id, std::nullopt);
  std::vector<Uid> uids{b, a, 999};
  auto texts = store_->load_search_texts(box.id, uids);
  ASSERT_TRUE(texts) << texts.error().message;
  ASSERT_EQ(texts->size(), 3u);
  EXPECT_FALSE((*texts)[0]);
  ASSERT_TRUE((*texts)[1]);
  EXPECT_EQ((*texts)[1]->body, "Grüße aus Köln");
  EXPECT_EQ((*texts)[1]->subject, "Lunch");
  EXPECT_FALSE((*texts)[2]);
  // Non-ASCII needles narrow too.
  auto k = store_->search_candidates(box.id, TextField::body, "Köln");
  ASSERT_TRUE(k);
  EXPECT_THAT(*k, ElementsAre(a, b));
}

TEST_P(StoreConformance, ExpungedMessagesLeaveTheIndex) {
  auto account = make_account("uma@example.org");
  auto box = inbox(account.id);
  Uid a = deliver_text(*store_, account.id, text_of("Ann", "x", "unique-marker-text"));
  std::vector<Uid> gone{a};
  ASSERT_TRUE(store_->expunge(box.id, gone));
  auto c = store_->search_candidates(box.id, TextField::body, "unique-marker");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->empty());
}

// RFC 9051 §6.3.6: renaming INBOX moves its messages into a new mailbox; INBOX stays, empty.
TEST_P(StoreConformance, RenamingInboxMovesItsMessages) {
  auto account = make_account("val@example.org");
  auto box = inbox(account.id);
  deliver_text(*store_, account.id, text_of("Ann", "one", "first"));
  deliver_text(*store_, account.id, text_of("Ann", "two", "second"));
  auto child = store_->create_mailbox(account.id, "INBOX/child");
  ASSERT_TRUE(child);
  ASSERT_TRUE(store_->rename_mailbox(box.id, "Old Mail"));
  auto old = store_->find_mailbox(account.id, "Old Mail");
  ASSERT_TRUE(old);
  EXPECT_NE(old->id, box.id);
  EXPECT_EQ(old->messages, 2u);
  auto moved = store_->list_messages(old->id);
  ASSERT_TRUE(moved);
  ASSERT_EQ(moved->size(), 2u);
  EXPECT_EQ((*moved)[0].uid, 1u);
  auto still = inbox(account.id);
  EXPECT_EQ(still.id, box.id);
  EXPECT_EQ(still.messages, 0u);
  EXPECT_EQ(still.uid_validity, box.uid_validity);
  EXPECT_TRUE(store_->find_mailbox(account.id, "INBOX/child"));  // children keep their names
  auto log = store_->expunged_since(box.id, 0);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->size(), 2u);  // sessions with INBOX selected see the messages go
  // The moved messages keep their search text.
  auto c = store_->search_candidates(old->id, TextField::body, "second");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->size(), 1u);
  EXPECT_EQ(store_->rename_mailbox(box.id, "Old Mail").error().code, Errc::already_exists);
  EXPECT_EQ(store_->rename_mailbox(box.id, "INBOX/sub").error().code, Errc::invalid_argument);
  // An empty INBOX renames to an empty mailbox.
  ASSERT_TRUE(store_->rename_mailbox(box.id, "Empty"));
  auto empty = store_->find_mailbox(account.id, "Empty");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->messages, 0u);
}

}  // namespace facteur::store::testing
