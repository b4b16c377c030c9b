#include "filter/lookalike.hpp"

#include <gtest/gtest.h>

namespace facteur::filter {
namespace {

// IDNA hosts (RFC 5890 A-labels); Punycode itself is tested in mail/punycode_test.cpp.
TEST(IdnaHost, DecodesLabels) {
  EXPECT_EQ(decode_idna_host("xn--bcher-kva.example"), "b\u00fccher.example");
  EXPECT_EQ(decode_idna_host("xn--mnchen-3ya.de"), "m\u00fcnchen.de");
  EXPECT_EQ(decode_idna_host("www.xn--pypal-4ve.com"), "www.p\u0430ypal.com");
}

TEST(IdnaHost, KeepsUndecodableLabels) {
  // Undecodable labels are kept as written.
  EXPECT_EQ(decode_idna_host("xn--!!.example"), "xn--!!.example");
}

TEST(Lookalike, SkeletonMapsConfusables) {
  EXPECT_EQ(skeleton("p\u0430ypal"), skeleton("paypal"));  // Cyrillic a
  EXPECT_EQ(skeleton("paypa1"), skeleton("paypal"));
  EXPECT_EQ(skeleton("rnicrosoft"), skeleton("microsoft"));
  EXPECT_EQ(skeleton("g00gle"), skeleton("google"));
  EXPECT_EQ(skeleton("PAY-PAL"), skeleton("paypal"));
  EXPECT_NE(skeleton("paypal"), skeleton("payment"));
}

TEST(Lookalike, BoundedEditDistance) {
  EXPECT_EQ(bounded_edit_distance("paypal", "paypal", 2), 0u);
  EXPECT_EQ(bounded_edit_distance("paypal", "paypall", 2), 1u);
  EXPECT_EQ(bounded_edit_distance("paypal", "paypla", 2), 1u);  // transposition
  EXPECT_EQ(bounded_edit_distance("paypal", "paypel", 2), 1u);
  EXPECT_EQ(bounded_edit_distance("examplebank", "exampelbnak", 2), 2u);
  EXPECT_EQ(bounded_edit_distance("paypal", "microsoft", 2), 3u);  // capped at max + 1
  EXPECT_EQ(bounded_edit_distance("", "abc", 5), 3u);
}

TEST(Lookalike, Internationalized) {
  EXPECT_TRUE(is_internationalized("www.xn--pypal-4ve.com"));
  EXPECT_TRUE(is_internationalized("b\u00fccher.example"));
  EXPECT_FALSE(is_internationalized("www.example.com"));
}

TEST(Lookalike, MixedScripts) {
  EXPECT_TRUE(mixes_scripts("ex\u0430mple-bank.test"));  // Cyrillic a among Latin
  EXPECT_TRUE(mixes_scripts("www.p\u03bfypal.test"));    // Greek omicron
  EXPECT_FALSE(mixes_scripts("b\u00fccher.example"));    // Latin with an umlaut
  EXPECT_FALSE(
      mixes_scripts("\u043f\u0440\u0438\u043c\u0435\u0440.example"));  // one script a label
  EXPECT_FALSE(mixes_scripts("www.example.com"));
  EXPECT_TRUE(mixes_scripts(decode_idna_host("xn--exmple-bank-zij.test")));
}

TEST(Lookalike, DisguisedWords) {
  // "Your wallet i\u0455 \u0405u\u0455p\u0435nd\u0435d": Cyrillic dze and ie among Latin.
  EXPECT_EQ(disguised_words("Your wallet i\u0455 \u0405u\u0455p\u0435nd\u0435d."), 1u);
  EXPECT_EQ(disguised_words("M\u0435t\u0430\u041c\u0430sk.io and P\u0430yPal"), 2u);
  // A Russian word with a stray Latin "c", a Greek word, "5 micrometres", "alpha-SMA", names
  // in two scripts side by side, accented Latin: none.
  EXPECT_EQ(disguised_words("\u0441\u0435\u0440\u0432\u0438c"), 0u);
  EXPECT_EQ(disguised_words("\u03ba\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1"), 0u);
  EXPECT_EQ(disguised_words("a 5\u03bcm filter, \u03b1-SMA staining"), 0u);
  EXPECT_EQ(disguised_words("\u0418\u0432\u0430\u043d Smith"), 0u);
  EXPECT_EQ(disguised_words("caf\u00e9 cr\u00e8me"), 0u);
  // Only the first max_bytes are read.
  EXPECT_EQ(disguised_words(std::string(100, 'x') + " P\u0430yPal", 50), 0u);
  EXPECT_EQ(unmask_lookalike_letters("M\u0435t\u0430\u041c\u0430sk"), "Metamask");
}

}  // namespace
}  // namespace facteur::filter
