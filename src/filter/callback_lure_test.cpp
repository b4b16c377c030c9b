// Callback lures (callback_lure.hpp) and how the phishing check weighs them with the sender.
#include "filter/callback_lure.hpp"

#include <gtest/gtest.h>

#include "filter/checks.hpp"
#include "filter/test_util.hpp"

namespace facteur::filter {
namespace {

using test::has_reason;
using test::message;
using test::run_check;

std::optional<std::string> phone(std::string_view text) {
  return find_phone_number(text);
}

TEST(PhoneNumber, TheShapesPeopleWrite) {
  EXPECT_EQ(phone("call +1 (833) 555-0148 now"), "+1 (833) 555-0148");
  EXPECT_EQ(phone("at 1-800-555-0199."), "1-800-555-0199");
  EXPECT_EQ(phone("(888) 555 0199"), "(888) 555 0199");
  EXPECT_EQ(phone("888.555.0199"), "888.555.0199");
  EXPECT_EQ(phone("appelez le 01 23 45 67 89"), "01 23 45 67 89");
  EXPECT_EQ(phone("+44 20 7946 0958"), "+44 20 7946 0958");
  EXPECT_EQ(phone("+33 1 23 45 67 89"), "+33 1 23 45 67 89");
  // A full stop ends it, whatever number the next sentence starts with.
  EXPECT_EQ(phone("call 1-800-555-0148. 2024 was a good year"), "1-800-555-0148");
  EXPECT_EQ(phone("appelez le 01.23.45.67.89.\n"), "01.23.45.67.89");
}

TEST(PhoneNumber, OtherNumbersAreNot) {
  for (std::string_view text :
       {"Invoice No.: NL-48213907", "Order ID: MSD-88213-4471", "2025-03-17 10:30",
        "Total: $1 234 567.89", "card 4111 1111 1111 1111", "IBAN FR76 3000 6000 0112 3456",
        "tracking 9400 1000 0000 0000 0000 00", "version 1.2.3.4", "555-0148", "ID12-345-678-9012",
        "ISBN 0-596-00317-X", "(c) 2002"}) {
    EXPECT_FALSE(phone(text)) << text;
  }
}

std::optional<CallbackLure> lure(std::string_view text, std::string_view subject = "") {
  auto body = normalize_text(text);
  auto words = normalize_text(subject);
  return find_callback_lure(text, body, subject, words);
}

constexpr std::string_view kNorton =
    "Thank you for renewing your subscription. Total: $399.99 USD.\n"
    "If you did not authorize this charge or wish to cancel and receive a full refund, please "
    "call our Billing Department within 24 hours at +1 (833) 555-0148.\n";

TEST(CallbackLure, AChargeTheReaderDidNotMakeAndANumberToCall) {
  auto l = lure(kNorton);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->phone, "+1 (833) 555-0148");
  EXPECT_TRUE(
      lure("Commande validee : 289,90 \xe2\x82\xac.\nSi vous n'etes pas a l'origine de "
           "cet achat, appelez le 09 70 55 01 23."));
  // The amount may be in the subject only.
  EXPECT_TRUE(lure("If this wasn't you, call 1-800-555-0199 to cancel.", "Order of $249.00"));
}

TEST(CallbackLure, EveryPartIsNeeded) {
  // No amount, no number, no verb of calling, no condition put to the reader.
  EXPECT_FALSE(lure("If you did not authorize this charge, call +1 (833) 555-0148."));
  EXPECT_FALSE(lure("Total: $399.99. If you did not authorize this charge, call us."));
  EXPECT_FALSE(lure("Total: $399.99. If you did not authorize this charge: +1 (833) 555-0148."));
  EXPECT_FALSE(lure("Total: $399.99. Questions? Call +1 (833) 555-0148."));
  // A customer writing about their own charge says "I".
  EXPECT_FALSE(
      lure("I was charged $49.99 and I did not authorize it. Please call me at "
           "+1 (833) 555-0148."));
}

TEST(CallbackLure, TheDenialAndTheCallMustBeInOneSentenceOrTheNext) {
  // Three sentences apart: a newsletter's "wasn't you" footer and its sales line.
  EXPECT_FALSE(
      lure("New book, $44.95. To order, call 1-800-555-0199. It covers JSP 1.2. Reviews are "
           "in. If this wasn't you, unsubscribe on the web page."));
  EXPECT_TRUE(lure("New book, $44.95. If this wasn't you, read on. Call 1-800-555-0199."));
  // A colon does not end a sentence: "Toll Free: +1 ..." belongs to what comes before.
  EXPECT_TRUE(
      lure("Amount: $349.99 USD.\nIf you did not authorize this renewal, please contact our "
           "billing department.\nToll Free : +1 (844) 555-0117\n"));
}

TEST(CallbackLure, TheWaysItIsPut) {
  // A question, spaced-out digits, other dashes, dots, the subject alone.
  EXPECT_TRUE(
      lure("Purchase: $1,249.00.\nDidn't authorize this?\nCall +1 - 8 0 5 - 5 5 5 - 0 1 2 9 "
           "right away so our team can reverse the purchase."));
  auto dashes = lure(
      "Total billed: $429.99. If this wasn't you, contact our desk at 1\xe2\x80\x91"
      "888\xe2\x80\x91"
      "555\xe2\x80\x91"
      "0139.");
  ASSERT_TRUE(dashes);
  EXPECT_EQ(dashes->phone,
            "1\xe2\x80\x91"
            "888\xe2\x80\x91"
            "555\xe2\x80\x91"
            "0139");
  auto dots = lure(
      "Montant : 1 480,00 \xe2\x82\xac. Si vous n'etes pas a l'origine de cette operation, "
      "contactez notre cellule au 0 1 . 9 9 . 0 0 . 3 3 . 8 2 afin de la bloquer.");
  ASSERT_TRUE(dots);
  EXPECT_EQ(dots->phone, "0 1 . 9 9 . 0 0 . 3 3 . 8 2");
  EXPECT_TRUE(
      lure("Your plan was renewed.", "Renewed for $99.99 - Not you? Call +1 (855) 555-0148"));
  // The number reported is the one the call to action gives, not the first in the text.
  auto second =
      lure("Store hours: 555 201 4477. Total $99.00.\nIf this wasn't you, call 1-800-555-0199.");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->phone, "1-800-555-0199");
}

