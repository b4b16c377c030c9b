#include "queue/policy.hpp"

#include <gtest/gtest.h>

namespace facteur::queue {
namespace {

constexpr std::int64_t kArrival = 1'700'000'000;

store::QueueEntry entry_with(std::vector<std::string> addresses,
                             std::string sender = "alice@a.test") {
  store::QueueEntry e;
  e.id = 7;
  e.domain = "b.test";
  e.envelope.reverse_path = std::move(sender);
  e.envelope.arrival = kArrival;
  store::QueueRecipientId id = 100;
  for (auto& a : addresses) {
    store::QueueRecipient r;
    r.id = id++;
    r.address = std::move(a);
    e.recipients.push_back(std::move(r));
  }
  return e;
}

QueueSettings settings() {
  QueueSettings s;
  s.expiry = std::chrono::seconds(5 * 86400);
  s.delay_notice = std::chrono::seconds(4 * 3600);
  s.retry_schedule = {std::chrono::seconds(60), std::chrono::seconds(600)};
  return s;
}

RecipientOutcome outcome(store::QueueRecipientId id, RecipientStatus status, int code,
                         std::string enhanced) {
  RecipientOutcome o;
  o.id = id;
  o.status = status;
  o.reply = smtp::Reply{code, std::move(enhanced), "text"};
  o.remote = true;
  o.stage = "RCPT TO";
  return o;
}

TEST(QueueRouting, ParseRoute) {
  struct Case {
    const char* text;
    const char* host;
    int port;
  } cases[] = {{"127.0.0.3:2525", "127.0.0.3", 2525},
               {"smarthost.example.net:587", "smarthost.example.net", 587},
               {"mx.example.net", "mx.example.net", 25},
               {"[::1]:2525", "::1", 2525},
               {"[2001:db8::1]", "2001:db8::1", 25}};
  for (const auto& c : cases) {
    auto r = parse_route(c.text);
    ASSERT_TRUE(r) << c.text;
    EXPECT_EQ(r->host, c.host);
    EXPECT_EQ(r->port, c.port);
  }
  for (const char* bad : {"", ":25", "host:0", "host:99999", "host:x", "::1:25", "[::1"})
    EXPECT_FALSE(parse_route(bad)) << bad;
}

// [routes]: an exact domain wins over "*"; without either, MX lookup (nullopt).
TEST(QueueRouting, FixedRoutePrefersTheDomainOverTheSmarthost) {
  std::map<std::string, std::string> routes = {{"b.test", "127.0.0.3:2525"},
                                               {"*", "smart.example.net:587"}};
  EXPECT_EQ((*fixed_route(routes, "B.TEST"))->host, "127.0.0.3");
  EXPECT_EQ((*fixed_route(routes, "c.test"))->port, 587);
  routes.erase("*");
  EXPECT_FALSE(*fixed_route(routes, "c.test"));
  routes["d.test"] = "bad:port";
  EXPECT_FALSE(fixed_route(routes, "d.test"));
}

TEST(QueueRouting, GroupByDomainMergesAndDeduplicates) {
  std::vector<store::NewQueueRecipient> in = {{"a@B.test", 0, "", ""},
                                              {"c@x.test", 0, "", ""},
                                              {"b@b.test", 0, "", ""},
                                              {"a@b.TEST", 0, "", ""}};
  auto entries = group_by_domain(in);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].domain, "b.test");
  ASSERT_EQ(entries[0].recipients.size(), 2u);
  EXPECT_EQ(entries[0].recipients[1].address, "b@b.test");
  EXPECT_EQ(entries[1].domain, "x.test");
}

// RFC 5321 §4.5.4.1: retries follow the schedule, its last wait repeating.
TEST(QueuePolicy, RetryScheduleRepeatsItsLastWait) {
  std::vector<std::chrono::seconds> s = {std::chrono::seconds(60), std::chrono::seconds(600)};
  EXPECT_EQ(next_attempt_after(1, s, 1000), 1060);
  EXPECT_EQ(next_attempt_after(2, s, 1000), 1600);
  EXPECT_EQ(next_attempt_after(9, s, 1000), 1600);
}

// Delivered and permanently failed recipients leave; the failure is owed a DSN with the
// remote reply (RFC 3464 §2.3.6 Diagnostic-Code); temporary ones stay with their reason.
TEST(QueuePolicy, MixedOutcomes) {
  auto e = entry_with({"ok@b.test", "gone@b.test", "later@b.test"});
  AttemptReport report;
  report.remote_mta = "mx.b.test";
  report.recipients = {outcome(100, RecipientStatus::delivered, 250, "2.0.0"),
                       outcome(101, RecipientStatus::permanent, 550, "5.1.1"),
                       outcome(102, RecipientStatus::temporary, 451, "4.3.0")};
  auto d = decide(e, report, settings(), kArrival + 10);
  EXPECT_EQ(d.delivered, 1u);
  EXPECT_EQ(d.attempt.done, (std::vector<store::QueueRecipientId>{100, 101}));
  ASSERT_EQ(d.attempt.errors.size(), 1u);
  EXPECT_EQ(d.attempt.errors[0].first, 102);
  EXPECT_EQ(d.attempt.errors[0].second, "451 4.3.0 text");
  EXPECT_EQ(d.attempt.next_attempt, kArrival + 10 + 60);
  ASSERT_EQ(d.failed.size(), 1u);
  EXPECT_EQ(d.failed[0].status, "5.1.1");
  EXPECT_EQ(d.failed[0].remote_mta, "mx.b.test");
  ASSERT_TRUE(d.failed[0].remote_reply);
  EXPECT_EQ(d.failed[0].remote_reply->code, 550);
  EXPECT_TRUE(d.delayed.empty());
  EXPECT_FALSE(d.attempt.delay_notified);
}

