// Conformance tests of the Store interface (see store_conformance_test.hpp).
#include "store/store_conformance_test.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace facteur::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// A message whose bytes identify it, so reads can be checked against what was delivered.
std::string make_message(std::string_view tag, std::size_t body_size = 200) {
  std::string m = fmt::format("From: a@example.org\r\nSubject: {}\r\n\r\n", tag);
  while (m.size() < body_size)
    m += fmt::format("{} line {}\r\n", tag, m.size());
  return m;
}

}  // namespace

void StoreConformance::SetUp() {
  char tmpl[] = "/tmp/facteur-store-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  auto store = GetParam().open(dir_, options_);
  ASSERT_TRUE(store) << store.error().message;
  store_ = std::move(*store);
}

void StoreConformance::TearDown() {
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void StoreConformance::reopen(const Options& options) {
  store_.reset();
  options_ = options;
  auto store = GetParam().open(dir_, options_);
  ASSERT_TRUE(store) << store.error().message;
  store_ = std::move(*store);
}

Account StoreConformance::make_account(const std::string& address) {
  auto account = store_->create_account(NewAccount{address, {"$argon2id$x", "scram"}, {}, 0, 0});
  EXPECT_TRUE(account) << account.error().message;
  return account ? *account : Account{};
}

Mailbox StoreConformance::inbox(AccountId account) {
  auto mailbox = store_->find_mailbox(account, "INBOX");
  EXPECT_TRUE(mailbox) << mailbox.error().message;
  return mailbox ? *mailbox : Mailbox{};
}

std::unique_ptr<BlobWriter> StoreConformance::blob(std::string_view content, std::size_t chunk) {
  auto writer = store_->new_blob_writer();
  for (std::size_t i = 0; i < content.size(); i += chunk) {
    EXPECT_TRUE(writer->append(content.substr(i, chunk)));
  }
  return writer;
}

Delivery StoreConformance::delivery(std::string_view content, std::vector<DeliveryTarget> targets) {
  Delivery d;
  d.blob = blob(content);
  d.metadata.envelope = "(NIL \"subject\" NIL NIL NIL NIL NIL NIL NIL NIL)";
  d.metadata.body_structure = "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)";
  d.metadata.part_tree = std::string("\x01\x00\x02", 3);
  d.targets = std::move(targets);
  return d;
}

DeliveryTarget StoreConformance::to(AccountId account, std::string prefix) {
  DeliveryTarget t;
  t.account = account;
  t.header_prefix = std::move(prefix);
  return t;
}

std::vector<DeliveredCopy> StoreConformance::deliver_ok(std::string_view content,
                                                        std::vector<DeliveryTarget> targets) {
  auto receipt = store_->deliver_and_wait(delivery(content, std::move(targets)));
  EXPECT_TRUE(receipt) << receipt.error().message;
  std::vector<DeliveredCopy> copies;
  if (!receipt) return copies;
  for (auto& t : receipt->targets) {
    EXPECT_TRUE(t) << t.error().message;
    if (t) copies.push_back(*t);
  }
  return copies;
}

std::string StoreConformance::read_all(MailboxId mailbox, Uid uid) {
  auto content = store_->open_message(mailbox, uid);
  EXPECT_TRUE(content) << content.error().message;
  if (!content) return {};
  std::string out;
  char buf[7000];  // deliberately not a power of two: reads straddle the prefix boundary
  for (;;) {
    auto n = content->read(out.size(), std::span<char>(buf, sizeof buf));
    EXPECT_TRUE(n);
    if (!n || *n == 0) break;
    out.append(buf, *n);
  }
  EXPECT_EQ(out.size(), content->size());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Accounts

TEST_P(StoreConformance, CreateAccountMakesInboxAndSpecialUseMailboxes) {
  auto account = make_account("alice@example.org");
  auto mailboxes = store_->list_mailboxes(account.id);
  ASSERT_TRUE(mailboxes);
  std::map<std::string, Mailbox> by_name;
  for (const auto& m : *mailboxes)
    by_name[m.name] = m;
  ASSERT_EQ(by_name.size(), 6u);
  // RFC 6154 §2 attributes.
  EXPECT_EQ(by_name["INBOX"].special_use, SpecialUse::none);
  EXPECT_EQ(by_name["Sent"].special_use, SpecialUse::sent);
  EXPECT_EQ(by_name["Drafts"].special_use, SpecialUse::drafts);
  EXPECT_EQ(by_name["Trash"].special_use, SpecialUse::trash);
  EXPECT_EQ(by_name["Junk"].special_use, SpecialUse::junk);
  EXPECT_EQ(by_name["Archive"].special_use, SpecialUse::archive);
  std::set<std::uint32_t> validities;
  for (const auto& [name, m] : by_name) {
    EXPECT_TRUE(m.subscribed) << name;
    EXPECT_EQ(m.uid_next, 1u) << name;
    EXPECT_NE(m.uid_validity, 0u) << name;
    EXPECT_EQ(m.account, account.id);
    EXPECT_EQ(m.messages, 0u);
    validities.insert(m.uid_validity);
  }
  EXPECT_EQ(validities.size(), 6u);
  auto junk = store_->find_special_mailbox(account.id, SpecialUse::junk);
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->name, "Junk");
  EXPECT_EQ(store_->find_special_mailbox(account.id, SpecialUse::all).error().code,
            Errc::not_found);
}

TEST_P(StoreConformance, AccountAddressesAreCanonicalAndLookupsCaseInsensitive) {
  auto account = make_account("Bob.Smith@Example.COM");
  EXPECT_EQ(account.address, "Bob.Smith@example.com");
  for (const char* lookup :
       {"Bob.Smith@example.com", "bob.smith@EXAMPLE.com", "BOB.SMITH@Example.Com"}) {
    auto found = store_->find_account(lookup);
    ASSERT_TRUE(found) << lookup;
    EXPECT_EQ(found->id, account.id);
  }
  auto duplicate = store_->create_account(NewAccount{"bob.smith@example.com", {}, {}, 0, 0});
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, Errc::already_exists);
  for (const char* bad :
       {"no-at-sign", "user@", "@example.com", "us er@example.com", "a\r\n@example.com"}) {
    auto r = store_->create_account(NewAccount{bad, {}, {}, 0, 0});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << bad;
  }
  EXPECT_EQ(store_->find_account("nobody@example.com").error().code, Errc::not_found);
}

