#include "filter/linear_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "filter/checks.hpp"
#include "filter/filter.hpp"
#include "filter/hash.hpp"
#include "filter/linear_classifier.hpp"
#include "filter/test_util.hpp"
#include "filter/train.hpp"

namespace facteur::filter {
namespace {

namespace fs = std::filesystem;

// Messages as token sets: abuse draws from words 0..59, ham from 40..99 (40..59 shared, so
// the shared words must get small weights and the others carry the decision).
std::vector<std::uint64_t> draw(std::mt19937_64& rng, bool abuse) {
  std::uniform_int_distribution<int> word(abuse ? 0 : 40, abuse ? 59 : 99);
  std::vector<std::uint64_t> t;
  for (int i = 0; i < 12; ++i)
    t.push_back(token_hash("w" + std::to_string(word(rng))));
  std::sort(t.begin(), t.end());
  t.erase(std::unique(t.begin(), t.end()), t.end());
  return t;
}

struct Data {
  std::vector<std::vector<std::uint64_t>> tokens;
  std::vector<LinearModel::Example> examples;
};

Data make_data(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Data d;
  for (std::size_t i = 0; i < n; ++i)
    d.tokens.push_back(draw(rng, i % 2 == 0));
  for (std::size_t i = 0; i < n; ++i)
    d.examples.push_back({d.tokens[i], i % 2 == 0});
  return d;
}

LinearModel trained() {
  auto d = make_data(400, 7);
  LinearModel m(16);
  m.train(d.examples);
  return m;
}

TEST(LinearModel, UntrainedIsEmptyAndUndecided) {
  LinearModel m(12);
  EXPECT_TRUE(m.empty());
  std::vector<std::uint64_t> t = {1, 2, 3};
  EXPECT_DOUBLE_EQ(m.margin(t), 0.0);
  EXPECT_DOUBLE_EQ(m.probability(t), 0.5);
}

TEST(LinearModel, SeparatesWhatItWasTaught) {
  LinearModel m = trained();
  EXPECT_FALSE(m.empty());
  auto test = make_data(200, 99);  // other messages from the same two distributions
  int right = 0;
  for (const auto& e : test.examples)
    if ((m.margin(e.tokens) > 0) == e.abuse) ++right;
  EXPECT_GE(right, 195);
  // A word only abuse uses pulls up, a word only ham uses pulls down, a shared one hardly.
  std::vector<std::uint64_t> spammy = {token_hash("w3")}, hammy = {token_hash("w90")},
                             shared = {token_hash("w50")};
  EXPECT_GT(m.margin(spammy), 0.5);
  EXPECT_LT(m.margin(hammy), -0.5);
  EXPECT_LT(std::abs(m.margin(shared)), std::min(m.margin(spammy), -m.margin(hammy)));
}

TEST(LinearModel, OnlineStepsMoveTowardsTheLabel) {
  LinearModel m = trained();
  std::vector<std::uint64_t> t = {token_hash("w90"), token_hash("w91"), token_hash("w92")};
  double before = m.margin(t);
  ASSERT_LT(before, 0);
  for (int i = 0; i < 20; ++i)
    m.learn(t, true, 0.5);
  EXPECT_GT(m.margin(t), before);
}

TEST(LinearModel, HamErrorsCostMore) {
  // The same data with ham errors weighted 10x: a message half abuse words, half ham words
  // leans to ham.
  auto d = make_data(400, 7);
  LinearModel even(16), careful(16);
  LinearTraining o;
  o.ham_weight = 1.0;
  even.train(d.examples, o);
  o.ham_weight = 10.0;
  careful.train(d.examples, o);
  std::vector<std::uint64_t> mixed = {token_hash("w1"), token_hash("w2"), token_hash("w80"),
                                      token_hash("w81")};
  EXPECT_LT(careful.margin(mixed), even.margin(mixed));
}

TEST(LinearModel, BytesRoundTrip) {
  LinearModel m = trained();
  auto t = make_data(10, 3).tokens;
  auto again = LinearModel::from_bytes(m.to_bytes());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->updates(), m.updates());
  for (const auto& x : t)
    EXPECT_NEAR(again->margin(x), m.margin(x), 1e-9);
}

// Three kinds of abuse with words of their own (and some shared), and ham.
std::vector<std::vector<std::uint64_t>> kind_tokens(std::mt19937_64& rng, int base, int n) {
  std::vector<std::vector<std::uint64_t>> out;
  std::uniform_int_distribution<int> word(base, base + 29), common(200, 219);
  for (int i = 0; i < n; ++i) {
    std::vector<std::uint64_t> t;
    for (int j = 0; j < 8; ++j)
      t.push_back(token_hash("k" + std::to_string(word(rng))));
    for (int j = 0; j < 4; ++j)
      t.push_back(token_hash("k" + std::to_string(common(rng))));
    std::sort(t.begin(), t.end());
    t.erase(std::unique(t.begin(), t.end()), t.end());
    out.push_back(std::move(t));
  }
  return out;
}

TEST(LinearClassifier, NamesTheKindAndRoundTrips) {
  std::mt19937_64 rng(3);
  const std::pair<Label, int> kinds[] = {
      {Label::ham, 0}, {Label::spam, 40}, {Label::scam, 80}, {Label::phishing, 120}};
  std::vector<std::vector<std::uint64_t>> store;
  std::vector<Label> labels;
  for (auto [label, base] : kinds)
    for (auto& t : kind_tokens(rng, base, 60)) {
      store.push_back(std::move(t));
      labels.push_back(label);
    }
  std::vector<LabelledTokens> examples;
  for (std::size_t i = 0; i < store.size(); ++i)
    examples.push_back({store[i], labels[i]});
  LinearClassifier c;
  EXPECT_TRUE(c.empty());
  c.train(examples);
  ASSERT_FALSE(c.empty());
  for (auto [label, base] : kinds) {
    auto t = kind_tokens(rng, base, 1)[0];
    if (label == Label::ham) {
      EXPECT_LT(c.margin(t), 0);
      continue;
    }
    EXPECT_GT(c.margin(t), 0) << to_string(label);
    EXPECT_EQ(c.kind(t).label, label);
    EXPECT_GT(c.kind(t).margin, 0);
  }
  // Learning one message as phishing moves the phishing model towards it.
  auto spammy = kind_tokens(rng, 40, 1)[0];
  LinearClassifier taught = c;
  for (int i = 0; i < 30; ++i)
    taught.learn(spammy, Label::phishing, 0.5);
  EXPECT_EQ(taught.kind(spammy).label, Label::phishing);
  // A kind never trained stays so: one message learnt as hoax does not make a hoax model
  // that would claim every message.
  LinearClassifier hoaxed = c;
  hoaxed.learn(kind_tokens(rng, 160, 1)[0], Label::hoax, 0.5);
  for (auto [label, base] : kinds)  // ham-like tokens too: there every trained kind says no
    EXPECT_NE(hoaxed.kind(kind_tokens(rng, base, 1)[0]).label, Label::hoax) << to_string(label);

  // A batch of one class only leaves the models as they are (many passes over spam alone would
  // teach "everything is spam"); a batch of one kind leaves the kind models alone.
  LinearClassifier again_c = c;
  std::vector<LabelledTokens> only_spam;
  for (std::size_t i = 0; i < store.size(); ++i)
    if (labels[i] == Label::spam) only_spam.push_back({store[i], labels[i]});
  auto done = again_c.train(only_spam);
  EXPECT_FALSE(done.abuse);
  EXPECT_EQ(done.kinds, 0u);
  auto hammy = kind_tokens(rng, 0, 1)[0];
  EXPECT_DOUBLE_EQ(again_c.margin(hammy), c.margin(hammy));
  auto full = LinearClassifier().train(examples);
  EXPECT_TRUE(full.abuse);
  EXPECT_EQ(full.kinds, 3u);

  auto bytes = c.to_bytes();
  auto again = LinearClassifier::from_bytes(bytes);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_NEAR(again->margin(spammy), c.margin(spammy), 1e-9);
  EXPECT_EQ(again->kind(spammy).label, c.kind(spammy).label);
  auto parse = [](std::vector<std::byte> b) { return LinearClassifier::from_bytes(b); };
  EXPECT_FALSE(parse({bytes.begin(), bytes.end() - 1}));  // truncated
  auto longer = bytes;
  longer.push_back(std::byte{0});
  EXPECT_FALSE(parse(longer));  // trailing bytes
  auto count = bytes;
  count[12] = std::byte{9};
  EXPECT_FALSE(parse(count));
  auto length = bytes;
  length[16 + 7] = std::byte{0x7f};  // the first model's length far beyond the file
  EXPECT_FALSE(parse(length));

  fs::path dir = fs::temp_directory_path() / "facteur-linear-classifier-test";
  fs::remove_all(dir);
  ASSERT_TRUE(c.save(dir / "linear.model"));
  auto loaded = LinearClassifier::load(dir / "linear.model");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_NEAR(loaded->margin(spammy), c.margin(spammy), 1e-9);
  auto missing = LinearClassifier::load(dir / "none.model");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  fs::remove_all(dir);
}

TEST(LinearModel, ViewsBytesInPlaceAndCopiesBeforeLearning) {
  LinearModel m = trained();
  auto bytes = std::make_shared<std::vector<std::byte>>(m.to_bytes());
  const auto original = *bytes;
  auto view = LinearModel::view(*bytes, bytes);
  ASSERT_TRUE(view) << view.error().message;
  std::vector<std::uint64_t> t = {token_hash("w3"), token_hash("w90")};
  EXPECT_NEAR(view->margin(t), m.margin(t), 1e-9);
  for (int i = 0; i < 10; ++i)
    view->learn(t, true, 0.5);
  EXPECT_GT(view->margin(t), m.margin(t));
  EXPECT_EQ(*bytes, original);  // the viewed bytes (a mapped file) are never written
  // A weight damaged in place: no opinion rather than NaN.
  float nan = std::nanf("");
  auto damaged = std::make_shared<std::vector<std::byte>>(original);
  for (std::size_t i = 32; i < damaged->size(); i += 4)
    std::memcpy(damaged->data() + i, &nan, sizeof nan);
  auto bad = LinearModel::view(*damaged, damaged);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->margin(t), 0.0);
}

