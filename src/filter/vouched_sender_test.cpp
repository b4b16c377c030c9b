// The classifiers' cap for mail that a protected brand or a government authenticated
// (bayes_check.cpp, vouched_sender): a site whose models learnt phishing and ordinary letters, then
// a brand's genuine security notice, which speaks of accounts and signing in as its imitations do.
#include <filesystem>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "filter/checks.hpp"
#include "filter/filter.hpp"
#include "filter/test_util.hpp"
#include "filter/tokenizer.hpp"

namespace facteur::filter {
namespace {

namespace fs = std::filesystem;

const std::string kNotice =
    "We noticed a new sign-in to your account from a new device. If this was you, there is "
    "nothing to do. If not, please review your account activity and secure your account:\n"
    "https://secure.chase.com/web/auth/dashboard\n";

class VouchedSender : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("facteur-vouched-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    for (int i = 0; i < 40; ++i) {
      learn(
          "we will meet on Monday if this is not too early for you, and there is nothing to "
          "prepare from your side: please bring a laptop to the office, it was useful " +
              std::to_string(i),
          Label::ham);
      learn(
          "we noticed a new sign-in to your account from a new device. If this was you, there "
          "is nothing to do. If not, please review your account activity and secure your "
          "account at the link " +
              std::to_string(i),
          Label::phishing);
    }
    ModelStore store(dir_);
    EXPECT_TRUE(store.save("", counts_));
  }
  void TearDown() override { fs::remove_all(dir_); }

  void learn(const std::string& body, Label label) {
    auto bytes = test::message("From: a@example.org\n", body);
    counts_.learn(tokenize(MessageView::analyze(bytes)), label);
  }

  // The whole pipeline (the detectors run before the classifiers), for a site at example.org.
  Verdict scan(std::string_view from, const std::string& body, std::optional<AuthSignals> auth,
               std::string account = "") {
    FilterConfig fc;
    fc.model_dir = dir_;
    fc.local_domains = {local_};
    fc.bayes.vouched_brands = vouched_brands_;
    Filter filter(fc);
    Context ctx;
    ctx.auth = std::move(auth);
    ctx.account = std::move(account);
    return filter.scan(test::message(std::string("From: ") + std::string(from) +
                                         "\nSubject: New sign-in to your account\n",
                                     body),
                       ctx);
  }

  // DMARC's result for the author domain it evaluated (the SMTP side's dmarc_domain).
  static AuthSignals dmarc(AuthOutcome outcome, std::string_view domain = "chase.com") {
    AuthSignals a;
    a.dmarc = outcome;
    a.dmarc_domain = std::string(domain);
    return a;
  }

  static bool capped(const Verdict& v, std::string_view whose) {
    for (const auto& r : v.reasons)
      if (r.text.find(whose) != std::string::npos &&
          r.text.find("not counted") != std::string::npos)
        return true;
    return false;
  }

  fs::path dir_;
  BayesModel counts_;
  bool vouched_brands_ = true;  // [filter] vouched_brands (off by default)
  std::string local_ = "example.org";
};

TEST_F(VouchedSender, ABrandsAuthenticatedNoticeIsNotJudgedByItsWords) {
  // Unauthenticated, the classifiers' verdict stands: the words are the phishing's words.
  auto plain = scan("Chase <no.reply.alerts@chase.com>", kNotice, std::nullopt);
  EXPECT_GE(plain.score, 5);
  EXPECT_FALSE(capped(plain, "Chase"));
  // DMARC passes for chase.com: the classifiers give at most 2.5 points (1.5 + 1.0).
  auto vouched = scan("Chase <no.reply.alerts@chase.com>", kNotice, dmarc(AuthOutcome::pass));
  EXPECT_LT(vouched.score, 5);
  EXPECT_EQ(vouched.action, Action::deliver);
  EXPECT_TRUE(capped(vouched, "the From domain chase.com belongs to Chase and is authenticated"));
  // A domain that publishes no DMARC record: a DKIM signature aligned with it vouches.
  AuthSignals dkim = dmarc(AuthOutcome::none, "alerts.chase.com");
  dkim.dkim = AuthOutcome::pass;
  EXPECT_TRUE(capped(scan("Chase <x@alerts.chase.com>", kNotice, dkim), "to Chase"));
}

TEST_F(VouchedSender, NothingVouchesWithoutAPassForTheAuthorDomain) {
  const std::string_view chase = "Chase <no.reply.alerts@chase.com>";
  // DMARC fails, or says nothing.
  EXPECT_GE(scan(chase, kNotice, dmarc(AuthOutcome::fail)).score, 5);
  EXPECT_GE(scan(chase, kNotice, dmarc(AuthOutcome::none)).score, 5);
  // An aligned signature does not outvote DMARC's failure (adkim=s and a subdomain's
  // signature), nor vouch after an error.
  for (auto outcome : {AuthOutcome::fail, AuthOutcome::permerror, AuthOutcome::temperror}) {
    AuthSignals a = dmarc(outcome);
    a.dkim = AuthOutcome::pass;
    EXPECT_FALSE(capped(scan(chase, kNotice, a), "authenticated")) << static_cast<int>(outcome);
  }
  // Several From addresses: DMARC finds no author domain (RFC 7489 §6.6.1), the SMTP side
  // leaves dmarc_domain empty and aligns no signature, whatever the first address says.
  AuthSignals several = dmarc(AuthOutcome::permerror, "");
  EXPECT_FALSE(capped(scan(chase, kNotice, several), "authenticated"));
  // DMARC evaluated another author domain than the one the filter reads.
  EXPECT_FALSE(
      capped(scan(chase, kNotice, dmarc(AuthOutcome::pass, "attacker.example")), "authenticated"));
  // A look-alike domain passes DMARC for itself: it is no brand's.
  auto lookalike = scan("Chase <alerts@chase-account-review.example>", kNotice,
                        dmarc(AuthOutcome::pass, "chase-account-review.example"));
  EXPECT_GE(lookalike.score, 5);
  EXPECT_FALSE(capped(lookalike, "authenticated"));
  // Free mail: anybody's gmail.com address passes DMARC (Google is a protected brand).
  auto freemail =
      scan("Google <security.team@gmail.com>", kNotice, dmarc(AuthOutcome::pass, "gmail.com"));
  EXPECT_FALSE(capped(freemail, "authenticated"));
  EXPECT_GE(freemail.score, 5);
}