TEST_P(StoreConformance, CredentialsApopAndQuotaAreStored) {
  auto created =
      store_->create_account(NewAccount{"carol@example.org",
                                        {"$argon2id$v=19$one", "SCRAM-SHA-256$4096:c2FsdA==$a:b"},
                                        std::string("apop-secret"),
                                        1000,
                                        10});
  ASSERT_TRUE(created);
  EXPECT_EQ(created->credentials.password_hash, "$argon2id$v=19$one");
  EXPECT_EQ(created->credentials.scram_sha256, "SCRAM-SHA-256$4096:c2FsdA==$a:b");
  EXPECT_EQ(created->apop_secret, "apop-secret");
  EXPECT_EQ(created->quota_bytes, 1000u);
  EXPECT_EQ(created->quota_messages, 10u);

  ASSERT_TRUE(store_->set_credentials(created->id, {"$argon2id$two", "scram2"}));
  ASSERT_TRUE(store_->set_apop_secret(created->id, std::nullopt));
  ASSERT_TRUE(store_->set_quota(created->id, 0, 0));
  auto account = store_->get_account(created->id);
  ASSERT_TRUE(account);
  EXPECT_EQ(account->credentials.password_hash, "$argon2id$two");
  EXPECT_EQ(account->credentials.scram_sha256, "scram2");
  EXPECT_FALSE(account->apop_secret.has_value());
  EXPECT_EQ(account->quota_bytes, 0u);
  ASSERT_TRUE(store_->set_apop_secret(created->id, std::string("new")));
  EXPECT_EQ(store_->get_account(created->id)->apop_secret, "new");

  EXPECT_EQ(store_->set_credentials(99999, {}).error().code, Errc::not_found);
  EXPECT_EQ(store_->get_account(99999).error().code, Errc::not_found);
}

TEST_P(StoreConformance, ListAndDeleteAccounts) {
  auto b = make_account("b@example.org");
  auto a = make_account("a@example.org");
  auto list = store_->list_accounts();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].address, "a@example.org");
  EXPECT_EQ((*list)[1].address, "b@example.org");

  // b shares a blob with a; deleting b must not hurt a's copy.
  auto copies =
      deliver_ok(make_message("shared"), {to(a.id, "X-A: 1\r\n"), to(b.id, "X-B: 1\r\n")});
  ASSERT_EQ(copies.size(), 2u);
  ASSERT_TRUE(store_->delete_account(b.id));
  EXPECT_EQ(store_->find_account("b@example.org").error().code, Errc::not_found);
  EXPECT_EQ(store_->get_mailbox(copies[1].mailbox).error().code, Errc::not_found);
  EXPECT_EQ(read_all(copies[0].mailbox, copies[0].uid), "X-A: 1\r\n" + make_message("shared"));
  EXPECT_EQ(store_->delete_account(b.id).error().code, Errc::not_found);
  // The address can be used again, with fresh UIDVALIDITYs.
  auto b2 = make_account("b@example.org");
  EXPECT_NE(b2.id, b.id);
  EXPECT_EQ(inbox(b2.id).messages, 0u);
}

// ---------------------------------------------------------------------------------------------
// Aliases

TEST_P(StoreConformance, AliasesMapToSeveralTargets) {
  std::vector<std::string> targets = {"alice@example.org", "Bob@Remote.Example"};
  ASSERT_TRUE(store_->add_alias("Team@Example.ORG", targets));
  auto alias = store_->find_alias("team@example.org");
  ASSERT_TRUE(alias);
  EXPECT_EQ(alias->address, "Team@example.org");
  EXPECT_THAT(alias->targets, ElementsAre("alice@example.org", "Bob@remote.example"));
  EXPECT_TRUE(store_->find_alias("TEAM@EXAMPLE.ORG"));

  // Adding appends what is missing; duplicates (case-insensitive) are ignored.
  std::vector<std::string> more = {"ALICE@example.org", "carol@example.org"};
  ASSERT_TRUE(store_->add_alias("team@example.org", more));
  EXPECT_THAT(store_->find_alias("team@example.org")->targets,
              ElementsAre("alice@example.org", "Bob@remote.example", "carol@example.org"));

  std::vector<std::string> one = {"bob@remote.example"};
  ASSERT_TRUE(store_->delete_alias("team@example.org", one));
  EXPECT_THAT(store_->find_alias("team@example.org")->targets,
              ElementsAre("alice@example.org", "carol@example.org"));

  std::vector<std::string> catch_all = {"postmaster@example.org"};
  ASSERT_TRUE(store_->add_alias("@Example.NET", catch_all));
  auto list = store_->list_aliases();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].address, "@example.net");
  EXPECT_EQ((*list)[1].address, "Team@example.org");

  ASSERT_TRUE(store_->delete_alias("TEAM@example.org"));
  EXPECT_EQ(store_->find_alias("team@example.org").error().code, Errc::not_found);
  EXPECT_EQ(store_->delete_alias("team@example.org").error().code, Errc::not_found);
  EXPECT_EQ(store_->add_alias("x@example.org", {}).error().code, Errc::invalid_argument);
  std::vector<std::string> bad = {"not an address"};
  EXPECT_EQ(store_->add_alias("x@example.org", bad).error().code, Errc::invalid_argument);
}

TEST_P(StoreConformance, RemovingTheLastTargetRemovesTheAlias) {
  std::vector<std::string> targets = {"a@example.org"};
  ASSERT_TRUE(store_->add_alias("x@example.org", targets));
  ASSERT_TRUE(store_->delete_alias("x@example.org", targets));
  EXPECT_EQ(store_->find_alias("x@example.org").error().code, Errc::not_found);
}

// ---------------------------------------------------------------------------------------------
// Mailboxes

