#include "filter/filter.hpp"

#include <filesystem>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "filter/checks.hpp"
#include "filter/test_util.hpp"

namespace facteur::filter {
namespace {

using test::message;

// A check that adds fixed reasons, to test the decision alone.
class FixedCheck final : public Check {
 public:
  explicit FixedCheck(std::vector<Reason> reasons) : reasons_(std::move(reasons)) {}
  std::string_view name() const noexcept override { return "fixed"; }
  void run(const MessageView&, const Context&, Verdict& v) const override {
    for (const auto& r : reasons_)
      v.add(r.check, r.points, r.label, r.text, r.statistical);
  }

 private:
  std::vector<Reason> reasons_;
};

Filter fixed(std::vector<Reason> reasons, FilterConfig fc = {}) {
  std::vector<std::unique_ptr<Check>> checks;
  checks.push_back(std::make_unique<FixedCheck>(std::move(reasons)));
  return Filter(std::move(fc), std::move(checks));
}

const std::string kMessage = message("From: a@example.org\nSubject: hi\n", "hello\n");

TEST(FilterDecision, ThresholdsDecideTheAction) {
  Context ctx;
  auto ham = fixed({{"x", "", 4.9, Label::spam}}).scan(kMessage, ctx);
  EXPECT_EQ(ham.label, Label::ham);
  EXPECT_EQ(ham.action, Action::deliver);
  auto junk = fixed({{"x", "", 5.0, Label::spam}}).scan(kMessage, ctx);
  EXPECT_EQ(junk.label, Label::spam);
  EXPECT_EQ(junk.action, Action::junk);
  auto reject =
      fixed({{"x", "", 10.0, Label::spam}, {"y", "", 5.0, Label::spam}}).scan(kMessage, ctx);
  EXPECT_EQ(reject.action, Action::reject);
  EXPECT_DOUBLE_EQ(reject.score, 15.0);
}

TEST(FilterDecision, PerAccountThresholds) {
  FilterConfig fc;
  fc.accounts["strict@example.test"] = Thresholds{2.0, 6.0};
  auto f = fixed({{"x", "", 3.0, Label::spam}}, fc);
  Context site;
  EXPECT_EQ(f.scan(kMessage, site).label, Label::ham);
  Context strict;
  strict.account = "strict@example.test";
  EXPECT_EQ(f.scan(kMessage, strict).action, Action::junk);
}

TEST(FilterDecision, SpecificLabelsNeedTheirOwnEvidence) {
  Context ctx;
  // Phishing evidence below its minimum: plain spam.
  auto spam =
      fixed({{"b", "", 6.0, Label::spam}, {"p", "", 2.0, Label::phishing}}).scan(kMessage, ctx);
  EXPECT_EQ(spam.label, Label::spam);
  auto phish =
      fixed({{"b", "", 6.0, Label::spam}, {"p", "", 4.0, Label::phishing}}).scan(kMessage, ctx);
  EXPECT_EQ(phish.label, Label::phishing);
  // The strongest specific label wins.
  auto hoax = fixed({{"s", "", 5.0, Label::scam}, {"h", "", 8.0, Label::hoax}}).scan(kMessage, ctx);
  EXPECT_EQ(hoax.label, Label::hoax);
}

// Evidence a detector found under its threshold, and kinds the classifiers never learnt.
class HintCheck final : public Check {
 public:
  HintCheck(Label kind, double hint, bool unlearnt)
      : kind_(kind), hint_(hint), unlearnt_(unlearnt) {}
  std::string_view name() const noexcept override { return "hint"; }
  void run(const MessageView&, const Context&, Verdict& v) const override {
    v.hints[static_cast<std::size_t>(kind_)] += hint_;
    v.unlearnt[static_cast<std::size_t>(kind_)] = unlearnt_;
  }

