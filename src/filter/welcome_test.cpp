// The welcome lists ([filter] welcome, [filter.accounts."x"] welcome): authenticated senders a
// site or a user always wants in the Inbox (welcome.hpp).
#include "filter/welcome.hpp"

#include <gtest/gtest.h>

#include "filter/filter.hpp"
#include "filter/filter_config.hpp"
#include "filter/test_util.hpp"

namespace facteur::filter {
namespace {

WelcomeList list(std::vector<std::string> entries) {
  auto l = WelcomeList::parse(entries);
  EXPECT_TRUE(l) << (l ? "" : l.error().message);
  return l ? *l : WelcomeList{};
}

TEST(WelcomeList, DomainsCoverTheirSubdomainsAddressesOnlyThemselves) {
  auto l = list({"Bank.Example", "*@partner.example", "Alice@Friends.Example"});
  EXPECT_TRUE(l.welcomes("alerts", "bank.example"));
  EXPECT_TRUE(l.welcomes("alerts", "mail.BANK.example"));
  EXPECT_FALSE(l.welcomes("alerts", "mybank.example"));  // a label, not a suffix of letters
  EXPECT_FALSE(l.welcomes("alerts", "bank.example.evil.example"));
  EXPECT_TRUE(l.welcomes("anyone", "partner.example"));
  EXPECT_TRUE(l.welcomes("ALICE", "friends.example"));
  EXPECT_FALSE(l.welcomes("bob", "friends.example"));
  EXPECT_FALSE(l.welcomes("alice", "other.friends.example"));
  EXPECT_FALSE(l.welcomes("alice", ""));
  EXPECT_TRUE(list({}).empty());
}

TEST(WelcomeList, MistakesAreSaidWithTheEntry) {
  for (std::string bad : {"", "bank example", "@bank.example", "alice@", "*.bank.example",
                          "a@b@c.example", "*@*.bank.example", "com", "*@co.uk", "example",
                          "bank.example.", ".bank.example", "a@[192.0.2.1]", "a@b..example"}) {
    auto l = WelcomeList::parse(std::vector<std::string>{bad});
    ASSERT_FALSE(l) << bad;
    EXPECT_NE(l.error().message.find("\"" + bad + "\""), std::string::npos) << l.error().message;
  }
}

class Welcome : public ::testing::Test {
 protected:
  // A sign-in form inside a message: +5 from the phishing check on its own, Junk.
  static std::string form(std::string_view from) {
    return std::string("From: ") + std::string(from) +
           "\nSubject: Statement\nMIME-Version: 1.0\nContent-Type: text/html\n\n"
           "<p>Your statement is ready.</p><form action=\"https://bank.example/login\">"
           "<input name=\"user\"><input type=\"password\" name=\"password\"></form>";
  }
  Verdict scan(std::string_view from, std::optional<AuthSignals> auth, std::string account = "") {
    Context ctx;
    ctx.auth = std::move(auth);
    ctx.account = std::move(account);
    return filter_.scan(form(from), ctx);
  }
  // DMARC passing for the author domain it evaluated (the SMTP side's dmarc_domain).
  static AuthSignals passing(std::string_view domain) {
    AuthSignals a;
    a.dmarc = AuthOutcome::pass;
    a.dmarc_domain = std::string(domain);
    return a;
  }
  static bool welcomed(const Verdict& v) { return test::has_reason(v, "auth.welcome"); }