TEST_P(StoreConformance, InboxIsCaseInsensitiveOtherNamesAreNot) {
  auto account = make_account("dave@example.org");
  // RFC 9051 §5.1: INBOX is case-insensitive.
  for (const char* name : {"INBOX", "inbox", "InBoX"}) {
    auto m = store_->find_mailbox(account.id, name);
    ASSERT_TRUE(m) << name;
    EXPECT_EQ(m->name, "INBOX");
  }
  auto work = store_->create_mailbox(account.id, "Work");
  ASSERT_TRUE(work);
  auto child = store_->create_mailbox(account.id, "Work/Projets été");
  ASSERT_TRUE(child);
  EXPECT_EQ(child->name, "Work/Projets été");
  EXPECT_FALSE(child->subscribed);
  EXPECT_TRUE(store_->find_mailbox(account.id, "Work/Projets été"));
  EXPECT_EQ(store_->find_mailbox(account.id, "work").error().code, Errc::not_found);
  auto inbox_child = store_->create_mailbox(account.id, "inbox/Sub");
  ASSERT_TRUE(inbox_child);
  EXPECT_EQ(inbox_child->name, "INBOX/Sub");
  EXPECT_EQ(store_->create_mailbox(account.id, "Work").error().code, Errc::already_exists);
  EXPECT_EQ(store_->create_mailbox(account.id, "Inbox").error().code, Errc::already_exists);
  for (const char* bad : {"", "/lead", "trail/", "a//b", "wild*", "pct%", "ctl\x01"}) {
    auto r = store_->create_mailbox(account.id, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << bad;
  }
  auto spam = store_->create_mailbox(account.id, "Spam", SpecialUse::flagged);
  ASSERT_TRUE(spam);
  EXPECT_EQ(spam->special_use, SpecialUse::flagged);
}

TEST_P(StoreConformance, UidValidityDiffersForEveryIncarnationOfAName) {
  auto account = make_account("erin@example.org");
  auto first = store_->create_mailbox(account.id, "Foo");
  ASSERT_TRUE(first);
  deliver_ok(make_message("m"), {[&] {
               auto t = to(account.id);
               t.mailbox.name = "Foo";
               return t;
             }()});
  ASSERT_TRUE(store_->delete_mailbox(first->id));
  auto second = store_->create_mailbox(account.id, "Foo");
  ASSERT_TRUE(second);
  EXPECT_NE(second->uid_validity, first->uid_validity);
  EXPECT_EQ(second->uid_next, 1u);
  EXPECT_EQ(second->messages, 0u);
}

TEST_P(StoreConformance, RenameMovesChildrenAndKeepsUidValidity) {
  auto account = make_account("fay@example.org");
  auto a = store_->create_mailbox(account.id, "A");
  auto ax = store_->create_mailbox(account.id, "A/x");
  auto ab = store_->create_mailbox(account.id, "AB");
  ASSERT_TRUE(a && ax && ab);
  ASSERT_TRUE(store_->rename_mailbox(a->id, "B"));
  auto b = store_->find_mailbox(account.id, "B");
  auto bx = store_->find_mailbox(account.id, "B/x");
  ASSERT_TRUE(b && bx);
  EXPECT_EQ(b->id, a->id);
  EXPECT_EQ(b->uid_validity, a->uid_validity);
  EXPECT_EQ(bx->id, ax->id);
  EXPECT_TRUE(store_->find_mailbox(account.id, "AB"));  // a sibling with the same prefix stays
  EXPECT_EQ(store_->rename_mailbox(b->id, "AB").error().code, Errc::already_exists);
  EXPECT_EQ(store_->rename_mailbox(b->id, "B/x/y").error().code, Errc::invalid_argument);
  EXPECT_EQ(store_->rename_mailbox(inbox(account.id).id, "AB").error().code, Errc::already_exists);
  EXPECT_EQ(store_->delete_mailbox(inbox(account.id).id).error().code, Errc::invalid_argument);
}

TEST_P(StoreConformance, SubscriptionsAreByName) {
  auto account = make_account("gus@example.org");
  ASSERT_TRUE(store_->set_subscribed(account.id, "Later", true));  // need not exist
  ASSERT_TRUE(store_->set_subscribed(account.id, "Junk", false));
  auto subs = store_->list_subscriptions(account.id);
  ASSERT_TRUE(subs);
  EXPECT_THAT(*subs, ElementsAre("Archive", "Drafts", "INBOX", "Later", "Sent", "Trash"));
  EXPECT_FALSE(store_->find_mailbox(account.id, "Junk")->subscribed);
  auto later = store_->create_mailbox(account.id, "Later");
  ASSERT_TRUE(later);
  EXPECT_TRUE(later->subscribed);
}

// ---------------------------------------------------------------------------------------------
// Delivery and reading

TEST_P(StoreConformance, DeliveredMessageReadsAsPrefixPlusBlob) {
  auto account = make_account("hal@example.org");
  std::string body = make_message("hello", 5000);
  std::string prefix = "Return-Path: <s@example.net>\r\nDelivered-To: hal@example.org\r\n";
  auto d = delivery(body, {to(account.id, prefix)});
  d.internal_date = 1700000000;
  d.metadata.message_id = "id1@example.net";
  d.metadata.subject = "hello";
  auto receipt = store_->deliver_and_wait(std::move(d));
  ASSERT_TRUE(receipt) << receipt.error().message;
  ASSERT_EQ(receipt->targets.size(), 1u);
  ASSERT_TRUE(receipt->targets[0]);
  const auto& copy = *receipt->targets[0];
  EXPECT_EQ(copy.uid, 1u);
  EXPECT_EQ(copy.mailbox, inbox(account.id).id);
  EXPECT_EQ(copy.uid_validity, inbox(account.id).uid_validity);
  EXPECT_NE(receipt->blob, 0);

  EXPECT_EQ(read_all(copy.mailbox, copy.uid), prefix + body);
  auto content = store_->open_message(copy.mailbox, copy.uid);
  ASSERT_TRUE(content);
  EXPECT_EQ(content->prefix(), prefix);
  auto view = content->blob().view();
  ASSERT_TRUE(view);
  EXPECT_EQ(*view, body);

  auto info = store_->get_message(copy.mailbox, copy.uid, true);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, prefix.size() + body.size());
  EXPECT_EQ(info->internal_date, 1700000000);
  EXPECT_GT(info->save_date, 0);
  EXPECT_EQ(info->modseq, copy.modseq);
  EXPECT_EQ(info->email, copy.email);
  EXPECT_EQ(info->blob, receipt->blob);
  EXPECT_NE(info->thread, 0);
  ASSERT_TRUE(info->metadata);
  EXPECT_EQ(info->metadata->envelope, "(NIL \"subject\" NIL NIL NIL NIL NIL NIL NIL NIL)");
  EXPECT_EQ(info->metadata->part_tree, std::string("\x01\x00\x02", 3));
  EXPECT_EQ(info->metadata->message_id, "id1@example.net");
  EXPECT_FALSE(store_->get_message(copy.mailbox, copy.uid)->metadata);

  auto mailbox = inbox(account.id);
  EXPECT_EQ(mailbox.messages, 1u);
  EXPECT_EQ(mailbox.unseen, 1u);
  EXPECT_EQ(mailbox.size, info->size);
  EXPECT_EQ(mailbox.uid_next, 2u);
  EXPECT_EQ(mailbox.highest_modseq, copy.modseq);
  auto acct = store_->get_account(account.id);
  EXPECT_EQ(acct->used_bytes, info->size);
  EXPECT_EQ(acct->used_messages, 1u);
  EXPECT_EQ(store_->open_message(copy.mailbox, 2).error().code, Errc::not_found);
}

