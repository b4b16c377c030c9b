#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "filter/checks.hpp"
#include "filter/hash.hpp"
#include "filter/language.hpp"
#include "filter/phishing_traits.hpp"

namespace facteur::filter {
namespace {

// What the classifiers may still give a message they are not to judge alone (in an unlearnt
// language, or from a brand that authenticated its mail): together less than the junk
// threshold, so other evidence (the detectors, links, DNSBLs) has to agree.
constexpr double kCappedBayesMax = 1.5;
constexpr double kCappedLinearMax = 1.0;

// Evidence from the other checks (scored or hints) that lifts the cap: something besides the
// language points to abuse (a large sum and an inheritance, a plea to forward, a lookalike
// link...). A letter between friends has none.
constexpr double kCorroboration = 3.0;

bool corroborated(const Verdict& v) {
  double other = 0;
  for (std::size_t l = 1; l < kLabels; ++l)
    other += v.evidence[l] - v.statistical[l] + v.hints[l];
  return other >= kCorroboration;
}

// A function word counts as learnt in legitimate mail from this many ham messages on: a few
// dozen letters in a language before the classifiers compare its words (the SpamAssassin ham
// has 2-8 messages with French words such as "vous", "une" or "les": not a basis).
constexpr std::uint32_t kCoveredHam = 20;

// The message's language when the models never learnt legitimate mail in it: fewer than half of
// its function words found in the text occur in kCoveredHam ham messages. Then the classifiers'
// abuse evidence means little more than "not the language of our ham" (their French came from
// 419 letters and hoaxes): a French letter between friends scored as a scam. Their positive
// points are capped (kUnlearnt*Max) unless the detectors (run before) found evidence of their
// own (kCorroboration), and learning ham in that language (Junk moves, spam train --ham) brings
// the classifiers back.
std::optional<Language> unlearnt_language(const MessageView& m,
                                          std::span<const BayesModel* const> models) {
  auto guess = guess_language(m.body.hashes);
  if (guess.language == Language::unknown || models.empty()) return std::nullopt;
  auto words = function_words(guess.language);
  std::size_t present = 0, covered = 0;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (!(guess.present & (std::uint32_t{1} << i))) continue;
    ++present;
    std::uint64_t ham = 0;
    for (const auto* model : models)
      ham += model->lookup(token_hash(words[i]))[static_cast<std::size_t>(Label::ham)];
    if (ham >= kCoveredHam) ++covered;
  }
  if (present == 0 || 2 * covered >= present) return std::nullopt;
  return guess.language;
}

// Protected brands whose mail carries text their users wrote: invoices and money requests,
// envelopes to sign, shares, marketplace, booking and social messages. Scammers write it (a
// PayPal invoice with a number to call, a DocuSign envelope, a guest's message on Booking.com),
// so that mail is judged as anybody's: these brands' mail is never vouched for...
constexpr std::string_view kRelayBrands[] = {
    "PayPal", "eBay",   "Facebook",  "DocuSign", "Dropbox", "LinkedIn", "Booking.com",
    "Airbnb", "Vinted", "Leboncoin", "Twitter",  "TikTok",  "EarthLink"};
// ...nor these parts of others' (the host and its subdomains; google.com itself only, since its
// security notices come from accounts.google.com and its shares and invitations from
// google.com).
constexpr std::string_view kRelayHosts[] = {
    "docs.google.com",  "youtube.com",   "sharepointonline.com",  "teams.microsoft.com",
    "forms.office.com", "amazonses.com", "marketplace.amazon.com"};

bool carries_users_text(std::string_view domain, const Brand& owner) {
  if (std::find(std::begin(kRelayBrands), std::end(kRelayBrands), owner.name) !=
      std::end(kRelayBrands))
    return true;
  if (iequals(domain, "google.com")) return true;
  for (auto host : kRelayHosts)
    if (host_in_domain(domain, host)) return true;
  return false;
}

// Whom the From domain belongs to ("PayPal", "a government") when it is a protected brand's own
// or a government's and it authenticated the message (author_authenticated: DMARC, or an aligned
// DKIM signature where no DMARC record is published). Free-mail providers are excluded (anybody
// has an address at gmail.com, and it passes DMARC), and so are brands' domains that carry their
// users' text. Such mail is the brand's own notices, and their words ("your account", "sign
// in", "verify") are the words the classifiers learnt from its imitations; only the detectors
// can tell the two apart, by links, forms and requests, and they still count whole.
std::optional<std::string> vouched_sender(const MessageView& m, const Context& ctx,
                                          const BrandList& brands) {
  if (!ctx.auth || !author_authenticated(*ctx.auth, m.from_domain) ||
      is_freemail_domain(m.from_domain))
    return std::nullopt;
  // Our own domains are not vouched for, even where they are a brand's: a compromised account
  // of ours passes DMARC.
  for (const auto& d : ctx.local_domains)
    if (host_in_domain(m.from_domain, d)) return std::nullopt;
  for (std::size_t b = 0; b < brands.brands().size(); ++b) {
    const Brand& owner = brands.brands()[b];
    if (brands.owns(b, m.from_domain))
      return carries_users_text(m.from_domain, owner) ? std::nullopt
                                                      : std::optional<std::string>(owner.name);
  }
  if (is_government_host(m.from_domain)) return std::string("a government");
  return std::nullopt;
}

class BayesCheck final : public Check {
 public:
  BayesCheck(std::shared_ptr<const ModelStore> store, BayesParams params, BayesPoints points,
             TokenizerOptions tokenizer, bool account_models, LinearPoints linear,
             std::shared_ptr<const BrandList> brands)
      : store_(std::move(store)),
        brands_(std::move(brands)),
        params_(params),
        points_(points),
        tokenizer_(tokenizer),
        account_models_(account_models),
        linear_(linear) {}

