#include "filter/sms_spelling.hpp"

#include <gtest/gtest.h>

#include "filter/hash.hpp"

namespace facteur::filter {
namespace {

TEST(SmsSpelling, WordsWrittenOutWithTheirHashesAndClauseEnds) {
  auto text = normalize_text("plz tell evry1 on ur list, asap! envoi a tt tes contacts");
  auto out = spell_out_sms(text);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->text, "please tell everyone on your list asap envoi a tous tes contacts");
  ASSERT_EQ(out->words.size(), text.words.size());
  for (std::size_t i = 0; i < out->words.size(); ++i)
    EXPECT_EQ(out->hashes[i], token_hash(out->words[i])) << out->words[i];
  EXPECT_EQ(out->clause_end, text.clause_end);
}

TEST(SmsSpelling, NothingToWriteOutKeepsTheText) {
  // Words of English or French that SMS also uses ("sa", "c", "2") are left alone.
  EXPECT_FALSE(spell_out_sms(normalize_text("Envoyez sa photo à 2 amis, c'est tout.")));
  EXPECT_FALSE(spell_out_sms(normalize_text("")));
}

TEST(SmsSpelling, AShortTextSurvivesTheReturn) {
  // "plz u" spelt out is "please you", short enough to live inside the string object: the
  // words must point into the returned text, not into the function's stack frame.
  auto out = spell_out_sms(normalize_text("plz u"));
  ASSERT_TRUE(out);
  ASSERT_EQ(out->words.size(), 2u);
  EXPECT_EQ(out->words[0].data(), out->text.data());
  EXPECT_EQ(out->words[0], "please");
  EXPECT_EQ(out->words[1], "you");
}

}  // namespace
}  // namespace facteur::filter