TEST_P(StoreConformance, OneBlobIsSharedByAllRecipients) {
  auto a = make_account("ivy@example.org");
  auto b = make_account("jon@example.org");
  std::string body = make_message("shared", 3000);
  auto junk = to(b.id, "Delivered-To: jon@example.org\r\n");
  junk.mailbox.special_use = SpecialUse::junk;
  junk.keywords = {"$Junk"};
  auto receipt =
      store_->deliver_and_wait(delivery(body, {to(a.id, "Delivered-To: ivy@example.org\r\n"),
                                               to(b.id, "Delivered-To: jon\r\n"), junk}));
  ASSERT_TRUE(receipt);
  ASSERT_EQ(receipt->targets.size(), 3u);
  for (const auto& t : receipt->targets)
    ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(receipt->targets[2]->mailbox, store_->find_mailbox(b.id, "Junk")->id);
  std::set<BlobId> blobs;
  std::set<EmailId> emails;
  for (const auto& t : receipt->targets) {
    auto info = store_->get_message(t->mailbox, t->uid);
    ASSERT_TRUE(info);
    blobs.insert(info->blob);
    emails.insert(info->email);
  }
  EXPECT_EQ(blobs, std::set<BlobId>{receipt->blob});
  EXPECT_EQ(emails.size(), 3u);
  EXPECT_EQ(read_all(receipt->targets[0]->mailbox, receipt->targets[0]->uid),
            "Delivered-To: ivy@example.org\r\n" + body);
  EXPECT_EQ(read_all(receipt->targets[1]->mailbox, receipt->targets[1]->uid),
            "Delivered-To: jon\r\n" + body);
  EXPECT_EQ(read_all(receipt->targets[2]->mailbox, receipt->targets[2]->uid),
            "Delivered-To: jon@example.org\r\n" + body);
  EXPECT_THAT(store_->get_message(receipt->targets[2]->mailbox, receipt->targets[2]->uid)->keywords,
              ElementsAre("$Junk"));
}

TEST_P(StoreConformance, TargetFailuresAreReportedPerTarget) {
  auto a = make_account("kim@example.org");
  auto missing_box = to(a.id);
  missing_box.mailbox.name = "Nope";
  missing_box.fallback_to_inbox = false;
  auto fallback = to(a.id);
  fallback.mailbox.name = "Nope";
  auto by_id = to(a.id);
  by_id.mailbox.id = store_->find_mailbox(a.id, "Archive")->id;
  auto receipt = store_->deliver_and_wait(
      delivery(make_message("m"), {to(987654), missing_box, fallback, by_id}));
  ASSERT_TRUE(receipt);
  ASSERT_EQ(receipt->targets.size(), 4u);
  EXPECT_EQ(receipt->targets[0].error().code, Errc::not_found);
  EXPECT_EQ(receipt->targets[1].error().code, Errc::not_found);
  ASSERT_TRUE(receipt->targets[2]);
  EXPECT_EQ(receipt->targets[2]->mailbox, inbox(a.id).id);
  ASSERT_TRUE(receipt->targets[3]);
  EXPECT_EQ(receipt->targets[3]->mailbox, by_id.mailbox.id);

  // Nothing deliverable: nothing stored.
  auto none = store_->deliver_and_wait(delivery(make_message("m"), {to(987654)}));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->blob, 0);
  EXPECT_FALSE(none->targets[0]);
}

TEST_P(StoreConformance, QuotaIsEnforcedPerTarget) {
  auto small = store_->create_account(NewAccount{"lea@example.org", {}, {}, 1000, 0});
  auto big = make_account("max@example.org");
  ASSERT_TRUE(small);
  std::string body = make_message("q", 600);
  deliver_ok(body, {to(small->id)});
  auto receipt = store_->deliver_and_wait(delivery(body, {to(small->id), to(big.id)}));
  ASSERT_TRUE(receipt);
  ASSERT_FALSE(receipt->targets[0]);
  EXPECT_EQ(receipt->targets[0].error().code, Errc::limit_exceeded);  // RFC 9208 §5.1 STORAGE
  EXPECT_TRUE(receipt->targets[1]);
  auto forced = to(small->id);
  forced.enforce_quota = false;
  auto r2 = store_->deliver_and_wait(delivery(body, {forced}));
  ASSERT_TRUE(r2);
  EXPECT_TRUE(r2->targets[0]);
  ASSERT_TRUE(store_->set_quota(big.id, 0, 1));
  auto r3 = store_->deliver_and_wait(delivery(body, {to(big.id)}));
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->targets[0].error().code, Errc::limit_exceeded);  // MESSAGE limit
}

TEST_P(StoreConformance, MessageLargerThanTheWholeQuotaIsTooLarge) {
  // A full mailbox is a temporary condition (the user can delete); a copy larger than the whole
  // quota never fits: the SMTP layer answers 552 5.2.2 for one and 452 4.2.2 for the other.
  auto small = store_->create_account(NewAccount{"ida@example.org", {}, {}, 1000, 0});
  ASSERT_TRUE(small);
  auto receipt = store_->deliver_and_wait(delivery(make_message("big", 1200), {to(small->id)}));
  ASSERT_TRUE(receipt);
  ASSERT_FALSE(receipt->targets[0]);
  EXPECT_EQ(receipt->targets[0].error().code, Errc::too_large);
  EXPECT_EQ(receipt->blob, 0);
  // The copy's size counts its header prefix: a blob that fits alone but not with it is too
  // large as well.
  auto near = delivery(make_message("near", 900), {to(small->id)});
  near.targets[0].header_prefix = std::string(200, 'x') + "\r\n";
  auto r2 = store_->deliver_and_wait(std::move(near));
  ASSERT_TRUE(r2);
  ASSERT_FALSE(r2->targets[0]);
  EXPECT_EQ(r2->targets[0].error().code, Errc::too_large);
  // Within the quota it is stored.
  auto r3 = store_->deliver_and_wait(delivery(make_message("fits", 500), {to(small->id)}));
  ASSERT_TRUE(r3);
  EXPECT_TRUE(r3->targets[0]);
}