TEST(CallbackLure, SmallBusinessesTermsAreNot) {
  // Cancelling and disputes are every shop's terms; only the reader's denial of a charge, or a
  // refund waiting for their call, makes the lure.
  EXPECT_FALSE(lure("Total: $350. To cancel the appointment, call 555 123 4567."));
  EXPECT_FALSE(lure("Invoice total: $240.00. For billing disputes, call us at 555-201-4477."));
  // A cancellation for a refund is found, but as no denial: the phishing check counts it only
  // from someone posing as a brand.
  for (auto terms : {"To cancel for a refund within 14 days, call the front desk at (415) "
                     "555-0134. Class pass: $120.",
                     "Acompte de 150 \xe2\x82\xac : en cas d'annulation il est rembourse. Pour "
                     "annuler, contactez-nous au 06 12 34 56 78."}) {
    auto l = lure(terms);
    ASSERT_TRUE(l) << terms;
    EXPECT_FALSE(l->denial) << terms;
  }
  EXPECT_FALSE(
      lure("Tickets are $15. Whether or not you can attend, please call Susan at "
           "555-201-4477."));
  // A date and a time are no number to call.
  EXPECT_FALSE(
      lure("Order of $45.00 placed 03/17/2025 10:30. If this wasn't you, contact us by "
           "replying to this email."));
  // The writer's own charge is theirs to dispute.
  EXPECT_FALSE(lure("Total: $350. I did not authorize this charge, call me at 555 123 4567."));
}

class CallbackSender : public ::testing::Test {
 protected:
  std::unique_ptr<Check> check = make_phishing_check(std::make_shared<BrandList>());
  Verdict from(std::string_view from, std::string_view body) {
    return run_check(*check, message("From: " + std::string(from) + "\nSubject: Receipt\n", body));
  }
  static double callback_points(const Verdict& v) {
    for (const auto& r : v.reasons)
      if (r.check == "phishing.callback") return r.points;
    return 0;
  }
};

TEST_F(CallbackSender, FreeMailNamingABrandOrPosingAsOneIsPhishing) {
  std::string norton = std::string(kNorton) + "Norton 360 Deluxe, 5 devices.\n";
  auto gmail = from("Billing Dept <sandra.k.8142@gmail.com>", norton);
  EXPECT_EQ(callback_points(gmail), 5.0);
  EXPECT_EQ(gmail.reasons.back().text,
            "asks to call +1 (833) 555-0148 about a charge the reader did not make, from a "
            "free-mail address at gmail.com, naming Norton");
  EXPECT_EQ(callback_points(from("PayPal Billing <billing@invoices-center.example>", kNorton)),
            4.0);
  // Free-mail Reply-To: a shop's contact form sends as the shop with the customer's.
  EXPECT_EQ(callback_points(from("billing@invoices-center.example\nReply-To: x@gmail.com", norton)),
            4.0);
}