 private:
  Label kind_;
  double hint_;
  bool unlearnt_;
};

Label label_of(double classifier, Label kind, double evidence, double hint, bool unlearnt) {
  std::vector<std::unique_ptr<Check>> checks;
  checks.push_back(std::make_unique<FixedCheck>(std::vector<Reason>{
      {"bayes", "", classifier, Label::spam, true}, {"d", "", evidence, kind}}));
  checks.push_back(std::make_unique<HintCheck>(kind, hint, unlearnt));
  return Filter(FilterConfig{}, std::move(checks)).scan(kMessage, Context{}).label;
}

TEST(FilterDecision, TheDetectorNamesAScamTheClassifiersNeverLearnt) {
  // A site trained with --spam and --ham only: its classifiers call every abuse spam. Once the
  // score says abuse, the 419 detector names the scam on three quarters of its evidence bar
  // (4.5), what it found under its threshold included.
  EXPECT_EQ(label_of(6.0, Label::scam, 0, 3.5, true), Label::scam);
  EXPECT_EQ(label_of(6.0, Label::scam, 0, 3.0, true), Label::spam);
  // Classifiers that learnt 419 letters and still said spam: the full bar.
  EXPECT_EQ(label_of(6.0, Label::scam, 0, 3.5, false), Label::spam);
  // Not abuse by its score: no label at all.
  EXPECT_EQ(label_of(1.0, Label::scam, 0, 4.0, true), Label::ham);
  // Hoaxes keep their bar: a hoax is delivered.
  EXPECT_EQ(label_of(6.0, Label::hoax, 4.0, 0, true), Label::spam);
}

TEST(FilterDecision, ADisguiseNamesPhishingTheClassifiersNeverLearnt) {
  // One finding of 3 points (a brand's name over another's address) is three quarters of the
  // phishing bar (4.0): enough once the score says abuse and the classifiers never learnt
  // phishing.
  EXPECT_EQ(label_of(6.0, Label::phishing, 3.0, 0, true), Label::phishing);
  EXPECT_EQ(label_of(6.0, Label::phishing, 3.0, 0, false), Label::spam);
  // The same points from traits spam shares (a link to a bare IP address, a form) are not a
  // disguise.
  std::vector<std::unique_ptr<Check>> checks;
  checks.push_back(std::make_unique<FixedCheck>(
      std::vector<Reason>{{"bayes", "", 6.0, Label::spam, true},
                          {"phishing.ip-link", "", 2.5, Label::phishing},
                          {"phishing.form", "", 0.5, Label::phishing}}));
  checks.push_back(std::make_unique<HintCheck>(Label::phishing, 0, true));
  EXPECT_EQ(Filter(FilterConfig{}, std::move(checks)).scan(kMessage, Context{}).label, Label::spam);
}

TEST(FilterDecision, HoaxesAreLabelledBelowTheJunkScoreAndNeverRefused) {
  Context ctx;
  auto low = fixed({{"h", "", 5.5, Label::hoax}, {"b", "", -2.5, Label::ham}}).scan(kMessage, ctx);
  EXPECT_EQ(low.label, Label::hoax);
  EXPECT_EQ(low.action, Action::deliver);
  // The classifiers calling it spam (statistical points) do not make a hoax spam...
  auto high =
      fixed({{"h", "", 9.0, Label::hoax}, {"b", "", 7.0, Label::spam, true}}).scan(kMessage, ctx);
  EXPECT_EQ(high.label, Label::hoax);
  EXPECT_NE(high.action, Action::reject);
  // ...but a chain letter that is also a sales pitch ("Make Money Fast, forward this") is
  // advertising, filed in Junk as spam.
  auto pyramid = fixed({{"h", "", 6.0, Label::hoax},
                        {"b", "", 7.0, Label::spam, true},
                        {"spam.content", "", 2.0, Label::spam}})
                     .scan(kMessage, ctx);
  EXPECT_EQ(pyramid.label, Label::spam);
  EXPECT_EQ(pyramid.action, Action::reject);  // 15 points
  // Other spam evidence (an SPF failure) does not make a hoax advertising.
  auto forged = fixed({{"h", "", 6.0, Label::hoax}, {"auth.spf-fail", "", 2.0, Label::spam}})
                    .scan(kMessage, ctx);
  EXPECT_EQ(forged.label, Label::hoax);
  FilterConfig fc;
  fc.hoax_action = Action::junk;
  EXPECT_EQ(fixed({{"h", "", 6.0, Label::hoax}}, fc).scan(kMessage, ctx).action, Action::junk);
}

TEST(Verdict, JsonShape) {
  auto v = fixed({{"scam.advance-fee", "advance-fee fraud pattern", 7.25, Label::scam}})
               .scan(kMessage, Context{});
  auto j = nlohmann::json::parse(verdict_json(v));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["verdict"], "scam");
  EXPECT_TRUE(j["score"].is_number());
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), 7.25);
  ASSERT_TRUE(j["reasons"].is_array());
  ASSERT_EQ(j["reasons"].size(), 1u);
  EXPECT_NE(j["reasons"][0].get<std::string>().find("advance-fee fraud pattern"),
            std::string::npos);
  EXPECT_EQ(j["action"], "junk");
}