TEST_P(StoreConformance, LargeMessageIsSpilledAndStreamed) {
  auto account = make_account("ned@example.org");
  std::string body = make_message("big", 3 * 1024 * 1024 + 17);
  auto writer = blob(body, 65536);
  EXPECT_TRUE(writer->spilled());
  auto whole = writer->finish();
  ASSERT_TRUE(whole);
  EXPECT_EQ(*whole, body);
  const std::string prefix = "Delivered-To: ned@example.org\r\n";
  Delivery d = delivery("", {to(account.id, prefix)});
  d.blob = std::move(writer);
  auto receipt = store_->deliver_and_wait(std::move(d));
  ASSERT_TRUE(receipt) << receipt.error().message;
  ASSERT_TRUE(receipt->targets[0]);
  auto content = store_->open_message(receipt->targets[0]->mailbox, receipt->targets[0]->uid);
  ASSERT_TRUE(content);
  EXPECT_EQ(content->size(), body.size() + prefix.size());
  // Partial reads (IMAP BODY[]<offset.length>) at arbitrary offsets.
  char buf[100];
  auto n = content->read(20, std::span<char>(buf, sizeof buf));
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, sizeof buf);
  EXPECT_EQ(std::string_view(buf, *n), (prefix + body).substr(20, 100));
  n = content->read(content->size() - 10, std::span<char>(buf, sizeof buf));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 10u);
  EXPECT_EQ(std::string_view(buf, 10), body.substr(body.size() - 10));
  auto view = content->blob().view();
  ASSERT_TRUE(view);
  EXPECT_TRUE(*view == body);
}

TEST_P(StoreConformance, AbandonedBlobWriterRemovesItsSpillFile) {
  auto writer = store_->new_blob_writer();
  std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 8; ++i)
    ASSERT_TRUE(writer->append(chunk));
  ASSERT_TRUE(writer->spilled());
  auto path = writer->spill_path();
  EXPECT_TRUE(std::filesystem::exists(path));
  writer.reset();
  EXPECT_FALSE(std::filesystem::exists(path));
  // A small one never touches the disk.
  auto small = store_->new_blob_writer();
  ASSERT_TRUE(small->append("hello"));
  EXPECT_FALSE(small->spilled());
  EXPECT_EQ(*small->finish(), "hello");
  EXPECT_EQ(small->append("more").error().code, Errc::invalid_argument);
}

TEST_P(StoreConformance, DeliveryCallbackRunsLaterOnAnotherThread) {
  auto account = make_account("oli@example.org");
  std::promise<std::thread::id> where;
  store_->deliver(delivery(make_message("cb"), {to(account.id)}),
                  [&where](Result<DeliveryReceipt> r) {
                    EXPECT_TRUE(r);
                    where.set_value(std::this_thread::get_id());
                  });
  EXPECT_NE(where.get_future().get(), std::this_thread::get_id());
}

TEST_P(StoreConformance, ConcurrentDeliveriesGetUniqueAscendingUids) {
  auto a = make_account("pam@example.org");
  auto b = make_account("quinn@example.org");
  constexpr int kThreads = 20;
  constexpr int kPerThread = 25;
  std::mutex mutex;
  std::map<Uid, std::string> delivered;  // uid in a's INBOX -> tag
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Uid last = 0;
      for (int i = 0; i < kPerThread; ++i) {
        std::string tag = fmt::format("t{}-{}", t, i);
        // Some messages spill to files so batches mix inline and file blobs.
        std::size_t size = (i % 10 == 9) ? 300 * 1024 : 2000;
        auto receipt = store_->deliver_and_wait(
            delivery(make_message(tag, size), {to(a.id, tag + "\r\n"), to(b.id)}));
        if (!receipt || !receipt->targets[0] || !receipt->targets[1]) {
          ++failures;
          continue;
        }
        Uid uid = receipt->targets[0]->uid;
        if (uid <= last) ++failures;  // one thread's deliveries ascend
        last = uid;
        std::lock_guard lock(mutex);
        if (!delivered.emplace(uid, tag).second) ++failures;  // never handed out twice
      }
    });
  }
  for (auto& th : threads)
    th.join();
  ASSERT_EQ(failures.load(), 0);
  constexpr Uid kTotal = kThreads * kPerThread;
  ASSERT_EQ(delivered.size(), kTotal);
  EXPECT_EQ(delivered.begin()->first, 1u);
  EXPECT_EQ(delivered.rbegin()->first, kTotal);
  auto box = inbox(a.id);
  EXPECT_EQ(box.uid_next, kTotal + 1);
  EXPECT_EQ(box.messages, kTotal);
  auto list = store_->list_messages(box.id);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), kTotal);
  ModSeq previous_modseq = 0;
  std::set<ModSeq> modseqs;
  for (std::size_t i = 0; i < list->size(); ++i) {
    EXPECT_EQ((*list)[i].uid, i + 1);
    modseqs.insert((*list)[i].modseq);
    // UIDs were assigned in commit order, so modseqs ascend with them.
    EXPECT_GT((*list)[i].modseq, previous_modseq);
    previous_modseq = (*list)[i].modseq;
  }
  for (Uid uid : {Uid{1}, Uid{kTotal / 2}, kTotal}) {
    const auto& tag = delivered[uid];
    std::size_t size = tag.ends_with("-9") || tag.ends_with("-19") ? 300 * 1024 : 2000;
    EXPECT_EQ(read_all(box.id, uid), tag + "\r\n" + make_message(tag, size));
  }
  EXPECT_EQ(inbox(b.id).messages, kTotal);
}

