#include "server/inbound_policy.hpp"

#include <gtest/gtest.h>

namespace facteur::server {
namespace {

using filter::Action;
using filter::AuthOutcome;
using mailauth::AuthResult;

// RFC 8601 §2.2: the authserv-id is the first token, possibly after CFWS, quoted or not.
TEST(InboundPolicy, AuthservIdOfValue) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {" mx.b.test; spf=pass smtp.mailfrom=a.test", "mx.b.test"},
      {"mx.b.test 1; none", "mx.b.test"},  // version after the id (§2.2)
      {" (comment) MX.B.TEST;\r\n\tdkim=pass", "MX.B.TEST"},
      {" \"mx.b.test\"; none", "mx.b.test"},
      {"\r\n mx.b.test;dkim=pass", "mx.b.test"},
      {"   ", ""},
  };
  for (auto [value, id] : cases)
    EXPECT_EQ(authserv_id_of(value), id) << value;
}

// RFC 8601 §5: a border MTA removes fields that claim its authserv-id; fields of other
// authserv-ids stay (they may be useful and cannot be mistaken for ours). Our verdict fields
// (X-Spam-*, X-Facteur-*) are ours alone and go whatever they say.
TEST(InboundPolicy, ForgedFieldsAreRemoved) {
  const std::string message =
      "Authentication-Results: mx.b.test; spf=pass smtp.mailfrom=paypal.com;\r\n"
      "\tdkim=pass header.d=paypal.com\r\n"
      "Authentication-Results: relay.other.test; spf=pass\r\n"
      "X-Spam-Status: No, score=-5.0\r\n"
      "From: x@evil.example\r\n"
      "authentication-results: (hi) MX.B.TEST 1; dmarc=pass\r\n"
      "X-Facteur-Verdict: ham\r\n"
      "Subject: hello\r\n"
      "\r\n"
      "Authentication-Results: mx.b.test; in the body, not a field\r\n";
  auto ranges = forged_fields(message, "mx.b.test");
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(without_ranges(message, ranges),
            "Authentication-Results: relay.other.test; spf=pass\r\n"
            "From: x@evil.example\r\n"
            "Subject: hello\r\n"
            "\r\n"
            "Authentication-Results: mx.b.test; in the body, not a field\r\n");
  EXPECT_TRUE(forged_fields(message, "mx.c.test").size() == 2u);  // only the verdict fields
}

TEST(InboundPolicy, NothingForgedLeavesTheMessage) {
  const std::string message = "From: a@a.test\nSubject: x\n\nbody\n";
  auto ranges = forged_fields(message, "mx.b.test");
  EXPECT_TRUE(ranges.empty());
  EXPECT_EQ(without_ranges(message, ranges), message);
}

TEST(InboundPolicy, FirstFieldSizeCoversFolding) {
  EXPECT_EQ(first_field_size("Received: from x\r\n\tby y; date\r\nFrom: a\r\n\r\n"), 31u);
  EXPECT_EQ(first_field_size("Received: x\r\nFrom: a\r\n"), 13u);
  EXPECT_EQ(first_field_size("Received: x"), 11u);
}

// RFC 7489 §3.1.1 relaxed alignment: a subdomain's signature counts for the organisational
// domain; an unaligned passing signature says nothing about the author.
TEST(InboundPolicy, AuthSignalsTakeTheAlignedSignature) {
  mailauth::InboundAuthentication auth;
  auth.spf.result = AuthResult::fail;
  auth.dmarc.result = AuthResult::fail;
  auth.dmarc.from_domain = "a.test";
  auth.dmarc.record = mailauth::DmarcRecord{};
  auth.dmarc.policy = mailauth::DmarcPolicy::reject;
  auth.dmarc.disposition = mailauth::DmarcPolicy::reject;
  mailauth::DkimVerdict other;
  other.result = AuthResult::pass;
  other.domain = "evil.example";
  mailauth::DkimVerdict bad;
  bad.result = AuthResult::fail;
  bad.domain = "a.test";
  auth.dkim = {other, bad};
  auto s = auth_signals(auth);
  EXPECT_EQ(s.spf, AuthOutcome::fail);
  EXPECT_EQ(s.dmarc, AuthOutcome::fail);
  EXPECT_EQ(s.dkim, AuthOutcome::fail);
  EXPECT_EQ(s.dmarc_policy, "reject");
  EXPECT_EQ(s.dmarc_domain, "a.test");

  mailauth::DkimVerdict good;
  good.result = AuthResult::pass;
  good.domain = "mail.a.test";
  auth.dkim.push_back(good);
  auth.dmarc.result = AuthResult::pass;
  EXPECT_EQ(auth_signals(auth).dkim, AuthOutcome::pass);

  auth.dmarc.record.reset();  // no record: no policy to report
  EXPECT_EQ(auth_signals(auth).dmarc_policy, "");
}

TEST(InboundPolicy, RejectOnlyWhenEveryRecipientWould) {
  struct Case {
    std::vector<Action> in;
    bool reject;
    std::vector<Action> out;
  };
  const Case cases[] = {
      {{Action::reject}, true, {Action::reject}},
      {{Action::reject, Action::reject}, true, {Action::reject, Action::reject}},
      {{Action::reject, Action::deliver}, false, {Action::junk, Action::deliver}},
      {{Action::junk, Action::reject}, false, {Action::junk, Action::junk}},
      {{Action::deliver, Action::junk}, false, {Action::deliver, Action::junk}},
      {{}, false, {}},
  };
  for (const auto& c : cases) {
    auto r = combine_actions(c.in);
    EXPECT_EQ(r.reject, c.reject);
    EXPECT_EQ(r.actions, c.out);
  }
}

}  // namespace
}  // namespace facteur::server