TEST_F(VouchedSender, BrandsThatCarryTheirUsersTextAreNotVouchedFor) {
  // A PayPal invoice, a DocuSign envelope, a SharePoint share, a Booking.com guest's message,
  // a Google Calendar invitation: their text is written by whoever sends them.
  for (std::string_view domain : {"paypal.com", "docusign.net", "sharepointonline.com",
                                  "booking.com", "google.com", "docs.google.com"}) {
    auto v = scan(std::string("Notice <noreply@") + std::string(domain) + ">", kNotice,
                  dmarc(AuthOutcome::pass, domain));
    EXPECT_FALSE(capped(v, "authenticated")) << domain;
    EXPECT_GE(v.score, 5) << domain;
  }
  // Google's security notices come from accounts.google.com.
  EXPECT_TRUE(capped(scan("Google <no-reply@accounts.google.com>", kNotice,
                          dmarc(AuthOutcome::pass, "accounts.google.com")),
                     "belongs to Google"));
}

TEST_F(VouchedSender, GovernmentsAreVouchedForOurOwnDomainsAreNot) {
  auto government = scan("GOV.UK Notify <notify@notifications.service.gov.uk>", kNotice,
                         dmarc(AuthOutcome::pass, "notifications.service.gov.uk"));
  EXPECT_TRUE(capped(government, "belongs to a government and is authenticated"));
  EXPECT_LT(government.score, 5);
  // Our own domain is not vouched for even where it is a brand's (a compromised account of
  // ours passes DMARC), and another organisation's mail is judged as before: a site that wants
  // its own notices trusted puts its domain in [filter] welcome.
  local_ = "chase.com";
  EXPECT_FALSE(
      capped(scan("Chase IT <it@chase.com>", kNotice, dmarc(AuthOutcome::pass)), "authenticated"));
  local_ = "example.org";
  for (std::string_view domain : {"it.example.org", "example.net"}) {
    auto v = scan(std::string("IT Service Desk <servicedesk@") + std::string(domain) + ">", kNotice,
                  dmarc(AuthOutcome::pass, domain));
    EXPECT_FALSE(capped(v, "authenticated")) << domain;
    EXPECT_GE(v.score, 5) << domain;
  }
}

TEST_F(VouchedSender, OffUnlessTheSiteTurnsItOn) {
  vouched_brands_ = false;  // the default
  auto v = scan("Chase <no.reply.alerts@chase.com>", kNotice, dmarc(AuthOutcome::pass));
  EXPECT_FALSE(capped(v, "authenticated"));
  EXPECT_GE(v.score, 5);
  EXPECT_FALSE(FilterConfig{}.bayes.vouched_brands);
}

TEST_F(VouchedSender, TheDetectorsEvidenceStillCounts) {
  // A brand's mail carrying a sign-in form (a credential form is +5 on its own): the
  // detectors found evidence, and the classifiers' points stay whole.
  const std::string form =
      "Content-Type: text/html\n\n<p>We noticed a new sign-in to your account. Please confirm "
      "your account:</p><form action=\"https://collect.example.net/\"><input name=\"email\">"
      "<input type=\"password\" name=\"password\"></form>";
  FilterConfig fc;
  fc.model_dir = dir_;
  fc.bayes.vouched_brands = true;
  Filter filter(fc);
  Context ctx;
  ctx.auth = dmarc(AuthOutcome::pass);
  auto v = filter.scan(
      std::string("From: Chase <no.reply.alerts@chase.com>\nMIME-Version: 1.0\n") + form, ctx);
  EXPECT_GE(test::points(v, Label::phishing), 5);
  EXPECT_FALSE(capped(v, "authenticated"));
  EXPECT_GE(v.score, 5);
}

TEST_F(VouchedSender, WhatTheRecipientTaughtStands) {
  // The account has a model of its own (its Junk moves): the site's words are not capped for
  // it, whatever the sender; what the user sent to Junk is theirs to decide.
  BayesModel own;
  auto bytes = test::message("From: a@example.org\n", "unrelated words the user once moved");
  own.learn(tokenize(MessageView::analyze(bytes)), Label::spam);
  ModelStore store(dir_);
  ASSERT_TRUE(store.save("alice@example.org", own));
  auto taught = scan("Chase <no.reply.alerts@chase.com>", kNotice, dmarc(AuthOutcome::pass),
                     "alice@example.org");
  EXPECT_FALSE(capped(taught, "authenticated"));
  EXPECT_GE(taught.score, 5);
}

}  // namespace
}  // namespace facteur::filter
