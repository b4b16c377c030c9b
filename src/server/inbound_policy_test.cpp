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

// RFC 7489 §6.6.1: with several From addresses there is no author domain (DMARC permerror),
// and no signature can be aligned with it: an attacker's own passing signature says nothing.
TEST(InboundPolicy, AuthSignalsAlignNothingWithoutAnAuthorDomain) {
  mailauth::InboundAuthentication auth;
  auth.dmarc.result = AuthResult::permerror;
  mailauth::DkimVerdict own;
  own.result = AuthResult::pass;
  own.domain = "attacker.example";
  auth.dkim = {own};
  auto s = auth_signals(auth);
  EXPECT_EQ(s.dkim, AuthOutcome::none);
  EXPECT_EQ(s.dmarc, AuthOutcome::permerror);
  EXPECT_EQ(s.dmarc_domain, "");
}

// RFC 6376 §8.2: with l= text appended after the signed length verifies too; the author did
// not write it, so the filter must not take the message as wholly the author's.
TEST(InboundPolicy, AuthSignalsSayWhenTheSignatureLeftTextUnsigned) {
  mailauth::InboundAuthentication auth;
  auth.dmarc.result = AuthResult::pass;
  auth.dmarc.from_domain = "a.test";
  mailauth::DkimVerdict partial;
  partial.result = AuthResult::pass;
  partial.domain = "a.test";
  partial.body_length = 100;
  partial.unsigned_body_bytes = 40;
  auth.dkim = {partial};
  auto s = auth_signals(auth);
  EXPECT_EQ(s.dkim, AuthOutcome::pass);
  EXPECT_TRUE(s.unsigned_content);
  EXPECT_FALSE(filter::author_authenticated(s, "a.test"));

  auth.dkim[0].unsigned_body_bytes = 0;  // l= equal to the body: nothing appended
  EXPECT_FALSE(auth_signals(auth).unsigned_content);
  EXPECT_TRUE(filter::author_authenticated(auth_signals(auth), "a.test"));

  auth.dkim[0].unsigned_body_bytes = 40;
  mailauth::DkimVerdict whole;  // a second, whole-body signature of the author
  whole.result = AuthResult::pass;
  whole.domain = "mail.a.test";
  auth.dkim.push_back(whole);
  EXPECT_FALSE(auth_signals(auth).unsigned_content);

  auth.dkim.pop_back();
  auth.dmarc.spf_aligned = true;  // an aligned SPF pass covers the whole transmission
  EXPECT_FALSE(auth_signals(auth).unsigned_content);

  auth.dmarc.spf_aligned = false;
  mailauth::DkimVerdict failed;  // a later failing signature does not undo the pass
  failed.result = AuthResult::fail;
  failed.domain = "a.test";
  auth.dkim.push_back(failed);
  EXPECT_EQ(auth_signals(auth).dkim, AuthOutcome::pass);
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

mailauth::InboundAuthentication failing(mailauth::DmarcPolicy policy,
                                        mailauth::DmarcPolicy disposition) {
  mailauth::InboundAuthentication auth;
  auth.dmarc.result = AuthResult::fail;
  auth.dmarc.from_domain = "a.test";
  auth.dmarc.record_domain = "a.test";
  auth.dmarc.record = mailauth::DmarcRecord{};
  auth.dmarc.policy = policy;
  auth.dmarc.disposition = disposition;
  auth.dmarc.reason = "no aligned SPF or DKIM pass";
  return auth;
}

DmarcSettings enforcing(std::vector<std::string> sealers = {}) {
  DmarcSettings s;
  s.enforce = DmarcEnforce::reject;
  s.arc_trusted_sealers = std::move(sealers);
  return s;
}

// RFC 7489 §6.6.4 / §6.3 p=: reject -> refused at SMTP, quarantine -> "suspicious" (Junk);
// pct= sampling (§6.6.4) has already turned the policy into the disposition: a sampled-out
// reject is quarantined, a sampled-out quarantine delivered. sp= likewise (§6.6.3).
TEST(InboundPolicy, DmarcEnforcementFollowsTheDisposition) {
  using P = mailauth::DmarcPolicy;
  struct Case {
    P policy, disposition;
    Action action;
  };
  const Case cases[] = {
      {P::reject, P::reject, Action::reject},       {P::reject, P::quarantine, Action::junk},
      {P::quarantine, P::quarantine, Action::junk}, {P::quarantine, P::none, Action::deliver},
      {P::none, P::none, Action::deliver},
  };
  for (const auto& c : cases) {
    auto e = dmarc_enforcement(failing(c.policy, c.disposition), enforcing(), false);
    EXPECT_EQ(e.action, c.action) << mailauth::to_string(c.disposition);
    if (c.action != Action::deliver) {
      EXPECT_NE(e.why.find("a.test"), std::string::npos) << e.why;
    }
  }
}

TEST(InboundPolicy, DmarcEnforcementOnlyOnFail) {
  // §6.6.3: a temporary error leaves the policy unknown; we fail open (deliver, scored), never
  // a 5xx. none / permerror (no usable record) and pass enforce nothing either.
  for (auto r :
       {AuthResult::pass, AuthResult::none, AuthResult::temperror, AuthResult::permerror}) {
    auto auth = failing(mailauth::DmarcPolicy::reject, mailauth::DmarcPolicy::reject);
    auth.dmarc.result = r;
    EXPECT_EQ(dmarc_enforcement(auth, enforcing(), false).action, Action::deliver)
        << mailauth::to_string(r);
  }
}

TEST(InboundPolicy, DmarcScoreModeAndTrustedNetworksEnforceNothing) {
  auto auth = failing(mailauth::DmarcPolicy::reject, mailauth::DmarcPolicy::reject);
  DmarcSettings score;
  score.enforce = DmarcEnforce::score;
  EXPECT_EQ(dmarc_enforcement(auth, score, false).action, Action::deliver);
  auto trusted = dmarc_enforcement(auth, enforcing(), true);
  EXPECT_EQ(trusted.action, Action::deliver);
  EXPECT_NE(trusted.why.find("trusted"), std::string::npos);
}

// RFC 8617 §5.2 / §7.2, RFC 7489 §10.4: a list that re-signs breaks the author's DMARC; a
// passing ARC chain last sealed by a sealer we trust vouches for the original results. An
// untrusted sealer, a failing chain, or a trusted sealer that is not the last hop count for
// nothing.
TEST(InboundPolicy, DmarcTrustedArcSealerIsNotRejected) {
  auto auth = failing(mailauth::DmarcPolicy::reject, mailauth::DmarcPolicy::reject);
  mailauth::ArcInstance first, last;
  first.instance = 1;
  first.seal_domain = "lists.example.org";
  last.instance = 2;
  last.seal_domain = "Forwarder.Example";
  auth.arc.chain = mailauth::ArcChain::pass;
  auth.arc.instances = {first, last};
  auto e = dmarc_enforcement(auth, enforcing({"forwarder.example"}), false);
  EXPECT_EQ(e.action, Action::deliver);
  EXPECT_NE(e.why.find("ARC"), std::string::npos) << e.why;
  EXPECT_EQ(dmarc_enforcement(auth, enforcing({"lists.example.org"}), false).action,
            Action::reject);
  EXPECT_EQ(dmarc_enforcement(auth, enforcing({"example"}), false).action, Action::reject);
  EXPECT_EQ(dmarc_enforcement(auth, enforcing(), false).action, Action::reject);
  auth.arc.chain = mailauth::ArcChain::fail;
  EXPECT_EQ(dmarc_enforcement(auth, enforcing({"forwarder.example"}), false).action,
            Action::reject);
}

TEST(InboundPolicy, DmarcRefusalNamesDmarcAndTheDomain) {
  auto auth = failing(mailauth::DmarcPolicy::reject, mailauth::DmarcPolicy::reject);
  auto r = dmarc_refusal(auth.dmarc);
  EXPECT_EQ(r.code, 550);  // RFC 7489 §10.3 / RFC 3463 X.7.1: delivery not authorized
  EXPECT_EQ(r.enhanced, "5.7.1");
  EXPECT_NE(r.text.find("DMARC"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("a.test"), std::string::npos) << r.text;
}

// A DMARC reject joins the per-recipient verdicts as one more "reject" for each of them, so
// the message is refused only when every recipient refuses (it is site-wide, so they all do);
// a DMARC quarantine files a copy into Junk whatever its score.
TEST(InboundPolicy, DmarcActionsCombineWithVerdicts) {
  EXPECT_EQ(stricter(Action::deliver, Action::junk), Action::junk);
  EXPECT_EQ(stricter(Action::reject, Action::junk), Action::reject);
  EXPECT_EQ(stricter(Action::junk, Action::deliver), Action::junk);
  EXPECT_EQ(stricter(Action::deliver, Action::deliver), Action::deliver);
  std::vector<Action> verdicts = {Action::deliver, Action::junk};
  for (auto& a : verdicts)
    a = stricter(a, Action::reject);
  EXPECT_TRUE(combine_actions(verdicts).reject);
}

}  // namespace
}  // namespace facteur::server