TEST(LinearModel, RejectsDamagedFiles) {
  auto bytes = LinearModel(12).to_bytes();
  auto parse = [](std::vector<std::byte> b) { return LinearModel::from_bytes(b); };
  EXPECT_TRUE(parse(bytes));
  EXPECT_FALSE(parse({bytes.begin(), bytes.begin() + 20}));  // shorter than its header
  EXPECT_FALSE(parse({bytes.begin(), bytes.end() - 4}));     // one weight short
  auto magic = bytes;
  magic[0] = std::byte{'X'};
  EXPECT_FALSE(parse(magic));
  auto version = bytes;
  version[8] = std::byte{9};
  EXPECT_FALSE(parse(version));
  auto size = bytes;
  size[12] = std::byte{40};  // 2^40 weights: refused before anything is allocated
  EXPECT_FALSE(parse(size));
  auto bias = bytes;
  double nan = std::nan("");
  std::memcpy(bias.data() + 24, &nan, sizeof nan);
  EXPECT_FALSE(parse(bias));
  // A damaged weight is zeroed rather than poisoning every score.
  auto weight = bytes;
  float inf = INFINITY;
  for (std::size_t i = 32; i < weight.size(); i += 4)
    std::memcpy(weight.data() + i, &inf, sizeof inf);
  auto m = parse(weight);
  ASSERT_TRUE(m);
  std::vector<std::uint64_t> t = {1, 2};
  EXPECT_TRUE(std::isfinite(m->margin(t)));
}

