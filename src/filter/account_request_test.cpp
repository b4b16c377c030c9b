#include "filter/account_request.hpp"

#include <gtest/gtest.h>

namespace facteur::filter {
namespace {

int requests(std::string_view text) {
  return account_requests(normalize_text(text));
}

TEST(AccountRequests, VerbsOfVerifyingOnYourAccountInAnyWording) {
  EXPECT_EQ(requests("To release your funds, please verify your FSA ID before August 1."), 1);
  EXPECT_EQ(requests("You must renew your library access within 48 hours."), 1);
  EXPECT_EQ(requests("Click here to prove your identity."), 1);
  EXPECT_EQ(requests("Merci de valider vos coordonnées bancaires sous 24 heures."), 1);
  EXPECT_EQ(requests("Veuillez réactiver votre compte en ligne."), 1);
}

TEST(AccountRequests, ThreatsToYourAccountInTheSameClause) {
  EXPECT_EQ(requests("Your borrowing privileges and e-journal access have been suspended."), 1);
  EXPECT_EQ(requests("Votre carte a été bloquée suite à une activité inhabituelle."), 1);
  EXPECT_EQ(requests("Your account, as we said, has been suspended."), 0);  // another clause
  EXPECT_EQ(requests("Your account is not suspended."), 0);
}

TEST(AccountRequests, WarningsReportsAndNewsletterWordingAreNotRequests) {
  EXPECT_EQ(requests("We will never ask you to verify your password by e-mail."), 0);
  EXPECT_EQ(requests("Nous ne vous demanderons jamais de confirmer votre identifiant."), 0);
  EXPECT_EQ(requests("Update your profile and preferences to get better recommendations."), 0);
  EXPECT_EQ(requests("Please confirm your subscription to our newsletter."), 0);
  EXPECT_EQ(requests("Please verify your email address to finish signing up."), 0);
  EXPECT_EQ(requests("We will verify the information you sent."), 0);  // no "your"
  EXPECT_EQ(requests("Verify. Your account details are below."), 0);   // a sentence apart
}

TEST(AccountRequests, CountsUpToThree) {
  EXPECT_EQ(requests("Verify your account. Confirm your identity. Update your billing. "
                     "Validate your card. Your access will be suspended."),
            3);
}

}  // namespace
}  // namespace facteur::filter