TEST(Verdict, HeadersAndSmtpReply) {
  auto v = fixed({{"phishing.link-text", "link text shows a.example but\r\nthe link; goes", 9.0,
                   Label::phishing},
                  {"bayes", "classifier", 7.0, Label::spam}})
               .scan(kMessage, Context{});
  auto h = verdict_headers(v, Thresholds{});
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0].name, "X-Spam-Status");
  EXPECT_EQ(h[0].value, "Yes, score=16.0 required=5.0");
  EXPECT_EQ(h[1].value, "16.0");
  EXPECT_EQ(h[2].name, "X-Facteur-Verdict");
  EXPECT_TRUE(h[2].value.starts_with("phishing"));
  EXPECT_EQ(h[3].name, "X-Facteur-Reasons");
  EXPECT_EQ(h[3].value.find('\n'), std::string::npos);  // sanitised
  EXPECT_EQ(v.action, Action::reject);
  EXPECT_TRUE(v.smtp_reply().starts_with("550 5.7.1 "));
  EXPECT_NE(v.smtp_reply().find("link text shows a.example"), std::string::npos);
  // Folded block: every line under 80 columns except unbreakable words, CRLF ends.
  std::string block = format_verdict_headers(v, Thresholds{});
  EXPECT_TRUE(block.ends_with("\r\n"));
  EXPECT_NE(block.find("X-Facteur-Verdict: phishing"), std::string::npos);
  auto hamv = fixed({}).scan(kMessage, Context{});
  auto hh = verdict_headers(hamv, Thresholds{});
  EXPECT_EQ(hh[0].value, "No, score=0.0 required=5.0");
  EXPECT_EQ(hh[2].value, "ham");
  EXPECT_EQ(hh[3].value, "none");
}

TEST(FilterConfig, ParsesTheFilterSection) {
  Config base = default_config();
  base.data_dir = "/var/lib/facteur";
  auto fc = parse_filter_config(R"(
hostname = "mx.example.test"
[filter]
junk_threshold = 4
reject_threshold = 12.5
hoax_action = "junk"
linear_classifier = false
language_coverage = false
[filter.accounts."Bob@Example.TEST"]
junk_threshold = 3.0
[filter.brands]
"Example Mutual" = ["examplemutual.test"]
)",
                                base);
  ASSERT_TRUE(fc) << fc.error().message;
  EXPECT_DOUBLE_EQ(fc->site.junk, 4.0);
  EXPECT_DOUBLE_EQ(fc->site.reject, 12.5);
  EXPECT_EQ(fc->hoax_action, Action::junk);
  EXPECT_FALSE(fc->linear.enabled);
  EXPECT_TRUE(default_filter_config(base).linear.enabled);
  EXPECT_FALSE(fc->bayes.language_coverage);
  EXPECT_TRUE(default_filter_config(base).bayes.language_coverage);
  EXPECT_DOUBLE_EQ(fc->thresholds_for("bob@example.test").junk, 3.0);
  EXPECT_DOUBLE_EQ(fc->thresholds_for("bob@example.test").reject, 12.5);
  EXPECT_DOUBLE_EQ(fc->thresholds_for("other@example.test").junk, 4.0);
  ASSERT_EQ(fc->brands.size(), 1u);
  EXPECT_EQ(fc->brands[0].keywords[0], "example mutual");
  EXPECT_EQ(fc->model_dir, std::filesystem::path("/var/lib/facteur/filter"));
  EXPECT_FALSE(parse_filter_config("[filter]\njunk_threshold = 9\nreject_threshold = 3\n", base));
  EXPECT_FALSE(parse_filter_config("[filter]\nhoax_action = \"delete\"\n", base));
}