TEST(ExampleSample, KeepsABoundedUniformSample) {
  ExampleSample s(100, 5);
  int late = 0;
  for (int i = 0; i < 1000; ++i)
    s.offer({static_cast<std::uint64_t>(i + 1)}, i % 2 == 0 ? Label::spam : Label::ham);
  EXPECT_EQ(s.offered(), 1000u);
  EXPECT_EQ(s.size(), 100u);
  for (const auto& e : s.examples())
    if (e.tokens[0] > 500) ++late;
  // Uniform: about half of the kept messages come from the second half of the stream.
  EXPECT_GT(late, 30);
  EXPECT_LT(late, 70);
}

// The classifiers' check with both models in a store: both give reasons, and beside the
// linear classifier the Bayesian one's abuse points are reduced to its share.
TEST(LinearCheck, AddsItsPointsBesideBayes) {
  fs::path dir = fs::temp_directory_path() / "facteur-linear-check-test";
  fs::remove_all(dir);
  BayesModel counts;
  ExampleSample sample;
  const std::string ham_body =
      "the meeting agenda for tomorrow with the minutes of the quarterly report\n";
  const std::string spam_body = "cheap pills offer click here to buy viagra now\n";
  for (int i = 0; i < 30; ++i) {
    for (bool abuse : {false, true}) {
      auto bytes = test::message("From: x" + std::to_string(i) + "@example.org\nSubject: s\n",
                                 abuse ? spam_body : ham_body);
      auto tokens = tokenize(MessageView::analyze(bytes));
      counts.learn(tokens, abuse ? Label::spam : Label::ham);
      sample.offer(std::move(tokens), abuse ? Label::spam : Label::ham);
    }
  }
  LinearClassifier linear;
  linear.train(sample.examples());
  ModelStore store(dir);
  ASSERT_TRUE(store.save("", counts));
  auto spam = test::message("From: y@example.net\nSubject: s\n", spam_body);

  auto bayes_only = make_bayes_check(std::make_shared<ModelStore>(dir));
  auto alone = test::run_check(*bayes_only, spam);
  ASSERT_TRUE(test::has_reason(alone, "bayes"));
  EXPECT_FALSE(test::has_reason(alone, "linear"));
  EXPECT_DOUBLE_EQ(alone.score, BayesPoints{}.p999);

  ASSERT_TRUE(store.save_linear(linear));
  auto both = make_bayes_check(std::make_shared<ModelStore>(dir));
  auto v = test::run_check(*both, spam);
  ASSERT_TRUE(test::has_reason(v, "bayes"));
  ASSERT_TRUE(test::has_reason(v, "linear"));
  double bayes = 0, lin = 0;
  for (const auto& r : v.reasons)
    (r.check == "bayes" ? bayes : lin) += r.points;
  EXPECT_DOUBLE_EQ(bayes, BayesPoints{}.p999 * LinearPoints{}.bayes_share);
  EXPECT_GT(lin, 0);
  EXPECT_LE(lin, LinearPoints{}.max);
  auto ham = test::run_check(*both, test::message("From: z@example.org\nSubject: s\n", ham_body));
  EXPECT_LT(ham.score, 0);

  // A user who moves a newsletter into Junk: their own model outranks the site's linear
  // classifier (Bayes keeps its whole points, the linear classifier lowers by 1 at most).
  const std::string newsletter = "the weekly letter of our garden shop with seasonal tips\n";
  BayesModel own;
  for (int i = 0; i < 30; ++i) {
    auto from = "From: x" + std::to_string(i) + "@example.org\nSubject: s\n";
    auto moved = test::message(from, newsletter), kept = test::message(from, "lunch at noon?\n");
    own.learn(tokenize(MessageView::analyze(moved)), Label::spam);
    own.learn(tokenize(MessageView::analyze(kept)), Label::ham);
  }
  ASSERT_TRUE(store.save("user@example.test", own));
  Context user;
  user.account = "user@example.test";
  auto letter = test::message("From: z@example.org\nSubject: s\n", newsletter);
  auto taught = test::run_check(*both, letter, user);
  double taught_bayes = 0, taught_linear = 0;
  for (const auto& r : taught.reasons)
    (r.check == "bayes" ? taught_bayes : taught_linear) += r.points;
  EXPECT_DOUBLE_EQ(taught_bayes, BayesPoints{}.p999);
  EXPECT_GE(taught_linear, -1.0);
  EXPECT_GE(taught.score, 5.0);  // Junk, as the user taught

  LinearPoints off;
  off.enabled = false;
  auto disabled = make_bayes_check(std::make_shared<ModelStore>(dir), {}, {}, {}, true, off);
  EXPECT_FALSE(test::has_reason(test::run_check(*disabled, spam), "linear"));

  // `facteur spam learn` without an account: the site's counts and one linear step.
  auto before = linear.margin(tokenize(MessageView::analyze(spam)));
  auto tokens = tokenize(MessageView::analyze(spam));
  ASSERT_TRUE(store.learn(tokens, Label::ham, ""));
  auto after = store.open_linear_for_update();
  ASSERT_TRUE(after);
  EXPECT_LT(after->margin(tokens), before);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace facteur::filter
