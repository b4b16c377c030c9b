#include "filter/text_norm.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace facteur::filter {
namespace {

std::vector<std::string> words(std::string_view text) {
  auto n = normalize_text(text);
  return {n.words.begin(), n.words.end()};
}

TEST(TextNorm, LowerCasesAndFoldsAccents) {
  EXPECT_EQ(words("Héritage DÉFUNT Œuvre Straße"),
            (std::vector<std::string>{"heritage", "defunt", "oeuvre", "strasse"}));
}

TEST(TextNorm, SplitsOnPunctuationAndApostrophes) {
  EXPECT_EQ(words("N'ouvrez pas: c'est un virus!!"),
            (std::vector<std::string>{"n", "ouvrez", "pas", "c", "est", "un", "virus"}));
  EXPECT_EQ(normalize_text("wow!! really!").exclamations, 3u);
}

TEST(TextNorm, KeepsNumbersWithSeparatorsAndNamesCurrencies) {
  EXPECT_EQ(words("USD$25,000,000.00 or 10.5 million € and £3"),
            (std::vector<std::string>{"usd", "usd", "25,000,000.00", "or", "10.5", "million", "eur",
                                      "and", "gbp", "3"}));
  // A trailing full stop is not part of the number.
  EXPECT_EQ(words("pay 100."), (std::vector<std::string>{"pay", "100"}));
}

TEST(TextNorm, DropsZeroWidthCharactersInsideWords) {
  EXPECT_EQ(words("Pay\u200bPal ve\u00adrify"), (std::vector<std::string>{"paypal", "verify"}));
  // Invisible operators, tag characters: no break either; direction marks and overrides only
  // between Latin letters (next to Hebrew or Arabic they part words as a space would).
  EXPECT_EQ(words("Pay\u2061Pal Ama\u200ezon Net\u202eflix Ban\U000E0041k"),
            (std::vector<std::string>{"paypal", "amazon", "netflix", "bank"}));
  EXPECT_EQ(words("\u05E9\u05DC\u05D5\u05DD\u200EOffice IBM\u200F\u05D1\u05E2\u05DE"),
            (std::vector<std::string>{"\u05E9\u05DC\u05D5\u05DD", "office", "ibm",
                                      "\u05D1\u05E2\u05DE"}));
  // Several in a row, and letters the normaliser does not fold, are still inside the word.
  EXPECT_EQ(words("Pay\u200E\u200EPal Pay\u200E\u200BPal Pay\u200E\u00ADPal Nguy\u1EC5\u200En "
                  "Pay\U000E0100Pal"),
            (std::vector<std::string>{"paypal", "paypal", "paypal", "nguy\u1EC5n", "paypal"}));
}

TEST(TextNorm, KeepsOtherScriptsAndFoldsFullWidth) {
  EXPECT_EQ(words("ｐａｙｐａｌ привет"), (std::vector<std::string>{"paypal", "привет"}));
}

TEST(TextNorm, HanAndKanaAreOneWordACharacter) {
  // No spaces in Chinese or Japanese: one word per character (the tokenizer pairs them).
  EXPECT_EQ(words("优惠价格abc商品 カタカナ"),
            (std::vector<std::string>{"优", "惠", "价", "格", "abc", "商", "品", "カ", "タ", "カ",
                                      "ナ"}));
  // Iteration marks are characters of their own; the katakana middle dot separates.
  EXPECT_EQ(words("人々 ジョン・スミス"),
            (std::vector<std::string>{"人", "々", "ジ", "ョ", "ン", "ス", "ミ", "ス"}));
  // Korean separates its words with spaces: Hangul words stay whole.
  EXPECT_EQ(words("무료 상담"), (std::vector<std::string>{"무료", "상담"}));
  // The word limit holds within a run of ideographs.
  NormalizeLimits limits;
  limits.max_words = 2;
  auto n = normalize_text("优惠价格", limits);
  EXPECT_TRUE(n.truncated);
  EXPECT_EQ(n.words.size(), 2u);
}

TEST(TextNorm, CountsCapitals) {
  auto n = normalize_text("URGENT reply");
  EXPECT_EQ(n.letters, 11u);
  EXPECT_EQ(n.upper, 6u);
}

TEST(TextNorm, LimitsWordsAndWordLength) {
  NormalizeLimits limits;
  limits.max_words = 3;
  limits.max_word = 4;
  auto n = normalize_text("alpha beta gamma delta epsilon", limits);
  EXPECT_TRUE(n.truncated);
  EXPECT_EQ(std::vector<std::string>(n.words.begin(), n.words.end()),
            (std::vector<std::string>{"alph", "beta", "gamm"}));
}

// A megabyte of direction marks is read once (each mark used to look ahead over the whole
// run: quadratic, minutes for one message).
TEST(TextNorm, LongRunsOfInvisibleCharactersAreReadOnce) {
  std::string marks;
  for (int k = 0; k < 300'000; ++k)
    marks += "\u200E";
  EXPECT_EQ(words("pay" + marks + "pal " + marks + "\u05D0" + marks),
            (std::vector<std::string>{"paypal", "\u05D0"}));
}

TEST(TextNorm, InvalidUtf8NeverBreaksIt) {
  std::string bad = "ok \xC3 \xFF\xFE caf\xC3\xA9 \xE2\x82";
  auto n = normalize_text(bad);
  ASSERT_GE(n.words.size(), 2u);
  EXPECT_EQ(n.words.front(), "ok");
  EXPECT_EQ(n.words[1], "cafe");
}

TEST(TextNorm, ViewsSurviveAMove) {
  auto a = normalize_text("x");  // short text: the buffer must still be on the heap
  NormalizedText b = std::move(a);
  ASSERT_EQ(b.words.size(), 1u);
  EXPECT_EQ(b.words[0], "x");
}

TEST(TextNorm, ClauseEnds) {
  // Marks the last word of each clause; numbers keep their separators; an ellipsis trails on.
  auto t = normalize_text("Faites tourner. Merci, 25,000.00 euros! Pass it on... 7 people?");
  ASSERT_EQ(t.words.size(), t.clause_end.size());
  std::string marked;
  for (std::size_t i = 0; i < t.words.size(); ++i) {
    marked += t.words[i];
    marked += t.clause_end[i] == 2 ? "| " : t.clause_end[i] == 1 ? ", " : " ";
  }
  EXPECT_EQ(marked, "faites tourner| merci, 25,000.00 euros| pass it on 7 people| ");
  // A colon ends the sentence too, as a mark of its own (it may announce a list).
  auto colon = normalize_text("Reply with: 1. name");
  ASSERT_EQ(colon.clause_end.size(), 4u);
  EXPECT_EQ(colon.clause_end[1], 3);
  EXPECT_EQ(colon.clause_end[2], 2);
  // A blank line (quoted or not) ends the sentence without a full stop; a line break alone
  // does not ("the rules\nof the club" is one).
  auto para = normalize_text("mesures contre vous\n\nInformez tous\n> vos\n>\n> amis\nde nous");
  std::vector<int> ends(para.clause_end.begin(), para.clause_end.end());
  EXPECT_EQ(ends, (std::vector<int>{0, 0, 2, 0, 0, 2, 0, 0, 0}));
}

TEST(TextNorm, MovingKeepsTheWordsOnTheText) {
  // A short text lives inside the string object; a move must re-point the views.
  NormalizedText a;
  a.text = "hi there";  // within the small-string buffer
  a.words = {std::string_view(a.text).substr(0, 2), std::string_view(a.text).substr(3)};
  NormalizedText b(std::move(a));
  ASSERT_EQ(b.words.size(), 2u);
  EXPECT_EQ(b.words[0].data(), b.text.data());
  EXPECT_EQ(b.words[1], "there");
  NormalizedText c;
  c = std::move(b);
  EXPECT_EQ(c.words[1].data(), c.text.data() + 3);
}

}  // namespace
}  // namespace facteur::filter