  std::string_view name() const noexcept override { return "bayes"; }

  void run(const MessageView& m, const Context& ctx, Verdict& v) const override {
    if (!store_) return;
    auto global = store_->global();
    auto own = account_models_ ? store_->account(ctx.account) : nullptr;
    auto linear = linear_.enabled ? store_->linear() : nullptr;
    if (linear && linear->empty()) linear = nullptr;
    const BayesModel* models[2];
    std::size_t n = 0;
    if (global) models[n++] = global.get();
    if (own) models[n++] = own.get();
    if (n == 0 && !linear) return;
    auto tokens = tokenize(m, tokenizer_);
    BayesResult r;
    if (n > 0) r = classify(tokens, std::span(models, n), params_);
    mark_unlearnt_kinds(std::span<const BayesModel* const>(models, n), v);
    // Each classifier's points go to the kind of abuse it names (they err on different
    // messages; 5-fold CV: one more phishing and one more spam named right than with the
    // Bayesian kind for both). The linear kind models defer to a Bayesian "hoax": they have too
    // few hoaxes to learn from (the hoax detector does most of that work).
    Label kind = Label::spam;
    if (!r.abstained && r.p_label[static_cast<std::size_t>(r.best)] >= 0.6) kind = r.best;
    const double margin = linear ? linear->margin(tokens) : 0;
    const bool leans_abuse = (!r.abstained && r.p_abuse >= 0.6) || margin > 0;
    // The recipient's own model carries what they taught with their Junk moves, which the
    // site-wide linear classifier does not know: then the Bayesian points stay whole and the
    // linear classifier may only lower the score a little, never overrule the user.
    bool taught = own != nullptr && !r.abstained;
    // Why the classifiers' abuse points are capped, if they are: a language the models learnt
    // no legitimate mail in, or a brand's authenticated mail (not when the recipient taught
    // their own model: what they moved to Junk stands). Never when the detectors found
    // evidence of their own. Only asked when a classifier leans to abuse (most mail is ham).
    std::optional<std::string> capped;
    if (leans_abuse && !corroborated(v)) {
      if (params_.language_coverage && n > 0) {
        if (auto language = unlearnt_language(m, std::span(models, n)))
          capped = fmt::format("no legitimate mail in {} learnt", to_string(*language));
      }
      if (!capped && brands_ && !taught && params_.vouched_brands) {
        if (auto who = vouched_sender(m, ctx, *brands_))
          capped = fmt::format("the From domain {} belongs to {} and is authenticated",
                               m.from_domain, *who);
      }
    }
    double cut = 0;  // points the cap took away
    if (linear) {
      Label linear_kind = kind;
      // The kind models only matter for abuse points: ham (most mail) skips their four passes.
      if (linear_.scale * margin > 0 && linear_.names_kind && kind != Label::hoax) {
        auto guess = linear->kind(tokens);
        linear_kind = guess.margin > 0 ? guess.label : Label::spam;
      }
      cut += add_linear(margin, linear_kind, taught, capped.has_value(), v);
    }
    if (!r.abstained)
      cut += add_bayes(r, kind, own != nullptr, linear && !taught, capped.has_value(), v);
    if (cut >= 0.05) {
      v.add("bayes", 0, Label::ham,
            fmt::format("statistical classifiers: {}, {:.1f} points of theirs not counted", *capped,
                        cut),
            true);
    }
  }