TEST_F(CallbackSender, ShopsAndProvidersOnTheirOwnAreBelowJunk) {
  // A bakery on gmail, a provider's own notice from its own (free-mail) domain: 3 at most.
  EXPECT_EQ(callback_points(from("Bella's Bakery <bellasbakery@gmail.com>", kNorton)), 3.0);
  EXPECT_EQ(callback_points(from("Orange Service Client <commande@orange.fr>",
                                 std::string(kNorton) + "Votre Livebox.\n")),
            3.0);
  // An unknown business domain naming a brand (a credit union's alert naming the merchant).
  EXPECT_FALSE(has_reason(
      from("alerts@firstcommunitycu.example", std::string(kNorton) + "Merchant: Amazon.com\n"),
      "phishing.callback"));
  // A bank on a domain the list lacks, authenticated: it poses as nobody.
  Context ctx;
  AuthSignals a;
  a.dmarc = AuthOutcome::pass;
  a.dmarc_domain = "santanderbank.example";
  ctx.auth = a;
  auto bank = run_check(
      *check,
      message("From: Santander Fraud Alerts <alerts@santanderbank.example>\nSubject: Alert\n",
              kNorton),
      ctx);
  EXPECT_FALSE(has_reason(bank, "phishing.callback"));
  EXPECT_TRUE(
      has_reason(run_check(*check, message("From: Santander Fraud Alerts "
                                           "<alerts@santanderbank.example>\nSubject: Alert\n",
                                           kNorton)),
                 "phishing.callback"));
}

TEST_F(CallbackSender, ACancellationForARefundCountsOnlyFromABrandsNameBorrowed) {
  constexpr std::string_view kTerms =
      "Class pass: $120. To cancel for a refund within 14 days, call the front desk at (415) "
      "555-0134.\n";
  EXPECT_FALSE(has_reason(from("Sunrise Yoga <sunrise.yoga.studio@gmail.com>", kTerms),
                          "phishing.callback"));
  EXPECT_EQ(callback_points(from("PayPal Billing <billing.desk@gmail.com>", kTerms)), 4.0);
}

TEST_F(CallbackSender, ForwardsRepliesAndBouncesQuoteSomebodyElse) {
  std::string norton = std::string(kNorton) + "Norton 360.\n";
  EXPECT_TRUE(has_reason(from("Bob <bob.smith@gmail.com>", norton), "phishing.callback"));
  for (std::string quoting :
       {"Got this today, scam, ignore it!\n\n---------- Forwarded message ---------\n" + norton,
        "Is this from you?\n\n________________________________\nFrom: Billing\nSent: Monday\n"
        "Subject: Receipt\n\n" +
            norton,
        "Who is this?\n\nOn Mon, 3 Mar 2025 at 10:02, Billing <b@x.example> wrote:\n" + norton,
        "Who is this?\n\n> " +
            std::string(kNorton).replace(std::string(kNorton).find('\n'), 1, "\n> ") +
            "> Norton 360.\n"}) {
    EXPECT_FALSE(has_reason(from("Bob <bob.smith@gmail.com>", quoting), "phishing.callback"))
        << quoting;
  }
  auto bounce = run_check(
      *check, message("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: "
                      "Delivery Status Notification (Failure)\n",
                      norton));
  EXPECT_FALSE(has_reason(bounce, "phishing.callback"));
}

TEST_F(CallbackSender, ABankAboutItsOwnCustomersChargeIsNot) {
  // The bank's own domain, the bank named, no link: a real fraud alert.
  std::string alert = std::string(kNorton) + "Chase Bank fraud prevention.\n";
  EXPECT_FALSE(
      has_reason(from("Chase Fraud Alerts <alerts@chase.com>", alert), "phishing.callback"));
  // The same from elsewhere, the name borrowed: the lure.
  EXPECT_EQ(callback_points(from("Chase Fraud Alerts <alerts@chase-alerts.example>", alert)), 4.0);
}

}  // namespace
}  // namespace facteur::filter
