#include "filter/phrases.hpp"

#include <gtest/gtest.h>

#include "filter/text_norm.hpp"

namespace facteur::filter {
namespace {

std::vector<int> hits(const PhraseMatcher& m, std::string_view text) {
  std::vector<int> out;
  m.match(normalize_text(text), out);
  return out;
}

TEST(PhraseMatcher, WildcardsAndPrefixes) {
  PhraseMatcher m;
  m.add("within * hours", 0);
  m.add("break the chain*", 1);
  auto h = hits(m, "Send it within 24 hours. Don't break the chains!");
  EXPECT_EQ(h[0], 1);
  EXPECT_EQ(h[1], 1);
  // A pattern cannot run past the last word.
  EXPECT_EQ(hits(m, "within 24")[0], 0);
}

TEST(PhraseMatcher, OverlapsOfAGroupCountOnceWhenAsked) {
  // "forward this to everyone in your contacts" holds three patterns of one group; they are
  // one plea when overlaps are not counted, while two separate pleas still count two.
  PhraseMatcher m;
  m.add("forward this to everyone", 0);
  m.add("everyone in your contacts", 0);
  m.add("in your contacts", 0);
  m.add("your contacts", 1);
  const std::string_view one = "Please forward this to everyone in your contacts.";
  EXPECT_EQ(hits(m, one)[0], 3);
  m.count_overlaps_once(0);
  auto h = hits(m, one);
  EXPECT_EQ(h[0], 1);
  EXPECT_EQ(h[1], 1);  // other groups are counted on their own
  EXPECT_EQ(hits(m, "Forward this to everyone. Then check in your contacts.")[0], 2);
}

TEST(PhraseMatcher, RepeatsCountOnceWhenAsked) {
  // "Good luck! ... good luck" is one piece of evidence; two formulas that overlap in a group
  // whose overlaps count ("ne brisez pas la chaîne") are two.
  PhraseMatcher m;
  m.add("good luck", 0);
  m.add("ne brisez pas", 0);
  m.add("brisez pas la chaine", 0);
  const std::string_view text = "Good luck! Ne brisez pas la chaîne. Good luck!";
  EXPECT_EQ(hits(m, text)[0], 4);
  m.count_repeats_once(0);
  EXPECT_EQ(hits(m, text)[0], 3);
}

}  // namespace
}  // namespace facteur::filter
