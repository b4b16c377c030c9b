#include <cctype>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "filter/checks.hpp"
#include "filter/test_util.hpp"

namespace facteur::filter {
namespace {

using test::has_reason;
using test::message;
using test::run_check;

class PhishingCheckTest : public ::testing::Test {
 protected:
  std::unique_ptr<Check> check = make_phishing_check(std::make_shared<BrandList>());

  // Mail for our domain, with the DMARC outcome the SMTP session found (none: no session).
  static Context local_context(std::string domain,
                               std::optional<AuthOutcome> dmarc = std::nullopt) {
    Context ctx;
    ctx.local_domains = {std::move(domain)};
    if (dmarc) {
      AuthSignals a;
      a.dmarc = *dmarc;
      ctx.auth = a;
    }
    return ctx;
  }

  // A one-line message ("Hi.") under the given header fields.
  Verdict sent_by(std::string_view header, const Context& ctx = {}) {
    return run_check(*check, message(header, "Hi.\n"), ctx);
  }

  // An HTML message from an ordinary sender with one link: `href` shown as `text`.
  Verdict anchor_to(std::string_view href, std::string_view text) {
    return run_check(
        *check, message("From: a@shop.example\nContent-Type: text/html\n",
                        "<a href=\"" + std::string(href) + "\">" + std::string(text) + "</a>\n"));
  }
};

// A brand's bare name is no keyword where it is a plain word in text ("amazon", "norton"),
// but a From name made of it and a service desk's words is the brand speaking.
TEST_F(PhishingCheckTest, DisplayNameThatIsTheBrandsBareNameAndADesk) {
  for (std::string name : {"Norton Billing Dept", "EDF - Service Client", "McAfee Subscription",
                           "Amazon Customer Service", "Orange Service Client"}) {
    EXPECT_TRUE(
        has_reason(sent_by("From: " + name + " <a@evil-mailer.example>"), "phishing.display-name"))
        << name;
  }
  // People named like a brand, a team, a franchise, other people's services, a name alone.
  for (std::string name :
       {"Chase", "Norton", "Amazon", "Team Orange", "Orange Bank", "The UPS Store 4521",
        "Edward Norton", "Amazon Seller Jane", "Support Team", "Live Support", "Visa Services",
        "Tax Services", "Free Shipping", "Free Delivery Service"}) {
    EXPECT_FALSE(has_reason(sent_by("From: " + name + " <a@gmail.com>"), "phishing.display-name"))
        << name;
  }
  EXPECT_FALSE(has_reason(sent_by("From: Amazon Customer Service <order-update@amazon.com>"),
                          "phishing.display-name"));
  // France's telecoms: SFR is a keyword too, and its name in a host is the brand's.
  EXPECT_TRUE(has_reason(sent_by("From: SFR <remboursement@sfr-espaceclient.example>"),
                         "phishing.brand-in-sender"));
  EXPECT_FALSE(
      has_reason(sent_by("From: Orange Service Client <info@orange.fr>"), "phishing.display-name"));
}

TEST_F(PhishingCheckTest, DisplayNameNamingABrandFromAnotherDomain) {
  auto v = run_check(*check, message("From: \"PayPal Security\" <alerts@mailer.example.net>\n"
                                     "Subject: Notice\n",
                                     "Hello.\n"));
  EXPECT_TRUE(has_reason(v, "phishing.display-name"));
  // Microsoft's mail product by its desk, and a wallet much phished for its recovery phrase.
  for (const char* from : {"From: Outlook Support Team <s2015@social.university.example>\n",
                           "From: Trust Wallet <noreply@support-wallet.example>\n"})
    EXPECT_TRUE(has_reason(run_check(*check, message(from, "Hello.\n")), "phishing.display-name"))
        << from;
  // A sender of our own naming a brand ("SharePoint Support") is not impersonating it, when
  // DMARC says the mail is ours (on MX, our domain in From proves nothing by itself).
  auto internal = message("From: SharePoint Support <sp@ourcompany.example>\n", "Hello.\n");
  EXPECT_TRUE(has_reason(run_check(*check, internal, local_context("ourcompany.example")),
                         "phishing.display-name"));
  EXPECT_FALSE(has_reason(
      run_check(*check, internal, local_context("ourcompany.example", AuthOutcome::pass)),
      "phishing.display-name"));
  // The brand's own domain is fine.
  auto ok = run_check(
      *check, message("From: PayPal <service@paypal.com>\nSubject: Receipt\n", "Your receipt.\n"));
  EXPECT_FALSE(has_reason(ok, "phishing.display-name"));
}

TEST_F(PhishingCheckTest, LookAlikeLettersOfAnotherAlphabet) {
  // "M\u0435t\u0430\u041c\u0430sk.io" (Cyrillic ie, a and em) is read as MetaMask, and so
  // disguised it is a finding of its own; so are words of the text spelt so.
  auto v =
      run_check(*check, message("From: \"M\u0435t\u0430\u041c\u0430sk.io\" <team@isp.example>\n",
                                "Your wallet i\u0455 \u0405u\u0455p\u0435nd\u0435d. "
                                "V\u0435rify it now.\n"));
  EXPECT_TRUE(has_reason(v, "phishing.display-name"));
  EXPECT_TRUE(has_reason(v, "phishing.disguised-name"));
  EXPECT_TRUE(has_reason(v, "phishing.disguised-words"));
  // A Russian sender writing in Russian with Latin brand names: nothing disguised.
  auto ru = run_check(*check, message("From: \"\u0418\u0432\u0430\u043d\" <ivan@example.ru>\n",
                                      "\u041f\u0440\u0438\u0432\u0435\u0442, \u0441\u043c. "
                                      "GitHub \u0438 Microsoft Teams.\n"));
  EXPECT_FALSE(has_reason(ru, "phishing.disguised-name"));
  EXPECT_FALSE(has_reason(ru, "phishing.disguised-words"));
}

TEST_F(PhishingCheckTest, TheWholeNameBeforeAStrayComma) {
  // "Facebook ,_<x@...>": RFC 5322 reads two mailboxes, "Facebook" (no address) and "_"; a
  // reader's client shows "Facebook ,_". The name judged is the one shown.
  for (const char* from : {"From: Facebook ,_<e8lf9@spam-sender.example>\n",
                           "From: \"Facebook\", _ <e8lf9@spam-sender.example>\n",
                           "From: Facebook, info@spam-sender.example\n",
                           "From: \"Facebook\", <>, Office, info@spam-sender.example\n",
                           // Letters spaced apart are read together too.
                           "From: F a c e b o o k <e8lf9@spam-sender.example>\n"}) {
    auto v = run_check(*check, message(from, "Someone tried to log in.\n"));
    EXPECT_TRUE(has_reason(v, "phishing.display-name")) << from;
  }
  // "Doe, John" is a person; a real list keeps its first address.
  for (const char* from :
       {"From: Doe, John <john@example.org>\n", "From: a@b.example, PayPal <c@paypal.com>\n",
        "From: J R R Tolkien <jrr@example.org>\n"})
    EXPECT_FALSE(has_reason(run_check(*check, message(from, "Hello.\n")), "phishing.display-name"))
        << from;
}

TEST_F(PhishingCheckTest, LinkNamedAfterABrandToAStrangersSignInPage) {
  auto html = [](std::string_view href) {
    return message(
        "From: Bank <support@bank-mail.example>\nSubject: Card alert\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\n",
        "<p>Go to: <a href=\"" + std::string(href) +
            "\">Washington Mutual Online Banking</a></p>\n");
  };
  auto v = run_check(*check, html("http://oniline.host.example:6180/logon/index.php"));
  EXPECT_TRUE(has_reason(v, "phishing.brand-link"));
  // The brand's own sign-in page, or a page of a stranger's that is not a sign-in page: no.
  EXPECT_FALSE(
      has_reason(run_check(*check, html("https://online.wamu.com/logon/")), "phishing.brand-link"));
  EXPECT_FALSE(has_reason(run_check(*check, html("http://news.example/2005/rates.html")),
                          "phishing.brand-link"));
  // Our own domain's sign-in page is not a stranger's.
  const Context ours = local_context("bank-mail.example");
  EXPECT_FALSE(has_reason(run_check(*check, html("https://login.bank-mail.example/logon/"), ours),
                          "phishing.brand-link"));
  // Text showing a brand's host name is the link-text test's alone: one anchor, one count.
  auto shown = run_check(
      *check, message("From: a@shop.example\nContent-Type: text/html\n",
                      "<a href=\"http://login.evil.example/signin\">www.paypal.com</a>\n"));
  EXPECT_TRUE(has_reason(shown, "phishing.link-text"));
  EXPECT_FALSE(has_reason(shown, "phishing.brand-link"));
}

TEST_F(PhishingCheckTest, ThreatOfARestrictedAccountIsAccountWording) {
  auto v = run_check(*check, message("From: Service <service@bank-mail.example>\nSubject: Notice\n",
                                     "Please sign on and check the status of your account at "
                                     "http://203.0.113.9.example/s today. Failure to do so may "
                                     "result in your account being restricted.\n"));
  EXPECT_TRUE(has_reason(v, "phishing.account-wording"));
}

TEST_F(PhishingCheckTest, AddressShownInTheDisplayName) {
  auto v =
      run_check(*check, message("From: \"support@mybank.example\" <x@other.example>\n", "Hi\n"));
  EXPECT_TRUE(has_reason(v, "phishing.display-address"));
}

TEST_F(PhishingCheckTest, LinkTextShowingAnotherHost) {
  std::string m = message(
      "From: Billing <billing@shop.example>\nSubject: Invoice\nMIME-Version: 1.0\n"
      "Content-Type: text/html; charset=utf-8\n",
      "<p>Sign in at <a "
      "href=\"http://login-check.example.org/s\">https://www.paypal.com/</a></p>\n");
  auto v = run_check(*check, m);
  ASSERT_TRUE(has_reason(v, "phishing.link-text"));
  // The shown host is a protected brand's: the strongest form.
  for (const auto& r : v.reasons)
    if (r.check == "phishing.link-text") {
      EXPECT_GE(r.points, 4.0);
    }
  // Same registrable domain, or a subdomain: no mismatch.
  std::string same = message("From: a@shop.example\nContent-Type: text/html\n",
                             "<a href=\"http://click.shop.example/r?u=1\">www.shop.example</a>\n");
  EXPECT_FALSE(has_reason(run_check(*check, same), "phishing.link-text"));
}

TEST_F(PhishingCheckTest, RawIpAndUserinfoLinks) {
  std::string m = message("From: a@b.example\nContent-Type: text/html\n",
                          "<a href=\"http://192.0.2.44/bank/login.php\">here</a> "
                          "<a href=\"http://www.mybank.example@198.51.100.2/\">bank</a>\n");
  auto v = run_check(*check, m);
  EXPECT_TRUE(has_reason(v, "phishing.ip-link"));
  EXPECT_TRUE(has_reason(v, "phishing.userinfo-link"));
  // Broken HTML: an unclosed href swallows the text up to an address in it. No disguise.
  auto broken = run_check(*check, message("From: a@shop.example\nContent-Type: text/html\n",
                                          "<a href=\"https://shop.example>Shop now<br>Contact: "
                                          "info@shop.example<br>\">x</a>\n"));
  EXPECT_FALSE(has_reason(broken, "phishing.userinfo-link"));
}

TEST_F(PhishingCheckTest, LookalikeDomains) {
  // A homoglyph (Cyrillic a) in punycode, a digit for a letter, a typo.
  for (const char* from : {"From: service@xn--pypal-4ve.com\n", "From: service@paypa1.com\n",
                           "From: service@paypall.com\n"}) {
    auto v = run_check(*check, message(from, "Hello\n"));
    EXPECT_TRUE(has_reason(v, "phishing.lookalike-sender")) << from;
  }
  // Our own domain imitated.
  Context ctx;
  ctx.local_domains = {"facteur-mail.test"};
  auto v = run_check(*check, message("From: it@facteur-mai1.test\n", "Reset your mailbox\n"), ctx);
  EXPECT_TRUE(has_reason(v, "phishing.lookalike-sender"));
  // Unrelated names are not lookalikes.
  auto ok = run_check(*check, message("From: a@paperclip.example\n", "Hello\n"));
  EXPECT_FALSE(has_reason(ok, "phishing.lookalike-sender"));
  // A typo keeps the first letter: another first letter makes a word of its own (email.cz is a
  // mail provider, not a typo of gmail.com; finance is no binance).
  EXPECT_TRUE(has_reason(run_check(*check, message("From: a@paypel.example\n", "Hi\n")),
                         "phishing.lookalike-sender"));
  // Nor is a letter added in front ("dapple", "atwitter", "aicloud" are names of their own).
  for (const char* from :
       {"From: a@email.example\n", "From: a@finance.example\n", "From: a@minted.example\n",
        "From: a@dapple.example\n", "From: a@aicloud.example\n"})
    EXPECT_FALSE(has_reason(run_check(*check, message(from, "Hi\n")), "phishing.lookalike-sender"))
        << from;
  // A host on free hosting is named by the hosting company (S3's amazonaws.com is no typo of
  // amazonses.com).
  EXPECT_FALSE(has_reason(anchor_to("https://s3.eu-west-2.amazonaws.com/b/x.html", "Open"),
                          "phishing.lookalike-link"));
}

TEST_F(PhishingCheckTest, BrandNameInsideAnotherHost) {
  auto v = run_check(*check, message("From: a@b.example\n",
                                     "Log in: http://paypal.com.account-check.example/x\n"));
  EXPECT_TRUE(has_reason(v, "phishing.brand-in-host"));
  // On free hosting only the page owner's part of the host counts: "github" in
  // alice.github.io is the host's name, "paypal" in paypal-login.github.io the owner's choice.
  auto pages =
      run_check(*check, message("From: a@b.example\n", "Slides: https://alice.github.io/talk/\n"));
  EXPECT_FALSE(has_reason(pages, "phishing.brand-in-host"));
  auto owner = run_check(
      *check, message("From: a@b.example\n", "Log in: https://paypal-login.github.io/\n"));
  EXPECT_TRUE(has_reason(owner, "phishing.brand-in-host"));
}

TEST_F(PhishingCheckTest, CredentialForms) {
  std::string m = message("From: a@b.example\nContent-Type: text/html\n",
                          "<form action=\"http://collect.example/p\"><input name=email>"
                          "<input type=password name=pass><input type=submit></form>\n");
  EXPECT_TRUE(has_reason(run_check(*check, m), "phishing.credential-form"));
  // Enough for Junk on its own (no sender asks for a password in a form inside a message).
  EXPECT_GE(run_check(*check, m).score, 5.0);
  // An airline's flight search is no credential form.
  std::string search = message("From: a@airline.example\nContent-Type: text/html\n",
                               "<form action=\"https://airline.example/s\"><input name=from>"
                               "<select name=passengers></select><input type=submit></form>\n");
  EXPECT_FALSE(has_reason(run_check(*check, search), "phishing.credential-form"));
}

TEST_F(PhishingCheckTest, BrandBaitInEnglishAndFrench) {
  std::string en = message("From: Service <service@notice.example>\nSubject: Account notice\n",
                           "Dear eBay member, we noticed unusual activity. Please verify your "
                           "account within 24 hours: http://secure-update.example/ebay\n");
  EXPECT_TRUE(has_reason(run_check(*check, en), "phishing.brand-bait"));
  std::string fr = message(
      "From: Service <service@avis.example>\nSubject: Votre compte\n",
      "Cher client de La Banque Postale, votre compte a été suspendu. Veuillez vérifier votre "
      "compte ici : http://verif-client.example/lbp\n");
  EXPECT_TRUE(has_reason(run_check(*check, fr), "phishing.brand-bait"));
}

TEST_F(PhishingCheckTest, OrdinaryMailIsQuiet) {
  std::string m = message(
      "From: Alice <alice@example.org>\nTo: bob@example.net\nSubject: lunch\n"
      "Content-Type: text/html\n",
      "<p>See <a href=\"https://www.example.org/menu\">the menu</a> and "
      "<a href=\"https://www.example.org/\">www.example.org</a>.</p>\n");
  auto v = run_check(*check, m);
  EXPECT_TRUE(v.reasons.empty()) << v.reasons.front().check;
}

TEST_F(PhishingCheckTest, ConfiguredBrands) {
  auto brands = std::make_shared<BrandList>();
  brands->add({"Example Mutual", {"example mutual"}, {"examplemutual.test"}});
  auto c = make_phishing_check(brands);
  auto v = run_check(*c, message("From: \"Example Mutual\" <x@mutual-alerts.example>\n", "Hi\n"));
  EXPECT_TRUE(has_reason(v, "phishing.display-name"));
  auto look = run_check(*c, message("From: x@examplemutua1.test\n", "Hi\n"));
  EXPECT_TRUE(has_reason(look, "phishing.lookalike-sender"));
}

TEST_F(PhishingCheckTest, LinkTextShowingAGovernmentSite) {
  auto v =
      run_check(*check, message("From: a@fines.test\nContent-Type: text/html\n",
                                "<a href=\"https://pay-fine.test/x\">www.antai.gouv.fr</a>\n"));
  ASSERT_TRUE(has_reason(v, "phishing.link-text"));
  EXPECT_GE(test::points(v, Label::phishing), 4.0);
  // One government's host over another's link: not a brand's weight.
  auto gov =
      run_check(*check, message("From: a@gov.test\nContent-Type: text/html\n",
                                "<a href=\"https://www.tax.service.gov.uk/x\">www.gov.uk</a>\n"));
  EXPECT_LT(test::points(gov, Label::phishing), 4.0);
}

// Five redirects deep: the page at the end is hidden from the other tests; that is a sign in
// itself. Two deep (a safe link around a Google link) is ordinary.
TEST_F(PhishingCheckTest, RedirectsNestedTooDeep) {
  auto nest = [](std::string url, int times) {
    for (int k = 0; k < times; ++k) {
      std::string escaped;
      for (char c : url) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')
          escaped += c;
        else
          escaped += fmt::format("%{:02X}", static_cast<unsigned char>(c));
      }
      url = "https://www.google.com/url?q=" + escaped;
    }
    return url;
  };
  auto anchor = [&](const std::string& href) { return anchor_to(href, "www.google.com"); };
  EXPECT_TRUE(
      has_reason(anchor(nest("https://login.evil.example/", 5)), "phishing.redirect-chain"));
  EXPECT_FALSE(
      has_reason(anchor(nest("https://login.evil.example/", 2)), "phishing.redirect-chain"));
}

// A link rewritten by the recipient's or the sender's security product shows the host of the
// page it leads to: not a disguise. The page behind it is judged with that text.
TEST_F(PhishingCheckTest, RewrittenLinksShowTheirTarget) {
  auto safe = run_check(
      *check, message("From: Bob <bob@partner.example>\nContent-Type: text/html\n",
                      "<a href=\"https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2F"
                      "www.partner.example%2Fdoc&data=05\">www.partner.example</a>\n"));
  EXPECT_FALSE(has_reason(safe, "phishing.link-text"));
  auto disguised = run_check(
      *check, message("From: Bob <bob@partner.example>\nContent-Type: text/html\n",
                      "<a href=\"https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2F"
                      "login.evil.example%2F&data=05\">www.paypal.com</a>\n"));
  EXPECT_TRUE(has_reason(disguised, "phishing.link-text"));
}

// A brand's own notice sending the reader on through the brand's own redirector is not bait;
// the same redirector in someone else's mail naming the brand is.
TEST_F(PhishingCheckTest, TheBrandsOwnRedirector) {
  const std::string body =
      "<p>Sign in to your LinkedIn account to verify your account and see who read "
      "<a href=\"https://www.linkedin.com/redir/redirect?url=https%3A%2F%2Fblog.alice.example%2F"
      "post\">Alice's post</a>.</p>\n";
  const std::string own =
      message("From: LinkedIn <messages-noreply@linkedin.com>\nContent-Type: text/html\n", body);
  // Free mail passes DMARC for anybody: a gmail.com sender through Google's redirector is not
  // Google's own notice.
  const std::string freemail = message(
      "From: Google <someone@gmail.com>\nContent-Type: text/html\n",
      "<p>Google: sign in to verify your account <a href=\"https://www.google.com/url?q=https%3A%2F"
      "%2Flogin.evil.example%2F\">here</a>.</p>\n");
  EXPECT_TRUE(
      has_reason(run_check(*check, freemail, local_context("example.org", AuthOutcome::pass)),
                 "phishing.brand-bait"));
  // Only when DMARC vouches for the From address: anybody can write linkedin.com there.
  EXPECT_FALSE(has_reason(run_check(*check, own, local_context("example.org", AuthOutcome::pass)),
                          "phishing.brand-bait"));
  EXPECT_TRUE(has_reason(run_check(*check, own, local_context("example.org", AuthOutcome::fail)),
                         "phishing.brand-bait"));
  auto other = run_check(*check, message("From: LinkedIn Team <team@mailer.example>\n"
                                         "Content-Type: text/html\n",
                                         body));
  EXPECT_TRUE(has_reason(other, "phishing.brand-bait"));
  // The same host linked as such too is judged as such.
  const std::string also =
      message("From: LinkedIn <messages-noreply@linkedin.com>\nContent-Type: text/html\n",
              body + "<a href=\"https://blog.alice.example/login\">here</a>\n");
  EXPECT_TRUE(has_reason(run_check(*check, also, local_context("example.org", AuthOutcome::pass)),
                         "phishing.brand-bait"));
  // A brand's notice rewritten by the recipient's security product is not bait for the
  // rewriter's host.
  const std::string wrapped = message(
      "From: LinkedIn <messages-noreply@linkedin.com>\nContent-Type: text/html\n",
      "<p>Sign in to your LinkedIn account to verify your account: <a href=\"https://eur01."
      "safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.linkedin.com%2Fcheckpoint&data=5\">"
      "LinkedIn</a>.</p>\n");
  EXPECT_FALSE(has_reason(run_check(*check, wrapped), "phishing.brand-bait"));
  EXPECT_FALSE(has_reason(run_check(*check, wrapped), "phishing.brand-link"));
}

// What a browser does with a link decides: tabs and line breaks in it are deleted, and a
// redirector's parameter written twice or in another case is not trusted to mean ours.
TEST_F(PhishingCheckTest, LinksReadAsTheBrowserReadsThem) {
  auto anchor = [&](std::string_view href) { return anchor_to(href, "www.paypal.com"); };
  EXPECT_TRUE(has_reason(anchor("https://www.paypal.com\t.evil.example/"), "phishing.link-text"));
  EXPECT_TRUE(has_reason(anchor("http://www.paypal.com&#39;.evil.example/"), "phishing.link-text"));
  // A quote or a space before an '@': the browser goes to the host after it.
  EXPECT_TRUE(
      has_reason(anchor("https://www.paypal.com&quot;@evil.example/signin"), "phishing.link-text"));
  EXPECT_TRUE(has_reason(anchor("https://www.google.com/url?q=https%3A%2F%2Fwww.paypal.com%22%40"
                                "evil.example%2F"),
                         "phishing.link-text"));
  EXPECT_TRUE(has_reason(
      anchor("https://www.google.com/url?Q=https://www.paypal.com/&q=https://login.evil.example/"),
      "phishing.link-text"));
  EXPECT_TRUE(has_reason(
      anchor("https://www.google.com/url?q=https://www.paypal.com/&q=https://login.evil.example/"),
      "phishing.link-text"));
  EXPECT_TRUE(has_reason(anchor("https://google.evil.example/url?q=https://www.paypal.com/"),
                         "phishing.link-text"));
  // A tab inside a parameter's name is deleted by the browser before Google reads two q's; a
  // name with a space may be read as the name by the site.
  EXPECT_TRUE(has_reason(anchor("https://www.google.com/url?q\t=https://login.evil.example/"
                                "&q=https://www.paypal.com/"),
                         "phishing.link-text"));
  EXPECT_TRUE(has_reason(
      anchor(
          "https://vk.com/away.php?to=https://www.paypal.com/&%20to=https://login.evil.example/"),
      "phishing.link-text"));
  // A tab inside the target's scheme: still followed to the embedded brand domain.
  EXPECT_TRUE(
      has_reason(run_check(*check, message("From: a@shop.example\nContent-Type: text/html\n",
                                           "<a href=\"https://www.google.com/url?q=ht\ttps://"
                                           "paypal.com.secure-login.example/\">Sign in</a>\n")),
                 "phishing.brand-in-host"));
}

// Behind an open redirector (a trusted host in the link) the page is judged as if linked.
TEST_F(PhishingCheckTest, PageBehindAnOpenRedirector) {
  auto behind = [&](std::string_view href) { return anchor_to(href, "Sign in"); };
  EXPECT_TRUE(has_reason(
      behind("https://www.google.com/url?q=https%3A%2F%2Fwww.paypal.com.manager-renew.example%2F"),
      "phishing.brand-in-host"));
  EXPECT_TRUE(has_reason(behind("https://www.google.de/amp/s/paypal.com.manager-renew.example/x"),
                         "phishing.brand-in-host"));
  EXPECT_FALSE(has_reason(behind("https://www.google.com/url?q=https%3A%2F%2Fwww.shop.example%2F"),
                          "phishing.brand-in-host"));
}

TEST_F(PhishingCheckTest, DomainNameWrittenInFrontOfAnother) {
  auto link = [&](std::string_view host) {
    return run_check(*check, message("From: a@shop.example\n",
                                     "Pay here: https://" + std::string(host) + "/x\n"));
  };
  EXPECT_TRUE(has_reason(link("booking.com-reservation-41.click"), "phishing.brand-in-host"));
  EXPECT_TRUE(has_reason(link("www.paypal.com.manager-renew.example"), "phishing.brand-in-host"));
  EXPECT_TRUE(has_reason(link("amazon.co.uk-verify.example"), "phishing.brand-in-host"));
  EXPECT_TRUE(has_reason(link("dvla.gov.uk.vehicle-tax.example"), "phishing.brand-in-host"));
  // Ordinary names embedded for good reasons: a library proxy, a bucket, a portal.
  EXPECT_FALSE(has_reason(link("ieee.org.ezproxy.lib.example"), "phishing.brand-in-host"));
  EXPECT_FALSE(has_reason(link("downloads.app.com.s3.amazonaws.com"), "phishing.brand-in-host"));
  EXPECT_FALSE(has_reason(link("portail.net-entreprises.fr"), "phishing.brand-in-host"));
  EXPECT_TRUE(has_reason(link("ants.gouv.fr-demarches.example"), "phishing.brand-in-host"));
  // Country suffixes and a host of com.com are no embedding.
  EXPECT_FALSE(has_reason(link("www.shop.com.au"), "phishing.brand-in-host"));
  EXPECT_FALSE(has_reason(link("www.tax.service.gov.uk"), "phishing.brand-in-host"));
  EXPECT_FALSE(has_reason(link("nl.com.com"), "phishing.brand-in-host"));
  // Locale and department labels: no embedding.
  EXPECT_FALSE(has_reason(link("view.info.sncf-connect.example"), "phishing.brand-in-host"));
  EXPECT_FALSE(has_reason(link("news.fr.shop.example"), "phishing.brand-in-host"));
  EXPECT_FALSE(has_reason(link("www.fr-shop.example"), "phishing.brand-in-host"));
  EXPECT_TRUE(has_reason(link("vinted.fr.recevoir-paiement.example"), "phishing.brand-in-host"));
  auto sender = sent_by("From: Docs <a@google.com.docs-share.example>\n");
  EXPECT_TRUE(has_reason(sender, "phishing.lookalike-sender"));
}

TEST_F(PhishingCheckTest, DomainSpelledWithHyphens) {
  auto link = [&](std::string_view host, const Context& ctx = {}) {
    return run_check(
        *check,
        message("From: a@shop.example\n", "Pay here: https://" + std::string(host) + "/x\n"), ctx);
  };
  EXPECT_TRUE(has_reason(link("gov-uk-dartcharge.example"), "phishing.brand-in-host"));
  EXPECT_TRUE(has_reason(link("irs-gov-refund.example"), "phishing.brand-in-host"));
  EXPECT_TRUE(has_reason(link("www.impots-gouv-fr.example"), "phishing.brand-in-host"));
  EXPECT_TRUE(has_reason(link("my-amazon-co-uk.example"), "phishing.brand-in-host"));
  // "acme-gov" and "open-gov" are companies' names.
  for (const char* host : {"www.acme-gov.example", "open-gov.example"})
    EXPECT_FALSE(has_reason(link(host), "phishing.brand-in-host")) << host;
  const Context ours = local_context("example.net");
  EXPECT_TRUE(has_reason(link("sso.example-net.support", ours), "phishing.brand-in-host"));
  // Subdomains are the services' names for their customers' tenants: our own Jira, Okta or
  // Azure DevOps, a UK agency's, GOV.UK's CDN host.
  for (const char* host : {"example-net.atlassian.example", "example-net.okta.example"})
    EXPECT_FALSE(has_reason(link(host, ours), "phishing.brand-in-host")) << host;
  for (const char* host : {"sfa-gov-uk.visualstudio.example", "www-gov-uk.map.fastly.example"})
    EXPECT_FALSE(has_reason(link(host), "phishing.brand-in-host")) << host;
  EXPECT_FALSE(has_reason(sent_by("From: Jira <jira@example-net.atlassian.example>\n", ours),
                          "phishing.lookalike-sender"));
  auto sender = sent_by("From: IT <it@example-net.support>\n", ours);
  EXPECT_TRUE(has_reason(sender, "phishing.lookalike-sender"));
  EXPECT_TRUE(has_reason(sent_by("From: a@paypal-com.example\n"), "phishing.lookalike-sender"));
  // Proxies and mail hosts spell their customers' domains in subdomains; parts that spell no
  // protected domain, a one-letter name and a doubled hyphen are no spelling.
  EXPECT_FALSE(has_reason(link("www-gov-uk.cdn.ampproject.org"), "phishing.brand-in-host"));
  EXPECT_FALSE(has_reason(link("mail-com.mr.outblaze.example"), "phishing.brand-in-host"));
  EXPECT_FALSE(has_reason(link("www.so-net.example"), "phishing.brand-in-host"));
  EXPECT_FALSE(has_reason(link("e-gov-solutions.example"), "phishing.brand-in-host"));
  // A government is spelt with its country: "open-gov" is a company's name.
  EXPECT_FALSE(has_reason(link("open-gov-solutions.example"), "phishing.brand-in-host"));
  EXPECT_FALSE(
      has_reason(sent_by("From: news@open-gov-solutions.example\n"), "phishing.lookalike-sender"));
  EXPECT_FALSE(has_reason(link("gov--uk-tax.example"), "phishing.brand-in-host"));
  EXPECT_FALSE(has_reason(link("sso.example-net.support"), "phishing.brand-in-host"));
  // A government's own hyphenated host is its own.
  EXPECT_FALSE(has_reason(link("gov-uk-notify.service.gov.uk"), "phishing.brand-in-host"));
}

TEST_F(PhishingCheckTest, ImpersonatorAtAFreeMailProvider) {
  // A brand named in the From name, the address or the replies at a free-mail provider, in a
  // message that sends the reader somewhere.
  auto linking = [&](std::string_view from) {
    return run_check(*check, message(from, "Hi. https://help-center.example/case\n"));
  };
  auto brand = linking("From: PayPal Service <service.pp@gmail.com>\n");
  EXPECT_TRUE(has_reason(brand, "phishing.free-mail-sender"));
  // The brand's department, with a code, is still the brand speaking.
  for (const char* from : {"From: \"PayPal Resolution Center 24/7\" <pp@gmail.com>\n"})
    EXPECT_TRUE(has_reason(linking(from), "phishing.free-mail-sender")) << from;
  // With no link and no attachment, the brand named in the text (a callback lure's order
  // confirmation) still makes the claim...
  auto toad = run_check(*check, message("From: Amazon.co.uk <orders.amzn@gmail.com>\n",
                                        "Amazon.co.uk Order Confirmation. Call us to cancel.\n"));
  EXPECT_TRUE(has_reason(toad, "phishing.free-mail-sender"));
  // ...but a letter with nothing of the brand beyond the name is a person whose surname a
  // brand took: no free-mail claim, not Junk on the name alone.
  auto surname = run_check(*check, message("From: Santander <m.santander@gmail.com>\n",
                                           "Hi Bob, still up for dinner on Friday? Maria\n"));
  EXPECT_FALSE(has_reason(surname, "phishing.free-mail-sender"));
  EXPECT_LT(surname.score, 5.0);
  // The brand named by another of its words ("Colissimo" for La Poste), or a card number
  // asked for by return, is the brand's claim again.
  auto keyword = run_check(*check, message("From: La Poste <suivi.colis@gmail.com>\n",
                                           "Votre colis Colissimo est en attente au depot.\n"));
  EXPECT_TRUE(has_reason(keyword, "phishing.free-mail-sender"));
  auto secret = run_check(
      *check, message("From: La Poste <suivi.colis@gmail.com>\n",
                      "Votre colis est bloque. Repondez avec votre numero de carte bancaire "
                      "et la date d'expiration pour payer les frais.\n"));
  EXPECT_TRUE(has_reason(secret, "phishing.free-mail-sender"));
  // So is a card "blocked" that a reply unblocks: account wording.
  auto blocked = run_check(
      *check, message("From: Santander <santander.alerts@gmail.com>\n",
                      "Your debit card has been blocked. Reply to this email today to unblock "
                      "your account.\n"));
  EXPECT_TRUE(has_reason(blocked, "phishing.free-mail-sender"));
  auto replies = sent_by(
      "From: IRS <refunds@irs-taxpayer.example>\n"
      "Reply-To: irs.refunds@outlook.com\n");
  EXPECT_TRUE(has_reason(replies, "phishing.replies-to-free-mail"));
  // Our own name from gmail.com.
  auto ours = run_check(*check, message("From: \"IT example.net\" <it.desk@gmail.com>\n", "Hi.\n"),
                        local_context("example.net"));
  EXPECT_TRUE(has_reason(ours, "phishing.free-mail-sender"));
  // A person naming a brand beside their own name, or a list rewriting a gmail.com user's
  // From ("alice at gmail.com via the list"), is no brand writing from free mail.
  for (const char* from : {"From: \"Jane Doe | Microsoft MVP\" <jane.doe@gmail.com>\n",
                           "From: \"Marie - annonce Leboncoin\" <marie.d@gmail.com>\n",
                           "From: \"Carlos Santander\" <carlos.s@gmail.com>\n",
                           "From: \"SANTANDER Carlos\" <c.santander@gmail.com>\n",
                           "From: \"Ameli Schmidt\" <ameli.schmidt@gmail.com>\n"}) {
    auto v = sent_by(from);
    EXPECT_FALSE(has_reason(v, "phishing.free-mail-sender")) << from;
  }
  for (const char* from :
       {"From: alice at gmail.com via Python-dev <python-dev@python.example>\n"
        "Reply-To: alice@gmail.com\n",
        "From: \"'alice@yahoo.com' via Friends\" <friends@googlegroups.example>\n"
        "Reply-To: alice@yahoo.com\n",
        "From: \"Alice (alice@outlook.com)\" <alice@gmail.com>\n",
        "From: \"'jane@fb.com' via dev\" <dev@googlegroups.example>\n",
        "From: bob at apple.com via Python-dev <python-dev@python.example>\n"}) {
    auto v = sent_by(from);
    EXPECT_FALSE(has_reason(v, "phishing.display-name")) << from;
    EXPECT_LT(v.score, 5.0) << from;
  }
  // Nobody claimed: a person writing from gmail.com with replies to yahoo.com.
  auto person = sent_by(
      "From: Alice <alice@gmail.com>\n"
      "Reply-To: alice@yahoo.com\n");
  EXPECT_FALSE(has_reason(person, "phishing.free-mail-sender"));
  EXPECT_FALSE(has_reason(person, "phishing.replies-to-free-mail"));
  // The brand's own address with replies to a person's: the brand's business.
  auto own = sent_by(
      "From: PayPal <service@paypal.com>\n"
      "Reply-To: seller@gmail.com\n");
  EXPECT_FALSE(has_reason(own, "phishing.replies-to-free-mail"));
}

TEST_F(PhishingCheckTest, HostsUnderABrandsOwnTopLevelDomain) {
  // Only Microsoft registers under .microsoft: Microsoft 365's cloud.microsoft is no typo of
  // icloud.com.
  for (const char* host : {"sway.cloud.microsoft", "outlook.cloud.microsoft", "www.google"}) {
    auto v = anchor_to(fmt::format("https://{}/x", host), "Open");
    EXPECT_TRUE(v.reasons.empty()) << host << ": " << v.reasons.front().text;
  }
  auto own = run_check(
      *check, message("From: Microsoft <no-reply@email.cloud.microsoft>\n", "Your account.\n"));
  EXPECT_FALSE(has_reason(own, "phishing.display-name"));
  // A brand's top-level domain is no name written in front of another: Google's analytics
  // host, UPS's supply-chain site.
  for (const char* host : {"www.google-analytics.com", "www.ups-scs.com"}) {
    auto v = anchor_to(fmt::format("https://{}/x", host), "Open");
    EXPECT_FALSE(has_reason(v, "phishing.brand-in-host")) << host;
  }
}

TEST_F(PhishingCheckTest, FromNameShowingABrandsDomain) {
  auto v = run_check(*check, message("From: \"Amazon.co.uk\" <orders.uk@gmail.example>\n",
                                     "Call us about your order.\n"));
  EXPECT_TRUE(has_reason(v, "phishing.display-name"));
  auto own = run_check(
      *check, message("From: \"Amazon.co.uk\" <auto-confirm@amazon.co.uk>\n", "Your order.\n"));
  EXPECT_FALSE(has_reason(own, "phishing.display-name"));
  // In the text a domain names nobody: a shop's "follow us on x.com" beside account wording.
  auto shop = run_check(*check, message("From: Shop <news@shop.example>\n",
                                        "Please verify your account: https://shop.example/login\n"
                                        "Follow us on x.com and me.com\n"));
  EXPECT_FALSE(has_reason(shop, "phishing.brand-bait"));
}

TEST_F(PhishingCheckTest, BrandOfTheFromNameInTheAddressToo) {
  auto v = sent_by("From: IRS <refunds@irs-taxpayer.example>\n");
  EXPECT_TRUE(has_reason(v, "phishing.brand-in-sender"));
  auto plain = sent_by("From: IRS <refunds@taxpayer.example>\n");
  EXPECT_FALSE(has_reason(plain, "phishing.brand-in-sender"));
  // The brand's own country site is not a disguise.
  auto country = sent_by("From: \"Amazon.com.au\" <auto-confirm@amazon.com.au>\n");
  EXPECT_FALSE(has_reason(country, "phishing.brand-in-sender"));
  // A government's host speaks for administrations only, not for brands.
  auto gov = sent_by("From: PayPal <it@health.gov.example.gov>\n");
  EXPECT_TRUE(has_reason(gov, "phishing.display-name"));
  // A government's host may speak for an administration (GOV.UK Notify sends for HMRC).
  auto notify = sent_by("From: HMRC <noreply@notifications.service.gov.uk>\n");
  EXPECT_FALSE(has_reason(notify, "phishing.display-name"));
}

TEST_F(PhishingCheckTest, InvisibleCharactersInTheFromName) {
  auto v = sent_by("From: \"Ne\u200btflix\" <billing@stream.example>\n");
  EXPECT_TRUE(has_reason(v, "phishing.invisible-characters"));
  // A joiner in an emoji sequence (a family) or in Persian writing is not hiding anything.
  EXPECT_FALSE(has_reason(sent_by("From: Shop <a@shop.example>\nSubject: For the "
                                  "\U0001F468\u200d\U0001F469\u200d\U0001F467 family\n"),
                          "phishing.invisible-characters"));
  EXPECT_FALSE(has_reason(sent_by("From: \"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645\" "
                                  "<a@shop.example>\n"),
                          "phishing.invisible-characters"));
  EXPECT_FALSE(
      has_reason(sent_by("From: Netflix <a@stream.example>\n"), "phishing.invisible-characters"));
  // An invisible operator, a direction override that turns text round, a Hangul filler for a
  // blank-looking name, a direction mark between Latin letters: hiding something.
  for (const char* from :
       {"From: \"Pay\u2062Pal\" <a@pay.example>\n",
        "From: \"Support\" <a@pay.example>\nSubject: Invoice \u202Efdp.exe\n",
        "From: \"\u3164\" <a@pay.example>\n", "From: \"Ama\u200Ezon\" <a@shop.example>\n",
        "From: \"Pay\U000E0041Pal\" <a@pay.example>\n", "From: \"Pay\u034FPal\" <a@pay.example>\n",
        "From: \"Ama\u200C\uFE0Fzon\" <a@shop.example>\n",
        "From: \"Nguy\u1EC5\u200Dn Bank\" <a@pay.example>\n", "From: \"\u2800\" <a@pay.example>\n"})
    EXPECT_TRUE(has_reason(sent_by(from), "phishing.invisible-characters")) << from;
  // Direction marks in Hebrew or Arabic names, or around a Latin word inside them, do work.
  for (const char* from :
       {"From: \"Team \U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067"
        "\U000E007F\" <a@shop.example>\n",
        "From: \"\u05D3\u05E0\u05D4\u200F \u05DB\u05D4\u05DF\" <a@shop.example>\n",
        "From: \"\u05D3\u05E0\u05D4 \u200EIBM\u200E\" <a@shop.example>\n"})
    EXPECT_FALSE(has_reason(sent_by(from), "phishing.invisible-characters")) << from;
}

TEST_F(PhishingCheckTest, OurNameWithRepliesElsewhere) {
  auto ceo = message("From: The CEO <ceo@example.com>\nReply-To: ceo.private@mail.example\n",
                     "I need a discreet transfer today.\n");
  // Without DMARC's word (a contact form sends as us with the visitor's Reply-To): silent.
  EXPECT_FALSE(has_reason(run_check(*check, ceo, local_context("example.com")),
                          "phishing.our-name-replies-elsewhere"));
  const Context failed = local_context("example.com", AuthOutcome::fail);
  EXPECT_TRUE(has_reason(run_check(*check, ceo, failed), "phishing.our-name-replies-elsewhere"));
  // A list's mail sets Reply-To to the list.
  auto list = message(
      "From: Alice <alice@example.com>\nReply-To: team@lists.example\n"
      "List-Id: <team.lists.example>\n",
      "Minutes attached.\n");
  EXPECT_FALSE(has_reason(run_check(*check, list, failed), "phishing.our-name-replies-elsewhere"));
}

TEST_F(PhishingCheckTest, PlainHostShownOverTheSendersOwnTracker) {
  auto v =
      run_check(*check, message("From: Bank <news@bank.example>\nContent-Type: text/html\n",
                                "<a href=\"https://e.bank.example/t/1\">signal-spam.fr</a>\n"));
  EXPECT_FALSE(has_reason(v, "phishing.link-text"));
  // A brand's host shown over it still counts.
  auto brand =
      run_check(*check, message("From: Bank <news@bank.example>\nContent-Type: text/html\n",
                                "<a href=\"https://e.bank.example/t/1\">www.paypal.com</a>\n"));
  EXPECT_TRUE(has_reason(brand, "phishing.link-text"));
}

TEST_F(PhishingCheckTest, LinkToAHostMixingScripts) {
  // "exаmple-bank" with a Cyrillic "а" (xn--exmple-bank-zij): strong; a name in one script
  // with an accent ("bücher", xn--bcher-kva): only internationalised.
  auto mixed = run_check(*check, message("From: a@shop.example\n",
                                         "Sign in: https://xn--exmple-bank-zij.test/login\n"));
  EXPECT_TRUE(has_reason(mixed, "phishing.mixed-script-link"));
  auto accented =
      run_check(*check, message("From: a@shop.example\n", "See https://xn--bcher-kva.test/\n"));
  EXPECT_FALSE(has_reason(accented, "phishing.mixed-script-link"));
  EXPECT_TRUE(has_reason(accented, "phishing.idn-link"));
  // A harmless internationalised link first does not hide a mixed one after it.
  auto both = run_check(*check, message("From: a@shop.example\n",
                                        "https://xn--bcher-kva.test/ and "
                                        "https://xn--exmple-bank-zij.test/login\n"));
  EXPECT_TRUE(has_reason(both, "phishing.mixed-script-link"));
  // Written out in plain text, not as punycode.
  auto written =
      run_check(*check, message("From: a@shop.example\nContent-Type: text/plain; charset=utf-8\n",
                                "Sign in: https://ex\u0430mple-bank.test/login\n"));
  EXPECT_TRUE(has_reason(written, "phishing.mixed-script-link"));
  auto sender =
      run_check(*check, message("From: Bank <alerts@xn--exmple-bank-zij.test>\n", "Hello.\n"));
  EXPECT_TRUE(has_reason(sender, "phishing.lookalike-sender"));
}

TEST_F(PhishingCheckTest, DisplayNameNamingOurDomainFromElsewhere) {
  const Context ours = local_context("example.org");
  auto v = run_check(
      *check, message("From: \"Webmail example.org\" <notify@mailer.test>\n", "Hello.\n"), ours);
  EXPECT_TRUE(has_reason(v, "phishing.display-name"));
  EXPECT_TRUE(has_reason(sent_by("From: \"mail.example.org Webmail\" <n@mailer.test>\n", ours),
                         "phishing.display-name"));
  // A longer name that contains ours, our own sender, a list's rewrite: no.
  EXPECT_FALSE(
      has_reason(sent_by("From: \"alice at example.org via Friends\" <list@lists.test>\n", ours),
                 "phishing.display-name"));
  EXPECT_FALSE(has_reason(sent_by("From: \"myexample.org team\" <a@mailer.test>\n", ours),
                          "phishing.display-name"));
  EXPECT_FALSE(has_reason(sent_by("From: \"Webmail example.org\" <it@example.org>\n", ours),
                          "phishing.display-name"));
}

TEST_F(PhishingCheckTest, FreeHostingFromAnImpersonatorOrWithAccountWording) {
  auto impersonator =
      run_check(*check, message("From: DHL Express <noreply@parcel-notify.test>\n",
                                "A duty of EUR 2.99 is due: https://bit.ly/3abc\n"));
  EXPECT_TRUE(has_reason(impersonator, "phishing.hosted-page"));
  auto wording = run_check(*check, message("From: Help <help@mailer.test>\n",
                                           "Your password expires today. Keep it here: "
                                           "https://keep-pass.web.app/\n"));
  EXPECT_TRUE(has_reason(wording, "phishing.hosted-page"));
  // A newsletter with a shortened link, pretending to be nobody: no.
  auto newsletter = run_check(
      *check, message("From: Club <news@club.test>\n", "Our summer photos: https://bit.ly/3abc\n"));
  EXPECT_FALSE(has_reason(newsletter, "phishing.hosted-page"));
}

TEST_F(PhishingCheckTest, CredentialsAskedForByReply) {
  auto ask = [&](std::string_view body) {
    return has_reason(
        run_check(*check, message("From: Service <svc@mailer.test>\n", std::string(body) + "\n")),
        "phishing.asks-credentials");
  };
  EXPECT_TRUE(ask("Please reply to this e-mail with:\n1. your user name\n2. your password\n"));
  EXPECT_TRUE(
      ask("Merci de repondre a ce message en indiquant votre identifiant et votre mot "
          "de passe."));
  EXPECT_TRUE(ask("Send us your card number and its expiry date today."));
  EXPECT_TRUE(
      ask("Pour debloquer vos acces, merci de repondre en indiquant votre identifiant et "
          "votre code confidentiel."));
  // Warnings, reports, our own sending, one kind of data: no.
  EXPECT_FALSE(ask("We will never ask you to reply with your password or card number."));
  EXPECT_FALSE(
      ask("Nous ne vous demanderons jamais de nous communiquer votre identifiant ou "
          "votre mot de passe."));
  EXPECT_FALSE(ask("The fake mail asks you to reply with your password and PIN."));
  EXPECT_FALSE(ask("We will send you your username and a link to reset your password."));
  EXPECT_FALSE(ask("Please reply with your account number so that we find your order."));
  EXPECT_FALSE(
      ask("If you have any question, reply to this email. We will never ask for your "
          "password or PIN."));
  // What an employer or a travel agent asks for, no secret among it: no.
  EXPECT_FALSE(
      ask("To set up direct deposit, please reply with your routing number, account "
          "number and SSN."));
  EXPECT_FALSE(ask("Please reply with each traveller's date of birth and passport expiry date."));
  // The request is its own sentence (a colon may open a list); the data are counted there.
  EXPECT_FALSE(
      ask("Please reply to confirm. Access code: 2734 182 5519. Meeting password: "
          "Xq3mP."));
  EXPECT_FALSE(
      ask("For the refund, please reply with your IBAN and the name of the account "
          "holder. Our opening hours are nine to five, Monday to Friday, and our "
          "shop is closed on public holidays. We will never ask for your password."));
  EXPECT_FALSE(
      ask("Merci de nous transmettre votre offre pour le lot CVC avec sa date de "
          "validite."));
  // A negation after the data does not refuse the request; "e-mail us" asks too.
  EXPECT_TRUE(
      ask("Reply with your username and password now to avoid your mailbox being "
          "deactivated. Do not ignore this notice."));
  EXPECT_TRUE(
      ask("Repondez avec votre identifiant et mot de passe afin de ne pas perdre vos "
          "messages."));
  EXPECT_TRUE(ask("To keep your mailbox, e-mail us your email address and password."));
  // A list opened by a colon may run longer than a sentence.
  EXPECT_TRUE(
      ask("Merci de repondre a ce message en indiquant :\n- vos nom et prenom\n- votre "
          "identifiant client (10 chiffres)\n- votre adresse postale complete\n- le "
          "numero de votre carte bancaire et sa date d'expiration"));
  // ... unless the sender pretends to be the tax office; replies to another domain weigh more.
  auto irs = run_check(*check, message("From: IRS <refunds@taxpayer-help.test>\n"
                                       "Reply-To: irs.refund@freemail.test\n",
                                       "Please reply with your date of birth, social security "
                                       "number and the routing number of your bank.\n"));
  EXPECT_TRUE(has_reason(irs, "phishing.asks-credentials"));
  EXPECT_GE(test::points(irs, Label::phishing), 3.0 + 4.0);
}

}  // namespace
}  // namespace facteur::filter
