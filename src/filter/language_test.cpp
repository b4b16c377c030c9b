// Language guessing by function words, and the statistical classifiers' coverage check
// (bayes_check.cpp): capped abuse points from models that never learnt ham in the message's
// language.
#include "filter/language.hpp"

#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "filter/checks.hpp"
#include "filter/filter.hpp"
#include "filter/model_store.hpp"
#include "filter/test_util.hpp"
#include "filter/text_norm.hpp"
#include "filter/tokenizer.hpp"

namespace facteur::filter {
namespace {

namespace fs = std::filesystem;

Language language_of(std::string_view text) {
  auto normalized = normalize_text(text);
  return guess_language(normalized.hashes).language;
}

TEST(Language, FunctionWordsTellTheLanguage) {
  EXPECT_EQ(language_of("Are you free for lunch on Friday? I have the report and will bring it."),
            Language::english);
  EXPECT_EQ(language_of("Salut Marc, on fait un dîner samedi avec Julie et Thomas, tu es libre ? "
                        "Dis-moi si tu peux venir, pas de souci sinon."),
            Language::french);
  EXPECT_EQ(language_of("Ich habe die Unterlagen für das Treffen und sie sind auch mit dabei."),
            Language::german);
  EXPECT_EQ(language_of("Hola, te escribo para confirmar la reunión del lunes con los socios."),
            Language::spanish);
  EXPECT_EQ(language_of("Ciao, ti scrivo per la riunione di lunedì: non sono sicuro che sia "
                        "alla stessa ora della settimana scorsa, anche se..."),
            Language::italian);
  EXPECT_EQ(language_of("Hallo, ik heb het verslag van de vergadering en ook de agenda voor "
                        "maandag, maar niet de cijfers."),
            Language::dutch);
  // Short French with "je", "te", "en" (Dutch words too) is French.
  EXPECT_EQ(language_of("Coucou, je te retrouve en ville à midi, je serai en avance."),
            Language::french);
  // Too few function words: no guess.
  EXPECT_EQ(language_of("Invoice 4711 attached"), Language::unknown);
  EXPECT_EQ(language_of(""), Language::unknown);
}

TEST(Language, PresentBitsNameTheWordsFound) {
  auto normalized = normalize_text("vous et nous, vous et nous, et les autres");
  auto guess = guess_language(normalized.hashes);
  ASSERT_EQ(guess.language, Language::french);
  auto words = function_words(Language::french);
  std::vector<std::string_view> found;
  for (std::size_t i = 0; i < words.size(); ++i)
    if (guess.present & (1u << i)) found.push_back(words[i]);
  EXPECT_EQ(found, (std::vector<std::string_view>{"les", "vous", "nous", "et"}));
}

// A site that learnt English ham and abuse in English and French (as the shared corpora give):
// a French letter between friends must not be a scam because it is French.
class LanguageCoverage : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("facteur-language-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    for (int i = 0; i < 40; ++i) {
      learn("the meeting is on Monday and the agenda is attached, see you there with the team " +
                std::to_string(i),
            Label::ham);
      learn("you have won the lottery, send your bank details to claim the prize " +
                std::to_string(i),
            Label::scam);
      learn(
          "je suis la veuve du défunt ministre, vous recevrez une part des fonds, répondez "
          "avec vos coordonnées et nous partagerons la somme " +
              std::to_string(i),
          Label::scam);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  void learn(const std::string& body, Label label) {
    auto bytes = test::message("From: a@example.org\n", body);
    auto tokens = tokenize(MessageView::analyze(bytes));
    counts_.learn(tokens, label);
  }
  Verdict check(const std::string& body, BayesParams params = {}) {
    ModelStore store(dir_);
    EXPECT_TRUE(store.save("", counts_));
    auto bayes = make_bayes_check(std::make_shared<ModelStore>(dir_), params);
    return test::run_check(*bayes, test::message("From: b@example.net\n", body));
  }

  fs::path dir_;
  BayesModel counts_;
};

const std::string kFrenchLetter =
    "Salut, je suis passée avec Julie et nous avons vu la maison : elle est très bien, tu "
    "devrais venir la voir avec nous samedi.";

TEST_F(LanguageCoverage, AbusePointsCappedForALanguageWithoutHam) {
  auto v = check(kFrenchLetter);
  EXPECT_LE(v.score, 2.5);  // the two classifiers' cap: under the junk threshold (5)
  ASSERT_TRUE(test::has_reason(v, "bayes"));
  bool said = false;
  for (const auto& r : v.reasons)
    said = said || r.text.find("no legitimate mail in French") != std::string::npos;
  EXPECT_TRUE(said);
  // Turned off ([filter] language_coverage = false): the classifiers' verdict stands.
  BayesParams off;
  off.language_coverage = false;
  EXPECT_GT(check(kFrenchLetter, off).score, 5);
  // English abuse keeps its points: English ham was learnt.
  auto english = check("you have won the lottery, send your bank details to claim the prize");
  EXPECT_GT(english.score, 5);
}

TEST_F(LanguageCoverage, EvidenceFromTheDetectorsLiftsTheCap) {
  // The scam and hoax detectors run before and leave what they found below their own
  // thresholds in Verdict::hints: then more than the language points to abuse.
  ModelStore store(dir_);
  ASSERT_TRUE(store.save("", counts_));
  auto bayes = make_bayes_check(std::make_shared<ModelStore>(dir_));
  auto bytes = test::message("From: b@example.net\n", kFrenchLetter);
  auto view = MessageView::analyze(bytes);
  Verdict hinted;
  hinted.hints[static_cast<std::size_t>(Label::scam)] = 3.5;
  bayes->run(view, {}, hinted);
  EXPECT_GT(hinted.score, 5);
  Verdict weak;
  weak.hints[static_cast<std::size_t>(Label::hoax)] = 1.0;
  bayes->run(view, {}, weak);
  EXPECT_LE(weak.score, 2.5);
}

TEST_F(LanguageCoverage, ThroughTheWholeFilterTheDetectorsDecide) {
  // The full pipeline: the detectors run before the classifiers (Filter's order), so a French
  // 419 letter keeps the classifiers' points while a letter between friends does not.
  ModelStore store(dir_);
  ASSERT_TRUE(store.save("", counts_));
  FilterConfig fc;
  fc.model_dir = dir_;
  Filter filter(fc);
  auto letter =
      filter.scan(test::message("From: b@example.net\nSubject: samedi\n", kFrenchLetter), {});
  EXPECT_EQ(letter.action, Action::deliver);
  EXPECT_LT(letter.score, 5);
  auto scam = filter.scan(
      test::message(
          "From: Me Kone <kone@etude.example>\nSubject: Proposition\n",
          "Je suis la veuve du défunt ministre. Il a laissé un dépôt de 8 500 000 euros sans "
          "héritier ; vous recevrez une part des fonds sur votre compte si vous acceptez d'être "
          "présenté comme le bénéficiaire. Affaire strictement confidentielle, répondez avec vos "
          "coordonnées.\n"),
      {});
  EXPECT_NE(scam.action, Action::deliver);  // junk, or refused outright
  EXPECT_EQ(scam.label, Label::scam);
  bool capped = false;
  for (const auto& r : scam.reasons)
    capped = capped || r.text.find("not counted") != std::string::npos;
  EXPECT_FALSE(capped);
  // The classifiers' reasons come before the detectors' in the list (X-Facteur-Reasons is cut
  // at 900 bytes).
  ASSERT_FALSE(scam.reasons.empty());
  EXPECT_TRUE(scam.reasons.front().statistical);
}

TEST(Language, AHiddenBlockOfAnotherLanguageDoesNotMakeEnglishForeign) {
  std::string text =
      "Dear friend, you have been selected for the offer of the year and you will receive "
      "the prize with this mail, which is not a joke, from the team that you know. ";
  text += "nao voce uma dos das ao seu sua muito tambem isso pelo pela";
  EXPECT_EQ(language_of(text), Language::unknown);
}

TEST_F(LanguageCoverage, LearningHamInTheLanguageBringsTheClassifierBack) {
  for (int i = 0; i < 30; ++i)
    learn(
        "bonjour, je vous envoie le compte rendu et nous sommes disponibles pour en parler "
        "avec elle, très bien " +
            std::to_string(i),
        Label::ham);
  auto scam = check(
      "je suis la veuve du défunt ministre, vous recevrez une part des fonds, "
      "répondez avec vos coordonnées et nous partagerons la somme");
  EXPECT_GT(scam.score, 0);
  for (const auto& r : scam.reasons)
    EXPECT_EQ(r.text.find("no legitimate mail"), std::string::npos) << r.text;
}

}  // namespace
}  // namespace facteur::filter
