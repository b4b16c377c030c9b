#include "filter/account_request.hpp"

#include <gtest/gtest.h>

namespace facteur::filter {
namespace {

int requests(std::string_view text) {
  return account_requests(normalize_text(text));
}

TEST(AccountRequests, VerbsOfVerifyingOnYourAccountInAnyWording) {
  EXPECT_EQ(requests("To release your funds, please verify your ID before August 1."), 1);
  EXPECT_EQ(requests("You must renew your library access within 48 hours."), 1);
  EXPECT_EQ(requests("Click here to prove your identity."), 1);
  EXPECT_EQ(requests("Please verify your Microsoft 365 email account."), 1);
  EXPECT_EQ(requests("Merci de valider vos coordonnées bancaires sous 24 heures."), 1);
  EXPECT_EQ(requests("Veuillez réactiver votre compte en ligne."), 1);
  EXPECT_EQ(requests("Confirmez votre identifiant."), 1);
  EXPECT_EQ(requests("Mettez à jour vos informations de paiement."), 1);
  // A condition before a negation makes a threat, not a denial.
  EXPECT_EQ(requests("If you do not update your payment information, we will close it."), 1);
}

TEST(AccountRequests, ThreatsToYourAccountInTheSameClause) {
  EXPECT_EQ(requests("Your borrowing privileges and e-journal access have been suspended."), 0);
  EXPECT_EQ(requests("Your borrowing privileges have been suspended."), 1);
  EXPECT_EQ(requests("Your Microsoft Office 365 account will be deactivated."), 1);
  EXPECT_EQ(requests("Votre carte a été bloquée suite à une activité inhabituelle."), 1);
  EXPECT_EQ(requests("Votre espace client a été suspendu."), 1);
  EXPECT_EQ(requests("Your email access will be revoked."), 1);
  EXPECT_EQ(requests("Your account is on hold."), 1);
  EXPECT_EQ(requests("We have temporarily suspended your account."), 1);  // active voice
  EXPECT_EQ(requests("Nous avons suspendu votre compte."), 1);
  EXPECT_EQ(requests("Your account, as we said, has been suspended."), 0);  // another clause
  EXPECT_EQ(requests("Your account is not suspended."), 0);
  EXPECT_EQ(requests("We have not suspended your account."), 0);
  // One threat is counted once.
  EXPECT_EQ(requests("Your account has been blocked."), 1);
}

// Every sentence below is from legitimate mail (a review of the first version found them).
TEST(AccountRequests, WarningsReportsAndNoticesAreNotRequests) {
  EXPECT_EQ(requests("We will never ask you to verify your password by e-mail."), 0);
  EXPECT_EQ(requests("We will never send you an email asking you to confirm your password."), 0);
  EXPECT_EQ(requests("Nous ne vous demanderons jamais de confirmer vos identifiants."), 0);
  EXPECT_EQ(requests("Méfiez-vous des messages vous demandant de valider vos identifiants."), 0);
  EXPECT_EQ(requests("Un message annonçant que votre compte est bloqué est une arnaque."), 0);
  EXPECT_EQ(requests("Update your profile and preferences to get better recommendations."), 0);
  EXPECT_EQ(requests("Please confirm your subscription to our newsletter."), 0);
  EXPECT_EQ(requests("Please verify your email address to finish signing up."), 0);
  EXPECT_EQ(requests("It's time to renew your membership for 2027."), 0);
  EXPECT_EQ(requests("We will verify the information you sent."), 0);  // no "your"
  EXPECT_EQ(requests("Verify. Your account details are below."), 0);   // a sentence apart
}

TEST(AccountRequests, ShopsBanksAndAssociationsInTheirOwnWords) {
  EXPECT_EQ(requests("Please check and confirm your booking details below."), 0);
  EXPECT_EQ(requests("Please confirm your order ID when contacting support."), 0);
  EXPECT_EQ(requests("Your card ending in 4242 will expire next month."), 0);
  EXPECT_EQ(requests("Your free account is limited to 3 projects."), 0);
  EXPECT_EQ(requests("Use your card before this limited-time offer ends."), 0);
  EXPECT_EQ(requests("Your payment has been cancelled and refunded."), 0);
  EXPECT_EQ(requests("Your payment information is encrypted and access is restricted."), 0);
  EXPECT_EQ(requests("Your library membership will expire on 31 December."), 0);
  EXPECT_EQ(requests("Your login still works while the office is closed for the holidays."), 0);
  EXPECT_EQ(requests("Votre carte reste valable pendant que l'agence est fermée."), 0);
  EXPECT_EQ(requests("If your card is blocked, call us at 0800 123 456."), 0);
  EXPECT_EQ(requests("If your PayPal account is limited, you have to call them."), 0);
  EXPECT_EQ(requests("Your login attempts from unknown devices are now blocked."), 0);
  EXPECT_EQ(requests("A ton of accounts were locked out this morning."), 0);
  EXPECT_EQ(requests("Your account | Order history | Returns\nStores closed on 25 December"), 0);
}

TEST(AccountRequests, CountsUpToThree) {
  EXPECT_EQ(requests("Verify your account. Confirm your identity. Update your billing. "
                     "Validate your card. Your access will be suspended."),
            3);
}

}  // namespace
}  // namespace facteur::filter