TEST_P(StoreConformance, ListMessagesFiltersByUidAndModseq) {
  auto account = make_account("ray@example.org");
  for (int i = 0; i < 5; ++i)
    deliver_ok(make_message(fmt::format("m{}", i)), {to(account.id)});
  auto box = inbox(account.id);
  MessageQuery q;
  q.min_uid = 2;
  q.max_uid = 4;
  auto range = store_->list_messages(box.id, q);
  ASSERT_TRUE(range);
  ASSERT_EQ(range->size(), 3u);
  EXPECT_EQ(range->front().uid, 2u);
  MessageQuery changed;
  changed.changed_since = (*range)[1].modseq;  // RFC 7162 §3.1.4.1 CHANGEDSINCE
  auto since = store_->list_messages(box.id, changed);
  ASSERT_TRUE(since);
  ASSERT_EQ(since->size(), 2u);
  EXPECT_EQ((*since)[0].uid, 4u);
  MessageQuery limited;
  limited.limit = 2;
  limited.with_metadata = true;
  auto first = store_->list_messages(box.id, limited);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_TRUE((*first)[0].metadata);
  // Only the parts asked for are filled; the same values as a full read.
  auto full = store_->get_message(box.id, 3, true);
  ASSERT_TRUE(full && full->metadata);
  ASSERT_FALSE(full->metadata->part_tree.empty());
  MessageQuery some;
  some.min_uid = some.max_uid = 3;
  some.with_metadata = true;
  some.metadata_parts = kMetadataEnvelope | kMetadataBodyStructure;
  auto partial = store_->list_messages(box.id, some);
  ASSERT_TRUE(partial);
  ASSERT_EQ(partial->size(), 1u);
  const auto& md = (*partial)[0].metadata;
  ASSERT_TRUE(md);
  EXPECT_EQ(md->envelope, full->metadata->envelope);
  EXPECT_EQ(md->body_structure, full->metadata->body_structure);
  EXPECT_TRUE(md->body.empty());
  EXPECT_TRUE(md->part_tree.empty());
  EXPECT_TRUE(md->subject.empty());
  EXPECT_EQ((*partial)[0].uid, 3u);
  EXPECT_EQ((*partial)[0].size, full->size);
}

// The SELECT snapshot agrees with list_messages: the same UIDs in order, the position of the
// first unseen message (RFC 9051 §7.1 UNSEEN of RFC 3501 §7.1), every keyword in use once.
TEST_P(StoreConformance, SnapshotHasUidsFirstUnseenAndKeywords) {
  auto account = make_account("snap@example.org");
  auto box = inbox(account.id);
  auto empty = store_->snapshot_mailbox(box.id);
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_TRUE(empty->uids.empty());
  EXPECT_EQ(empty->first_unseen, 0u);
  EXPECT_TRUE(empty->keywords.empty());
  for (int i = 0; i < 6; ++i)
    deliver_ok(make_message(fmt::format("m{}", i)), {to(account.id)});
  std::vector<Uid> seen = {1, 2, 4};
  ASSERT_TRUE(store_->update_flags(box.id, seen, FlagChange{FlagOp::add, kFlagSeen, {}, {}}));
  std::vector<Uid> some = {2, 5};
  ASSERT_TRUE(
      store_->update_flags(box.id, some, FlagChange{FlagOp::add, 0, {"$Junk", "work"}, {}}));
  std::vector<Uid> other = {6};
  ASSERT_TRUE(store_->update_flags(box.id, other, FlagChange{FlagOp::add, 0, {"work", "Zed"}, {}}));
  std::vector<Uid> gone = {3};
  ASSERT_TRUE(store_->expunge(box.id, gone));
  auto snap = store_->snapshot_mailbox(box.id);
  ASSERT_TRUE(snap) << snap.error().message;
  EXPECT_EQ(snap->mailbox.id, box.id);
  EXPECT_EQ(snap->mailbox.messages, 5u);
  EXPECT_EQ(snap->uids, (std::vector<Uid>{1, 2, 4, 5, 6}));
  EXPECT_EQ(snap->first_unseen, 4u);  // UID 5, the fourth message
  EXPECT_EQ(snap->keywords, (std::vector<std::string>{"$Junk", "Zed", "work"}));
  auto listed = store_->list_messages(box.id);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), snap->uids.size());
  for (std::size_t i = 0; i < listed->size(); ++i)
    EXPECT_EQ((*listed)[i].uid, snap->uids[i]);
  EXPECT_EQ(store_->snapshot_mailbox(box.id + 1000).error().code, Errc::not_found);
}

TEST_P(StoreConformance, ExpungeIsLoggedAndUidsAreNeverReused) {
  auto account = make_account("sam@example.org");
  for (int i = 0; i < 5; ++i)
    deliver_ok(make_message(fmt::format("m{}", i)), {to(account.id)});
  auto before = inbox(account.id);
  std::vector<Uid> uids = {4, 2, 99, 2};
  auto result = store_->expunge(before.id, uids);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_THAT(result->expunged, ElementsAre(2u, 4u));
  EXPECT_GT(result->modseq, before.highest_modseq);
  auto after = inbox(account.id);
  EXPECT_EQ(after.messages, 3u);
  EXPECT_EQ(after.highest_modseq, result->modseq);
  EXPECT_EQ(after.size, before.size * 3 / 5);
  auto list = store_->list_messages(after.id);
  ASSERT_TRUE(list);
  std::vector<Uid> left;
  for (const auto& m : *list)
    left.push_back(m.uid);
  EXPECT_THAT(left, ElementsAre(1u, 3u, 5u));
  EXPECT_EQ(store_->open_message(after.id, 2).error().code, Errc::not_found);
  // RFC 7162 §3.2.5.1: VANISHED (EARLIER) from the expunge log.
  EXPECT_THAT(*store_->expunged_since(after.id, 0), ElementsAre(2u, 4u));
  EXPECT_THAT(*store_->expunged_since(after.id, result->modseq), ElementsAre());
  EXPECT_EQ(store_->get_account(account.id)->used_messages, 3u);
  auto copies = deliver_ok(make_message("new"), {to(account.id)});
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].uid, 6u);
  // Expunging nothing is not an error and changes nothing.
  std::vector<Uid> gone = {2};
  auto nothing = store_->expunge(after.id, gone);
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->expunged.empty());
  EXPECT_EQ(nothing->modseq, 0u);
}

TEST_P(StoreConformance, ExpungingEveryCopyKeepsOtherRecipientsIntact) {
  auto a = make_account("tia@example.org");
  auto b = make_account("uma@example.org");
  std::string body = make_message("big", 400 * 1024);  // a blob file where backends use files
  auto copies = deliver_ok(body, {to(a.id, "A: 1\r\n"), to(b.id, "B: 1\r\n")});
  ASSERT_EQ(copies.size(), 2u);
  std::vector<Uid> one = {1};
  ASSERT_TRUE(store_->expunge(copies[0].mailbox, one));
  EXPECT_EQ(read_all(copies[1].mailbox, 1), "B: 1\r\n" + body);
  ASSERT_TRUE(store_->expunge(copies[1].mailbox, one));
  EXPECT_EQ(store_->open_message(copies[1].mailbox, 1).error().code, Errc::not_found);
}

