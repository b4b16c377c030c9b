// The built-in checks: the statistical classifier, the phishing, advance-fee (419) and hoax
// detectors, and the session signals (SPF/DKIM/DMARC results, rate limits, DNS blocklists) that
// the SMTP side computes and hands over in Context.
#pragma once

#include <memory>
#include <string_view>

#include "filter/bayes.hpp"
#include "filter/brands.hpp"
#include "filter/check.hpp"
#include "filter/model_store.hpp"
#include "filter/tokenizer.hpp"

namespace facteur::filter {

// The statistical classifiers: the Bayesian one ("bayes") and the linear one ("linear"), each
// abstaining (adding nothing) when its model is not trained or too small. With
// `account_models`, the recipient's own token counts are summed with the site-wide ones. Each
// classifier's points go to the abuse kind it names (LinearPoints::names_kind). Their abuse
// points are capped for mail that a protected brand in `brands` (or a government)
// authenticated, unless the detectors found evidence of their own (bayes_check.cpp).
std::unique_ptr<Check> make_bayes_check(std::shared_ptr<const ModelStore> store,
                                        BayesParams params = {}, BayesPoints points = {},
                                        TokenizerOptions tokenizer = {}, bool account_models = true,
                                        LinearPoints linear = {},
                                        std::shared_ptr<const BrandList> brands = nullptr);
std::unique_ptr<Check> make_phishing_check(std::shared_ptr<const BrandList> brands);
std::unique_ptr<Check> make_scam_check();
std::unique_ptr<Check> make_hoax_check();
std::unique_ptr<Check> make_session_check();
std::unique_ptr<Check> make_spam_heuristics_check();
std::unique_ptr<Check> make_attachment_check();  // programs attached (attachment_check.cpp)
// The name of the spam heuristics' reason (bulk advertising): the decision reads its points
// to tell a sales pitch from a hoax.
inline constexpr std::string_view kAdvertisingReason = "spam.content";
// The attachment check's reasons (a program attached, a page attached that acts when opened):
// the phishing warning then says not to open the attachment.
inline constexpr std::string_view kProgramAttachedReason = "phishing.attachment";
inline constexpr std::string_view kPageAttachedReason = "phishing.attached-page";
// The welcome lists' reason (welcome.cpp): the decision keeps a welcomed phishing's warning.
inline constexpr std::string_view kWelcomeReason = "auth.welcome";

// Free-mail providers (anyone can get an address there): the scam and phishing checks weigh a
// Reply-To at one of them differently.
bool is_freemail_domain(std::string_view domain) noexcept;

}  // namespace facteur::filter
