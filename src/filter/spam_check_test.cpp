#include <gtest/gtest.h>

#include "filter/checks.hpp"
#include "filter/test_util.hpp"

namespace facteur::filter {
namespace {

using test::has_reason;
using test::message;
using test::run_check;

TEST(SpamHeuristics, SalesPitchWithRemovalInstructions) {
  auto check = make_spam_heuristics_check();
  std::string m = message(
      "From: Offers <offers@promo.example>\nSubject: LIMITED TIME SPECIAL OFFER NOW\n",
      "Dear Friend, act now! Lowest prices on everything, satisfaction guaranteed or your "
      "money back. Click here to order now. To be removed from our list, reply with REMOVE.\n");
  auto v = run_check(*check, m);
  ASSERT_TRUE(has_reason(v, "spam.content"));
  EXPECT_GE(test::points(v, Label::spam), 2.0);
  EXPECT_LE(test::points(v, Label::spam), 3.0);  // capped: never spam on its own
}

TEST(SpamHeuristics, ImageOnlyHtmlAndHiddenText) {
  auto check = make_spam_heuristics_check();
  std::string m = message("From: a@b.example\nContent-Type: text/html\n",
                          "<img src=\"http://img.example/ad.gif\"><div style=\"display:none\">"
                          "lorem</div>\n");
  EXPECT_TRUE(has_reason(run_check(*check, m), "spam.content"));
}

TEST(SpamHeuristics, PlainMailIsQuiet) {
  auto check = make_spam_heuristics_check();
  std::string m = message("From: a@b.example\nSubject: Re: the patch\n",
                          "The patch looks fine to me; I will merge it tomorrow.\n");
  EXPECT_TRUE(run_check(*check, m).reasons.empty());
}

}  // namespace
}  // namespace facteur::filter