TEST(Filter, LearnsAndUsesSiteAndAccountModels) {
  auto dir = std::filesystem::temp_directory_path() / "facteur-filter-learn-test";
  std::filesystem::remove_all(dir);
  FilterConfig fc;
  fc.model_dir = dir;
  Filter f(fc);
  auto spam = [](int i) {
    return message("From: deals" + std::to_string(i) + "@promo.example\nSubject: cheap pills",
                   "Buy cheap pills now, best offer, discount pharmacy, order today " +
                       std::to_string(i) + "\n");
  };
  auto ham = [](int i) {
    return message("From: colleague@work.example\nSubject: project meeting",
                   "Hi, the project meeting notes are attached, see you on Monday " +
                       std::to_string(i) + "\n");
  };
  // Untrained: the classifier abstains.
  EXPECT_FALSE(test::has_reason(f.scan(spam(99), Context{}), "bayes"));
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(f.learn(spam(i), Label::spam, ""));
    ASSERT_TRUE(f.learn(ham(i), Label::ham, ""));
  }
  Filter fresh(fc);  // another process sees the saved model
  auto v = fresh.scan(spam(100), Context{});
  EXPECT_EQ(v.label, Label::spam);
  // Spam and ham only: the classifiers cannot name a scam, phishing or a hoax.
  EXPECT_TRUE(v.unlearnt[static_cast<std::size_t>(Label::scam)]);
  EXPECT_TRUE(v.unlearnt[static_cast<std::size_t>(Label::phishing)]);
  EXPECT_EQ(fresh.scan(ham(100), Context{}).label, Label::ham);
  // An account that wants this kind of mail teaches its own model.
  for (int i = 0; i < 60; ++i)
    ASSERT_TRUE(f.learn(spam(i), Label::ham, "fan@example.test"));
  EXPECT_TRUE(std::filesystem::exists(f.models()->account_path("fan@example.test")));
  Context fan;
  fan.account = "fan@example.test";
  Filter again(fc);
  EXPECT_LT(again.scan(spam(100), fan).score, again.scan(spam(100), Context{}).score);
  // Five 419 letters learnt: the kind is known.
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(f.learn(spam(i), Label::scam, ""));
  Filter knows(fc);
  auto k = knows.scan(spam(100), Context{});
  EXPECT_FALSE(k.unlearnt[static_cast<std::size_t>(Label::scam)]);
  EXPECT_TRUE(k.unlearnt[static_cast<std::size_t>(Label::hoax)]);
  std::filesystem::remove_all(dir);
}

TEST(Filter, LearnsUsersJunkMovesOncePerMessage) {
  auto dir = std::filesystem::temp_directory_path() / "facteur-filter-feedback-test";
  std::filesystem::remove_all(dir);
  FilterConfig fc;
  fc.model_dir = dir;
  fc.learn_max_bytes = 4096;
  Filter f(fc);
  const std::string account = "mover@example.test";
  auto counts = [&] {
    auto m = f.models()->account(account);
    return m ? m->messages() : LabelCounts{};
  };
  auto a = message("From: deals@promo.example\nSubject: offer", "cheap watches, order now\n");
  auto b = message("From: friend@home.example\nSubject: dinner", "see you at eight\n");
  auto ia = f.feedback_item(a);
  auto ib = f.feedback_item(b);
  ASSERT_TRUE(ia && ib);
  EXPECT_NE(ia->message, ib->message);

  // Moved into Junk: learnt as spam; moved there again (a copy): not counted twice.
  auto r = f.learn_from_user(std::vector{*ia, *ib}, Label::spam, account);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector{Feedback::learnt, Feedback::learnt}));
  r = f.learn_from_user(std::vector{*ia}, Label::spam, account);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::vector{Feedback::unchanged});
  EXPECT_EQ(counts()[1], 2u);
  EXPECT_EQ(counts()[0], 0u);

  // b moved out of Junk: the spam learning is taken back, ham learnt instead.
  r = f.learn_from_user(std::vector{*ib}, Label::ham, account);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::vector{Feedback::relearnt});
  EXPECT_EQ(counts()[1], 1u);
  EXPECT_EQ(counts()[0], 1u);
  EXPECT_TRUE(std::filesystem::exists(f.models()->ledger_path(account)));
  EXPECT_FALSE(std::filesystem::exists(f.models()->account_path("")));  // the site's untouched

  // Over the size cap: refused before tokenizing.
  auto big = f.feedback_item(message("Subject: big", std::string(5000, 'x')));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::limit_exceeded);
  std::filesystem::remove_all(dir);
}

TEST(ModelStore, AccountFileNamesAreSafe) {
  EXPECT_EQ(account_file_name("Bob@Example.TEST"), "bob@example.test");
  EXPECT_EQ(account_file_name("../../etc/passwd"), "%2E.%2F..%2Fetc%2Fpasswd");
  EXPECT_EQ(account_file_name("a b@x"), "a%20b@x");
}

}  // namespace
}  // namespace facteur::filter