TEST_P(StoreConformance, UpdateFlagsBumpsModseqAndHonoursUnchangedSince) {
  auto account = make_account("val@example.org");
  for (int i = 0; i < 3; ++i)
    deliver_ok(make_message(fmt::format("m{}", i)), {to(account.id)});
  auto box = inbox(account.id);
  EXPECT_EQ(box.unseen, 3u);
  std::vector<Uid> all = {1, 2, 3};
  auto r = store_->update_flags(box.id, all,
                                FlagChange{FlagOp::add, kFlagSeen, {"$Label1", "Work"}, {}});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->updated.size(), 3u);
  ModSeq m1 = r->updated[0].modseq;
  EXPECT_GT(m1, box.highest_modseq);
  EXPECT_EQ(r->updated[0].flags, kFlagSeen);
  EXPECT_THAT(r->updated[0].keywords, ElementsAre("$Label1", "Work"));
  EXPECT_EQ(inbox(account.id).unseen, 0u);
  EXPECT_EQ(inbox(account.id).highest_modseq, m1);

  // No actual change: no new modseq.
  std::vector<Uid> two = {2};
  auto same = store_->update_flags(box.id, two, FlagChange{FlagOp::add, kFlagSeen, {"work"}, {}});
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->updated.empty());
  EXPECT_EQ(inbox(account.id).highest_modseq, m1);

  auto removed =
      store_->update_flags(box.id, two, FlagChange{FlagOp::remove, kFlagSeen, {"WORK"}, {}});
  ASSERT_TRUE(removed);
  ASSERT_EQ(removed->updated.size(), 1u);
  EXPECT_EQ(removed->updated[0].flags, 0u);
  EXPECT_THAT(removed->updated[0].keywords, ElementsAre("$Label1"));
  ModSeq m2 = removed->updated[0].modseq;
  EXPECT_GT(m2, m1);
  EXPECT_EQ(inbox(account.id).unseen, 1u);

  // RFC 7162 §3.1.3: UNCHANGEDSINCE m1 fails for message 2 (modified since), passes for 1, 3.
  auto conditional = store_->update_flags(
      box.id, all, FlagChange{FlagOp::set, kFlagFlagged | kFlagDeleted, {}, m1});
  ASSERT_TRUE(conditional);
  EXPECT_THAT(conditional->modified, ElementsAre(2u));
  ASSERT_EQ(conditional->updated.size(), 2u);
  EXPECT_EQ(conditional->updated[0].uid, 1u);
  EXPECT_EQ(conditional->updated[0].flags, kFlagFlagged | kFlagDeleted);
  EXPECT_TRUE(conditional->updated[0].keywords.empty());
  EXPECT_EQ(inbox(account.id).unseen, 3u);
  auto info = store_->get_message(box.id, 3);
  EXPECT_EQ(info->flags, kFlagFlagged | kFlagDeleted);

  std::vector<std::string> bad = {"has space"};
  EXPECT_EQ(store_->update_flags(box.id, all, FlagChange{FlagOp::add, 0, bad, {}}).error().code,
            Errc::invalid_argument);
  // The delivered initial flags are kept.
  auto seen = to(account.id);
  seen.flags = kFlagSeen | kFlagDraft;
  auto copy = deliver_ok(make_message("draft"), {seen});
  EXPECT_EQ(store_->get_message(box.id, copy[0].uid)->flags, kFlagSeen | kFlagDraft);
}

TEST_P(StoreConformance, CopyAndMoveShareTheBlob) {
  auto account = make_account("wes@example.org");
  for (int i = 0; i < 3; ++i)
    deliver_ok(make_message(fmt::format("m{}", i)), {to(account.id, "P: 1\r\n")});
  auto box = inbox(account.id);
  auto archive = store_->find_mailbox(account.id, "Archive");
  ASSERT_TRUE(archive);
  std::vector<Uid> some = {3, 1, 42};
  ASSERT_TRUE(store_->update_flags(box.id, some, FlagChange{FlagOp::add, kFlagFlagged, {"k"}, {}}));
  auto copied = store_->copy_messages(box.id, some, archive->id, false);
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(copied->uid_validity, archive->uid_validity);  // RFC 4315 COPYUID
  EXPECT_THAT(copied->uids, ElementsAre(std::pair<Uid, Uid>{1, 1}, std::pair<Uid, Uid>{3, 2}));
  auto src = store_->get_message(box.id, 3);
  auto dst = store_->get_message(archive->id, 2);
  ASSERT_TRUE(src && dst);
  EXPECT_EQ(src->blob, dst->blob);
  EXPECT_EQ(dst->flags, kFlagFlagged);
  EXPECT_THAT(dst->keywords, ElementsAre("k"));
  EXPECT_EQ(read_all(archive->id, 2), "P: 1\r\n" + make_message("m2"));
  EXPECT_EQ(store_->get_account(account.id)->used_messages, 5u);
  EXPECT_EQ(store_->find_mailbox(account.id, "Archive")->messages, 2u);

  // RFC 6851 MOVE: copy + expunge in one step.
  auto trash = store_->find_special_mailbox(account.id, SpecialUse::trash);
  std::vector<Uid> two = {2};
  auto moved = store_->copy_messages(box.id, two, trash->id, true);
  ASSERT_TRUE(moved);
  EXPECT_THAT(moved->uids, ElementsAre(std::pair<Uid, Uid>{2, 1}));
  EXPECT_EQ(store_->get_message(box.id, 2).error().code, Errc::not_found);
  EXPECT_THAT(*store_->expunged_since(box.id, 0), ElementsAre(2u));
  EXPECT_EQ(read_all(trash->id, 1), "P: 1\r\n" + make_message("m1"));
  EXPECT_EQ(inbox(account.id).messages, 2u);
  EXPECT_EQ(store_->get_account(account.id)->used_messages, 5u);

  auto other = make_account("xia@example.org");
  EXPECT_EQ(store_->copy_messages(box.id, some, inbox(other.id).id, false).error().code,
            Errc::invalid_argument);
}

TEST_P(StoreConformance, DeletingAMailboxRemovesItsMessages) {
  auto account = make_account("yan@example.org");
  auto box = store_->create_mailbox(account.id, "Old");
  ASSERT_TRUE(box);
  auto t = to(account.id);
  t.mailbox.name = "Old";
  t.fallback_to_inbox = false;
  deliver_ok(make_message("m"), {t, to(account.id)});
  EXPECT_EQ(store_->get_account(account.id)->used_messages, 2u);
  ASSERT_TRUE(store_->delete_mailbox(box->id));
  EXPECT_EQ(store_->get_mailbox(box->id).error().code, Errc::not_found);
  EXPECT_EQ(store_->get_account(account.id)->used_messages, 1u);
  EXPECT_EQ(read_all(inbox(account.id).id, 1), make_message("m"));
  auto again = store_->deliver_and_wait(delivery(make_message("m"), {t}));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->targets[0].error().code, Errc::not_found);
}

