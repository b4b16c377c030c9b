// Trains on the train parts of ../shared/corpora and measures the test parts: sane lower bounds
// only (the benchmark, bench/filter, reports the exact figures). Skipped without the corpora.
#include <array>
#include <filesystem>

#include <gtest/gtest.h>

#include "filter/filter.hpp"
#include "filter/mail_source.hpp"
#include "filter/train.hpp"

namespace facteur::filter {
namespace {

namespace fs = std::filesystem;

struct Part {
  Label label;
  const char* train;
  const char* test;
};

constexpr Part kParts[] = {
    {Label::ham, "spamassassin/train/ham", "spamassassin/test/ham"},
    {Label::spam, "spamassassin/train/spam", "spamassassin/test/spam"},
    {Label::phishing, "nazario-phishing/train.mbox", "nazario-phishing/test.mbox"},
    {Label::scam, "scam-419/train", "scam-419/test"},
    {Label::hoax, "hoax/train", "hoax/test"},
};

TEST(FilterCorpus, TrainOnTrainMeasureOnTest) {
  fs::path root = FACTEUR_CORPORA_DIR;
  if (!fs::exists(root / "spamassassin" / "train")) GTEST_SKIP() << "corpora not found at " << root;
  fs::path dir = fs::temp_directory_path() / "facteur-filter-corpus-test";
  fs::remove_all(dir);
  // As `facteur spam train` does: token counts and the linear classifier from the same messages.
  BayesModel model;
  ExampleSample sample;
  for (const auto& p : kParts) {
    auto st = train_from(model, root / p.train, p.label, {}, {}, &sample);
    ASSERT_TRUE(st) << st.error().message;
    ASSERT_GT(st->messages, 0u) << p.train;
  }
  LinearClassifier linear;
  linear.train(sample.examples());
  FilterConfig fc;
  fc.model_dir = dir;
  ASSERT_TRUE(ModelStore(dir).save("", model));
  ASSERT_TRUE(ModelStore(dir).save_linear(linear));
  Filter filter(fc);

  std::array<std::size_t, kLabels> total{}, flagged{}, right{};
  for (const auto& p : kParts) {
    auto n = for_each_message(root / p.test, [&](std::string_view m, const std::string&) {
      Verdict v = filter.scan(m, Context{});
      auto k = static_cast<std::size_t>(p.label);
      ++total[k];
      if (v.label != Label::ham) ++flagged[k];
      if (v.label == p.label) ++right[k];
      return true;
    });
    ASSERT_TRUE(n);
  }
  auto pct = [&](const std::array<std::size_t, kLabels>& a, Label l) {
    auto k = static_cast<std::size_t>(l);
    return total[k] ? 100.0 * static_cast<double>(a[k]) / static_cast<double>(total[k]) : 0.0;
  };
  RecordProperty("ham_fp_pct", std::to_string(pct(flagged, Label::ham)));
  RecordProperty("spam_recall_pct", std::to_string(pct(flagged, Label::spam)));
  EXPECT_LE(pct(flagged, Label::ham), 1.0) << "ham false positives";
  EXPECT_GE(pct(flagged, Label::spam), 85.0) << "spam flagged";
  EXPECT_GE(pct(right, Label::phishing), 85.0) << "phishing labelled phishing";
  EXPECT_GE(pct(right, Label::scam), 95.0) << "419 labelled scam";
  EXPECT_GE(pct(flagged, Label::hoax), 70.0) << "hoaxes flagged";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace facteur::filter