 private:
  // The kinds neither model learnt enough of to name (the linear kind models are trained from
  // the same messages as the counts).
  void mark_unlearnt_kinds(std::span<const BayesModel* const> models, Verdict& v) const {
    if (models.empty()) return;
    for (Label kind : {Label::scam, Label::phishing, Label::hoax}) {
      std::uint64_t learnt = 0;
      for (const BayesModel* model : models)
        learnt += model->messages()[static_cast<std::size_t>(kind)];
      v.unlearnt[static_cast<std::size_t>(kind)] = learnt < params_.min_label;
    }
  }

  // The Bayesian points; returns what the cap took away.
  double add_bayes(const BayesResult& r, Label kind, bool own, bool beside_linear, bool capped,
                   Verdict& v) const {
    double p = r.p_abuse;
    double pts = 0;
    if (p >= 0.999)
      pts = points_.p999;
    else if (p >= 0.99)
      pts = points_.p99;
    else if (p >= 0.95)
      pts = points_.p95;
    else if (p >= 0.90)
      pts = points_.p90;
    else if (p >= 0.80)
      pts = points_.p80;
    else if (p >= 0.60)
      pts = points_.p60;
    else if (p <= 0.001)
      pts = points_.h001;
    else if (p <= 0.01)
      pts = points_.h01;
    else if (p <= 0.20)
      pts = points_.h20;
    if (pts > 0 && beside_linear) pts *= linear_.bayes_share;
    double cut = 0;
    if (pts > kCappedBayesMax && capped) {
      cut = pts - kCappedBayesMax;
      pts = kCappedBayesMax;
    }
    if (pts == 0) return cut;
    std::string text =
        pts > 0
            ? fmt::format("statistical classifier: {:.1f}% likely {} ({} tokens{})", p * 100,
                          to_string(kind), r.tokens_used, own ? ", with the account's model" : "")
            : fmt::format("statistical classifier: {:.1f}% likely legitimate ({} tokens)",
                          (1 - p) * 100, r.tokens_used);
    v.add("bayes", pts, pts > 0 ? kind : Label::ham, std::move(text), true);
    return cut;
  }

  // The linear classifier's points; returns what the cap took away.
  double add_linear(double margin, Label kind, bool taught, bool capped, Verdict& v) const {
    double floor = taught ? std::max(linear_.min, -1.0) : linear_.min;
    double whole = std::clamp(linear_.scale * margin, floor, linear_.max);
    double pts = capped ? std::min(whole, kCappedLinearMax) : whole;
    if (std::abs(pts) < 0.05) return whole - pts;
    auto text = fmt::format("linear classifier: margin {:+.2f} ({})", margin,
                            pts > 0 ? to_string(kind) : std::string_view("legitimate"));
    v.add("linear", pts, pts > 0 ? kind : Label::ham, std::move(text), true);
    return whole - pts;
  }

  std::shared_ptr<const ModelStore> store_;
  std::shared_ptr<const BrandList> brands_;  // null: no brand's mail is vouched for
  BayesParams params_;
  BayesPoints points_;
  TokenizerOptions tokenizer_;
  bool account_models_;
  LinearPoints linear_;
};

}  // namespace

std::unique_ptr<Check> make_bayes_check(std::shared_ptr<const ModelStore> store, BayesParams params,
                                        BayesPoints points, TokenizerOptions tokenizer,
                                        bool account_models, LinearPoints linear,
                                        std::shared_ptr<const BrandList> brands) {
  return std::make_unique<BayesCheck>(std::move(store), params, points, tokenizer, account_models,
                                      linear, std::move(brands));
}

}  // namespace facteur::filter