  Filter filter_ = [] {
    auto fc = parse_filter_config(R"(
[filter]
welcome = ["bank.example"]
welcome_points = -8
[filter.accounts."Bob@Example.ORG"]
welcome = ["statements@broker.example"]
)",
                                  Config{});
    EXPECT_TRUE(fc) << (fc ? "" : fc.error().message);
    return Filter(fc ? std::move(*fc) : FilterConfig{});
  }();
};

TEST_F(Welcome, AnAuthenticatedSenderOnTheSitesListReachesTheInbox) {
  auto v = scan("Bank <alerts@mail.bank.example>", passing("mail.bank.example"));
  EXPECT_TRUE(welcomed(v));
  EXPECT_EQ(v.action, Action::deliver);
  bool said = false;
  for (const auto& r : v.reasons)
    said = said || (r.check == "auth.welcome" && r.points == -8 &&
                    r.text ==
                        "alerts@mail.bank.example is on the site's welcome list and "
                        "authenticated");
  EXPECT_TRUE(said);
  // Without the welcome (no authentication results), the same message is Junk.
  EXPECT_EQ(scan("Bank <alerts@mail.bank.example>", std::nullopt).action, Action::junk);
}

TEST_F(Welcome, AWelcomedSendersPhishingKeepsItsWarning) {
  // The sign-in form is what a partner's stolen account sends: delivered as the welcome asks,
  // but labelled and warned about as phishing.
  auto v = scan("Bank <alerts@mail.bank.example>", passing("mail.bank.example"));
  ASSERT_TRUE(welcomed(v));
  EXPECT_EQ(v.action, Action::deliver);
  EXPECT_EQ(v.label, Label::phishing);
  bool warned = false;
  for (const auto& h : verdict_headers(v, Thresholds{})) {
    warned = warned || (h.name == "X-Facteur-Verdict" &&
                        h.value.starts_with("phishing (warning: this message looks like phishing"));
    // Under the threshold: "No", as SpamAssassin says, so a user's Sieve rule on "Yes" does
    // not undo the welcome.
    if (h.name == "X-Spam-Status") {
      EXPECT_TRUE(h.value.starts_with("No, score=")) << h.value;
    }
  }
  EXPECT_TRUE(warned);
  // Plain mail from the same sender is ham.
  Context ctx;
  ctx.auth = passing("mail.bank.example");
  auto plain = filter_.scan(
      "From: alerts@mail.bank.example\nSubject: Statement\n\nYour statement is ready.\n", ctx);
  EXPECT_TRUE(welcomed(plain));
  EXPECT_EQ(plain.label, Label::ham);
  EXPECT_EQ(plain.action, Action::deliver);
}

TEST_F(Welcome, NeverOnTheFromFieldAlone) {
  // No authentication results (facteur scan without --dmarc), DMARC failing, in error or
  // passing for another author domain: anybody can write From: alerts@bank.example.
  EXPECT_FALSE(welcomed(scan("alerts@bank.example", std::nullopt)));
  for (auto outcome : {AuthOutcome::fail, AuthOutcome::permerror, AuthOutcome::temperror}) {
    AuthSignals a = passing("bank.example");
    a.dmarc = outcome;
    a.dkim = AuthOutcome::pass;  // an aligned signature does not outvote DMARC
    EXPECT_FALSE(welcomed(scan("alerts@bank.example", a))) << static_cast<int>(outcome);
  }
  EXPECT_FALSE(welcomed(scan("alerts@bank.example", passing("attacker.example"))));
  // Several From addresses: no author domain (RFC 7489 §6.6.1), whatever the first one says.
  EXPECT_FALSE(welcomed(scan("alerts@bank.example", passing(""))));
  EXPECT_EQ(scan("alerts@bank.example", std::nullopt).action, Action::junk);
}

TEST_F(Welcome, WithoutADmarcRecordAnAlignedSignatureAuthenticatesSpfDoesNot) {
  AuthSignals dkim;  // the domain publishes no DMARC record
  dkim.dmarc_domain = "bank.example";
  dkim.dkim = AuthOutcome::pass;
  EXPECT_TRUE(welcomed(scan("alerts@bank.example", dkim)));
  // SPF alone: the domain's SPF may include a shared provider whose other customers pass it.
  AuthSignals spf;
  spf.dmarc_domain = "bank.example";
  spf.spf = AuthOutcome::pass;
  EXPECT_FALSE(welcomed(scan("alerts@bank.example", spf)));
}

TEST_F(Welcome, AnAccountsListWelcomesForThatAccountOnly) {
  auto bob = scan("statements@broker.example", passing("broker.example"), "bob@example.org");
  EXPECT_TRUE(welcomed(bob));
  EXPECT_EQ(bob.action, Action::deliver);
  for (const auto& r : bob.reasons)
    if (r.check == "auth.welcome") {
      EXPECT_NE(r.text.find("the recipient's welcome list"), std::string::npos) << r.text;
    }
  EXPECT_FALSE(
      welcomed(scan("statements@broker.example", passing("broker.example"), "carol@example.org")));
  EXPECT_FALSE(welcomed(scan("news@broker.example", passing("broker.example"), "bob@example.org")));
  // The site's list holds for every account.
  EXPECT_TRUE(welcomed(scan("alerts@bank.example", passing("bank.example"), "bob@example.org")));
}

TEST(WelcomeConfig, BadListsOrPointsStopTheStart) {
  Config base;
  EXPECT_FALSE(parse_filter_config("[filter]\nwelcome = [\"bank example\"]\n", base));
  EXPECT_FALSE(parse_filter_config("[filter]\nwelcome_points = 3\n", base));
  EXPECT_FALSE(parse_filter_config("[filter]\nwelcome_points = nan\n", base));
  auto account =
      parse_filter_config("[filter.accounts.\"a@b.example\"]\nwelcome = [\"@x\"]\n", base);
  ASSERT_FALSE(account);
  EXPECT_NE(account.error().message.find("a@b.example"), std::string::npos)
      << account.error().message;
  auto fc = parse_filter_config("[filter]\n", base);
  ASSERT_TRUE(fc);
  EXPECT_TRUE(fc->welcome.site.empty());
  EXPECT_EQ(fc->welcome.points, -10.0);
}

}  // namespace
}  // namespace facteur::filter
