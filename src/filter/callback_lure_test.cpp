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

TEST(CallbackLure, TheConditionAndTheCallMustBeInOneSentenceOrTheNext) {
  // A newsletter: the cancellation and the sales line paragraphs apart.
  EXPECT_FALSE(
      lure("New book, $44.95. To order, call 1-800-555-0199. It covers JSP 1.2. "
           "Chapters are online. Reviews are in. If you wish to cancel this "
           "subscription, go to the web page."));
  EXPECT_TRUE(lure("New book, $44.95. If this wasn't you, read on. Call 1-800-555-0199."));
}

TEST(CallbackLure, TheWaysItIsPut) {
  // A question, spaced-out digits, other dashes, the subject alone.
  EXPECT_TRUE(
      lure("Purchase: $1,249.00.\nDidn't authorize this?\nCall +1 - 8 0 5 - 5 5 5 - 0 1 2 9 "
           "right away so our team can reverse the purchase."));
  EXPECT_TRUE(
      lure("Total billed: $429.99. To cancel and get a refund contact our desk at "
           "1\xe2\x80\x91"
           "888\xe2\x80\x91"
           "555\xe2\x80\x91"
           "0139."));
  EXPECT_TRUE(lure("For any dispute reach our helpline 888.555.0113. You paid $600.00."));
  EXPECT_TRUE(
      lure("Your plan was renewed.", "Renewed for $99.99 - Not you? Call +1 (855) 555-0148"));
  // A plumber's "call to cancel the appointment" denies nothing and refunds nothing; the
  // writer's own charge is theirs to dispute.
  EXPECT_FALSE(lure("Total: $350. To cancel the appointment, call 555 123 4567."));
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

TEST_F(CallbackSender, FreeMailOrPosingAsABrandIsPhishing) {
  auto gmail = from("Billing Dept <sandra.k.8142@gmail.com>", kNorton);
  EXPECT_EQ(callback_points(gmail), 5.0);
  EXPECT_EQ(gmail.reasons.back().text,
            "asks to call +1 (833) 555-0148 about a charge the reader did not make, from a "
            "free-mail address at gmail.com");
  EXPECT_EQ(callback_points(from("PayPal Billing <billing@invoices-center.example>", kNorton)),
            4.0);
  // The brand named only in the text, no link to anywhere: 3.
  std::string named = std::string(kNorton) + "PayPal Inc.\n";
  EXPECT_EQ(callback_points(from("billing@invoices-center.example", named)), 3.0);
}

TEST_F(CallbackSender, ABankAboutItsOwnCustomersChargeIsNot) {
  // The bank's own domain, the bank named, a link to its site: a real fraud alert.
  std::string alert = std::string(kNorton) + "Chase. https://www.chase.com/security\n";
  EXPECT_FALSE(has_reason(from("Chase <alerts@chase.com>", alert), "phishing.callback"));
  // A shop's own receipt with a link to its site, naming nobody else.
  std::string receipt = std::string(kNorton) + "https://shop.example/orders/1\n";
  EXPECT_FALSE(has_reason(from("orders@shop.example", receipt), "phishing.callback"));
}

}  // namespace
}  // namespace facteur::filter
