#include "filter/bayes.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "filter/hash.hpp"

namespace facteur::filter {
namespace {

std::vector<std::uint64_t> toks(std::initializer_list<const char*> words) {
  std::vector<std::uint64_t> out;
  for (const char* w : words)
    out.push_back(token_hash(w));
  return out;
}

TEST(BayesMath, TokenProbabilityFollowsRobinson) {
  BayesParams p;
  // Unknown token: the prior x.
  EXPECT_DOUBLE_EQ(token_probability(0, 100, 0, 100, p), 0.5);
  // Seen only in abuse, 10 times: (s*x + n*1) / (s + n).
  EXPECT_NEAR(token_probability(10, 100, 0, 100, p), (0.45 * 0.5 + 10) / 10.45, 1e-12);
  // Frequencies, not counts: 10/100 abuse vs 10/1000 ham -> p = 0.1 / 0.11.
  double pw = 0.1 / 0.11;
  EXPECT_NEAR(token_probability(10, 100, 10, 1000, p), (0.45 * 0.5 + 20 * pw) / 20.45, 1e-12);
}

TEST(BayesMath, ChiSquareTail) {
  EXPECT_DOUBLE_EQ(chi2q(0, 4), 1.0);
  EXPECT_NEAR(chi2q(2.0, 2), std::exp(-1.0), 1e-12);              // dof 2: exp(-x/2)
  EXPECT_NEAR(chi2q(4.0, 4), std::exp(-2.0) * (1 + 2.0), 1e-12);  // dof 4
  EXPECT_LT(chi2q(5000, 300), 1e-100);                            // no overflow/NaN
  EXPECT_GE(chi2q(5000, 300), 0.0);
}

TEST(BayesMath, CombiningIsSymmetricAndDecisive) {
  std::vector<double> abuse(20, 0.99), ham(20, 0.01), mixed = {0.99, 0.01};
  EXPECT_GT(chi_square_combine(abuse), 0.99);
  EXPECT_LT(chi_square_combine(ham), 0.01);
  EXPECT_NEAR(chi_square_combine(mixed), 0.5, 1e-9);
  EXPECT_DOUBLE_EQ(chi_square_combine({}), 0.5);
}

class BayesModelTest : public ::testing::Test {
 protected:
  BayesModel trained() {
    BayesModel m;
    for (int i = 0; i < 30; ++i) {
      m.learn(toks({"meeting", "agenda", "tomorrow", "report"}), Label::ham);
      m.learn(toks({"viagra", "cheap", "offer", "click"}), Label::spam);
      m.learn(toks({"beneficiary", "next of kin", "million", "confidential"}), Label::scam);
    }
    return m;
  }
};

TEST_F(BayesModelTest, CountsMessagesAndTokens) {
  BayesModel m = trained();
  EXPECT_EQ(m.messages()[0], 30u);
  EXPECT_EQ(m.messages()[1], 30u);
  EXPECT_EQ(m.lookup(token_hash("cheap"))[1], 30u);
  EXPECT_EQ(m.lookup(token_hash("cheap"))[0], 0u);
  EXPECT_EQ(m.lookup(token_hash("never seen"))[1], 0u);
  EXPECT_EQ(m.size(), 12u);
}

TEST_F(BayesModelTest, ClassifiesAndPicksTheLabel) {
  BayesModel m = trained();
  const BayesModel* models[] = {&m};
  auto spam = classify(toks({"cheap", "offer", "click", "unknown"}), models);
  ASSERT_FALSE(spam.abstained);
  EXPECT_GT(spam.p_abuse, 0.9);
  EXPECT_EQ(spam.best, Label::spam);
  auto scam = classify(toks({"beneficiary", "next of kin", "confidential"}), models);
  EXPECT_GT(scam.p_abuse, 0.9);
  EXPECT_EQ(scam.best, Label::scam);
  auto ham = classify(toks({"meeting", "agenda", "report"}), models);
  EXPECT_LT(ham.p_abuse, 0.1);
}

TEST_F(BayesModelTest, AbstainsWhenUntrained) {
  BayesModel empty;
  const BayesModel* models[] = {&empty};
  EXPECT_TRUE(classify(toks({"cheap"}), models).abstained);
  BayesModel small;
  small.learn(toks({"a"}), Label::ham);
  small.learn(toks({"b"}), Label::spam);
  const BayesModel* models2[] = {&small};
  EXPECT_TRUE(classify(toks({"a"}), models2).abstained);
}

TEST_F(BayesModelTest, ModelsAreSummed) {
  BayesModel site = trained();
  BayesModel own;
  // The account considers "offer" mail legitimate.
  for (int i = 0; i < 200; ++i)
    own.learn(toks({"offer", "cheap"}), Label::ham);
  const BayesModel* both[] = {&site, &own};
  const BayesModel* only_site[] = {&site};
  auto t = toks({"offer", "cheap"});
  EXPECT_LT(classify(t, both).p_abuse, classify(t, only_site).p_abuse);
}

TEST_F(BayesModelTest, UnlearnUndoesLearn) {
  BayesModel m = trained();
  auto before = m.lookup(token_hash("cheap"));
  m.learn(toks({"cheap", "fresh"}), Label::spam);
  m.learn(toks({"cheap", "fresh"}), Label::spam, -1);
  EXPECT_EQ(m.lookup(token_hash("cheap")), before);
  EXPECT_EQ(m.lookup(token_hash("fresh"))[1], 0u);
  EXPECT_EQ(m.messages()[1], 30u);
  // Forgetting what was never learnt saturates at zero.
  m.learn(toks({"never"}), Label::hoax, -1);
  EXPECT_EQ(m.messages()[4], 0u);
}

TEST_F(BayesModelTest, GrowsPastItsInitialTable) {
  BayesModel m;
  std::vector<std::uint64_t> many;
  for (int i = 0; i < 5000; ++i)
    many.push_back(token_hash("t" + std::to_string(i)));
  m.learn(many, Label::spam);
  EXPECT_EQ(m.size(), 5000u);
  for (int i = 0; i < 5000; i += 97)
    EXPECT_EQ(m.lookup(token_hash("t" + std::to_string(i)))[1], 1u);
}

TEST_F(BayesModelTest, SavesLoadsAndMaps) {
  auto dir = std::filesystem::temp_directory_path() / "facteur-bayes-test";
  std::filesystem::remove_all(dir);
  BayesModel m = trained();
  ASSERT_TRUE(m.save(dir / "m.model"));
  auto loaded = BayesModel::load(dir / "m.model");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->messages(), m.messages());
  EXPECT_EQ(loaded->size(), m.size());
  EXPECT_EQ(loaded->lookup(token_hash("agenda")), m.lookup(token_hash("agenda")));
  // Learning into a mapped model copies it first; the file stays as it was.
  loaded->learn(toks({"agenda"}), Label::ham);
  EXPECT_EQ(loaded->lookup(token_hash("agenda"))[0], 31u);
  EXPECT_EQ(BayesModel::load(dir / "m.model")->lookup(token_hash("agenda"))[0], 30u);
  auto bytes = m.to_bytes();
  auto parsed = BayesModel::from_bytes(bytes);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->lookup(token_hash("click")), m.lookup(token_hash("click")));
  std::filesystem::remove_all(dir);
}

TEST_F(BayesModelTest, RejectsDamagedFiles) {
  auto bytes = trained().to_bytes();
  auto cut = bytes;
  cut.resize(cut.size() - 32);
  EXPECT_EQ(BayesModel::from_bytes(cut).error().code, Errc::parse_error);
  auto bad_magic = bytes;
  bad_magic[0] = std::byte{'X'};
  EXPECT_FALSE(BayesModel::from_bytes(bad_magic));
  auto bad_version = bytes;
  bad_version[8] = std::byte{99};
  EXPECT_FALSE(BayesModel::from_bytes(bad_version));
  EXPECT_FALSE(BayesModel::from_bytes({}));
  EXPECT_EQ(BayesModel::load("/nonexistent/facteur.model").error().code, Errc::not_found);
}

}  // namespace
}  // namespace facteur::filter