TEST_P(StoreConformance, RepliesJoinTheirParentsThread) {
  auto account = make_account("zoe@example.org");
  auto parent = delivery(make_message("p"), {to(account.id)});
  parent.metadata.message_id = "parent@x";
  auto child = delivery(make_message("c"), {to(account.id)});
  child.metadata.message_id = "child@x";
  child.metadata.references = {"unknown@x", "parent@x"};
  auto other = delivery(make_message("o"), {to(account.id)});
  other.metadata.message_id = "other@x";
  ASSERT_TRUE(store_->deliver_and_wait(std::move(parent)));
  ASSERT_TRUE(store_->deliver_and_wait(std::move(child)));
  ASSERT_TRUE(store_->deliver_and_wait(std::move(other)));
  auto box = inbox(account.id);
  auto p = store_->get_message(box.id, 1);
  auto c = store_->get_message(box.id, 2);
  auto o = store_->get_message(box.id, 3);
  EXPECT_EQ(p->thread, c->thread);
  EXPECT_NE(p->thread, o->thread);
}

// ---------------------------------------------------------------------------------------------
// Locks, notifications, reopening, failures

TEST_P(StoreConformance, MaildropLockIsExclusivePerAccount) {
  auto a = make_account("a1@example.org");
  auto b = make_account("b1@example.org");
  auto lock = store_->try_lock_maildrop(a.id);
  ASSERT_TRUE(lock);
  auto second = store_->try_lock_maildrop(a.id);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::conflict);  // RFC 1939 §8: "-ERR maildrop already locked"
  EXPECT_TRUE(store_->try_lock_maildrop(b.id));
  lock->reset();
  EXPECT_TRUE(store_->try_lock_maildrop(a.id));
}

TEST_P(StoreConformance, CommittedChangesAreNotified) {
  auto account = make_account("ev@example.org");
  std::mutex mutex;
  std::vector<ChangeEvent> seen;
  auto sub = store_->subscribe([&](const ChangeEvent& e) {
    std::lock_guard lock(mutex);
    seen.push_back(e);
  });
  auto copies = deliver_ok(make_message("n"), {to(account.id)});
  ASSERT_EQ(copies.size(), 1u);
  std::vector<Uid> one = {1};
  ASSERT_TRUE(store_->expunge(copies[0].mailbox, one));
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].kind, ChangeEvent::Kind::messages_added);
    EXPECT_EQ(seen[0].mailbox, copies[0].mailbox);
    EXPECT_EQ(seen[0].modseq, copies[0].modseq);
    EXPECT_EQ(seen[1].kind, ChangeEvent::Kind::expunged);
  }
  sub.reset();
  deliver_ok(make_message("n"), {to(account.id)});
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.size(), 2u);
}

TEST_P(StoreConformance, DataSurvivesReopening) {
  auto account = make_account("re@example.org");
  std::vector<std::string> targets = {"re@example.org"};
  ASSERT_TRUE(store_->add_alias("alias@example.org", targets));
  std::string big = make_message("big", 500 * 1024);
  deliver_ok(make_message("small"), {to(account.id, "X: 1\r\n")});
  deliver_ok(big, {to(account.id)});
  auto before = inbox(account.id);
  reopen();
  auto found = store_->find_account("re@example.org");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, account.id);
  EXPECT_TRUE(store_->find_alias("alias@example.org"));
  auto after = inbox(account.id);
  EXPECT_EQ(after.uid_validity, before.uid_validity);
  EXPECT_EQ(after.uid_next, 3u);
  EXPECT_EQ(read_all(after.id, 1), "X: 1\r\n" + make_message("small"));
  EXPECT_EQ(read_all(after.id, 2), big);
}

TEST_P(StoreConformance, FailedCommitLeavesNothingVisible) {
  std::atomic<bool> fail{false};
  Options options;
  options.fault_hook = [&fail](std::string_view point) { return !(fail && point == "commit"); };
  reopen(options);
  auto account = make_account("ff@example.org");
  deliver_ok(make_message("before"), {to(account.id)});
  auto before = inbox(account.id);
  fail = true;
  for (std::size_t size : {std::size_t{1000}, std::size_t{600 * 1024}}) {
    auto receipt = store_->deliver_and_wait(delivery(make_message("lost", size), {to(account.id)}));
    ASSERT_FALSE(receipt);
    EXPECT_EQ(receipt.error().code, Errc::io_error);
    EXPECT_TRUE(receipt.error().is_temporary());  // SMTP: 451 4.3.0
  }
  std::vector<Uid> one = {1};
  EXPECT_EQ(store_->expunge(before.id, one).error().code, Errc::io_error);
  fail = false;
  auto after = inbox(account.id);
  EXPECT_EQ(after.messages, 1u);
  EXPECT_EQ(after.uid_next, before.uid_next);
  EXPECT_EQ(after.highest_modseq, before.highest_modseq);
  EXPECT_EQ(store_->list_messages(after.id)->size(), 1u);
  EXPECT_EQ(store_->get_account(account.id)->used_messages, 1u);
  // The store keeps working, and a failed UID is not a gap clients can see.
  auto copies = deliver_ok(make_message("after", 600 * 1024), {to(account.id)});
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(read_all(after.id, copies[0].uid), make_message("after", 600 * 1024));
}

TEST_P(StoreConformance, FailedBlobWriteFailsOnlyThatDelivery) {
  std::atomic<bool> fail{false};
  Options options;
  options.fault_hook = [&fail](std::string_view point) { return !(fail && point == "blob_write"); };
  reopen(options);
  auto account = make_account("bw@example.org");
  fail = true;
  auto receipt =
      store_->deliver_and_wait(delivery(make_message("big", 600 * 1024), {to(account.id)}));
  ASSERT_FALSE(receipt);
  EXPECT_EQ(receipt.error().code, Errc::io_error);
  fail = false;
  EXPECT_EQ(inbox(account.id).messages, 0u);
  EXPECT_EQ(inbox(account.id).uid_next, 1u);
  EXPECT_EQ(store_->get_account(account.id)->used_bytes, 0u);
}

}  // namespace facteur::store::testing