// RFC 3461 §6.2 / RFC 5321 §4.5.5: never a notice about a message from <>.
TEST(QueuePolicy, NoBounceForABounce) {
  auto e = entry_with({"gone@b.test"}, "");
  AttemptReport report;
  report.recipients = {outcome(100, RecipientStatus::permanent, 550, "5.1.1")};
  auto d = decide(e, report, settings(), kArrival + 10);
  EXPECT_EQ(d.attempt.done.size(), 1u);
  EXPECT_TRUE(d.failed.empty());
}

// RFC 3461 §4.1: NOTIFY=NEVER gets nothing; NOTIFY=SUCCESS without FAILURE no failure notice.
TEST(QueuePolicy, NotifyParametersChooseTheNotices) {
  auto e = entry_with({"a@b.test", "b@b.test", "c@b.test"});
  e.recipients[0].notify = smtp::kNotifyNever;
  e.recipients[1].notify = smtp::kNotifySuccess;
  e.recipients[2].notify = smtp::kNotifyFailure;
  AttemptReport report;
  for (auto id : {100, 101, 102})
    report.recipients.push_back(outcome(id, RecipientStatus::permanent, 550, "5.1.1"));
  auto d = decide(e, report, settings(), kArrival + 10);
  ASSERT_EQ(d.failed.size(), 1u);
  EXPECT_EQ(d.failed[0].final_recipient.to_string(), "c@b.test");
}

// RFC 3461 §4.1: SUCCESS to a peer without DSN is owed a "relayed" notice.
TEST(QueuePolicy, RelayedNoticeWhenThePeerLacksDsn) {
  auto e = entry_with({"a@b.test", "b@b.test"});
  e.recipients[0].notify = smtp::kNotifySuccess;
  e.recipients[1].notify = smtp::kNotifySuccess;
  AttemptReport report;
  report.recipients = {outcome(100, RecipientStatus::delivered, 250, "2.0.0"),
                       outcome(101, RecipientStatus::delivered, 250, "2.0.0")};
  report.recipients[0].peer_dsn = false;
  auto d = decide(e, report, settings(), kArrival + 10);
  ASSERT_EQ(d.relayed.size(), 1u);
  EXPECT_EQ(d.relayed[0].action, DsnAction::relayed);
  EXPECT_EQ(d.relayed[0].final_recipient.to_string(), "a@b.test");
}

// Connection trouble: every recipient stays, the entry-wide error recorded; past the delay
// threshold one "delayed" notice, and only once.
TEST(QueuePolicy, DelayNoticeOnceAfterTheThreshold) {
  auto e = entry_with({"a@b.test"});
  AttemptReport report;
  report.error = "connection refused by 127.0.0.3:2525";
  auto early = decide(e, report, settings(), kArrival + 3600);
  EXPECT_TRUE(early.attempt.done.empty());
  EXPECT_EQ(early.attempt.last_error, report.error);
  EXPECT_TRUE(early.delayed.empty());

  auto late = decide(e, report, settings(), kArrival + 4 * 3600 + 1);
  ASSERT_EQ(late.delayed.size(), 1u);
  EXPECT_TRUE(late.attempt.delay_notified);
  EXPECT_EQ(late.delayed[0].status, "4.0.0");
  EXPECT_EQ(late.delayed[0].explanation, report.error);
  ASSERT_TRUE(late.delayed[0].will_retry_until);

  e.delay_notified = true;
  auto again = decide(e, report, settings(), kArrival + 5 * 3600);
  EXPECT_TRUE(again.delayed.empty());
}

// RFC 5321 §4.5.4.1 give-up time; RFC 3463 4.4.7 "delivery time expired".
TEST(QueuePolicy, ExpiryFailsWhatIsStillTemporary) {
  auto e = entry_with({"a@b.test"});
  AttemptReport report;
  report.recipients = {outcome(100, RecipientStatus::temporary, 451, "4.3.0")};
  auto d = decide(e, report, settings(), kArrival + 5 * 86400);
  ASSERT_EQ(d.attempt.done.size(), 1u);
  ASSERT_EQ(d.failed.size(), 1u);
  EXPECT_EQ(d.failed[0].status, "4.4.7");
  EXPECT_NE(d.failed[0].explanation.find("451 4.3.0 text"), std::string::npos);
}

// A permanent entry-wide failure (null MX, RFC 7505 §3) fails every recipient at once.
TEST(QueuePolicy, PermanentEntryErrorFailsEveryone) {
  auto e = entry_with({"a@b.test", "b@b.test"});
  AttemptReport report;
  report.error = "b.test accepts no mail (null MX)";
  report.permanent = true;
  auto d = decide(e, report, settings(), kArrival + 1);
  EXPECT_EQ(d.attempt.done.size(), 2u);
  ASSERT_EQ(d.failed.size(), 2u);
  EXPECT_EQ(d.failed[0].status, "5.0.0");
  EXPECT_EQ(d.failed[0].explanation, report.error);
}

TEST(QueuePolicy, DsnRequestCarriesTheEnvelope) {
  auto e = entry_with({"a@b.test"});
  e.envelope.envid = "ENV1";
  e.envelope.ret = 2;
  auto r = dsn_request(e, "mx.a.test", {});
  EXPECT_EQ(r.sender.to_string(), "alice@a.test");
  EXPECT_EQ(r.envid, "ENV1");
  EXPECT_EQ(r.ret, smtp::DsnRet::headers);
  EXPECT_EQ(r.reporting_mta, "mx.a.test");
  auto bounce = dsn_request(entry_with({"a@b.test"}, ""), "mx.a.test", {});
  EXPECT_TRUE(bounce.sender.is_null);
}

}  // namespace
}  // namespace facteur::queue
