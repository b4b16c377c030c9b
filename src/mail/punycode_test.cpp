#include "mail/punycode.hpp"

#include <gtest/gtest.h>

namespace facteur::mail {
namespace {

// RFC 3492 §7.1 sample strings, both ways.
TEST(Punycode, Rfc3492SamplesRoundTrip) {
  struct Case {
    std::u32string decoded;
    std::string encoded;
  };
  const Case cases[] = {
      // (A) Arabic (Egyptian)
      {U"\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648\u0634\u0639\u0631"
       U"\u0628\u064A\u061F",
       "egbpdaj6bu4bxfgehfvwxn"},
      // (B) Chinese (simplified)
      {U"\u4ED6\u4EEC\u4E3A\u4EC0\u4E48\u4E0D\u8BF4\u4E2D\u6587", "ihqwcrb4cv8a8dqg056pqjye"},
      // (L) 3<nen>B<gumi><kinpachi><sensei>: basic code points kept as written
      {U"3\u5E74B\u7D44\u91D1\u516B\u5148\u751F", "3B-ww4c5e180e575a65lsy2b"},
      // (S) only basic code points: they and a final delimiter
      {U"-> $1.00 <-", "-> $1.00 <--"},
      // IDNA labels: "bücher", "münchen", Cyrillic "а" in "pаypal"
      {U"b\u00fccher", "bcher-kva"},
      {U"m\u00fcnchen", "mnchen-3ya"},
      {U"p\u0430ypal", "pypal-4ve"},
  };
  for (const auto& c : cases) {
    auto encoded = punycode_encode(c.decoded);
    ASSERT_TRUE(encoded);
    EXPECT_EQ(*encoded, c.encoded);
    auto decoded = punycode_decode(c.encoded);
    ASSERT_TRUE(decoded) << c.encoded;
    EXPECT_EQ(*decoded, c.decoded);
  }
}

// RFC 3492 §6.2: bad digits, non-basic bytes before the delimiter and overflow fail.
TEST(Punycode, RejectsMalformedAndOversizedInput) {
  EXPECT_FALSE(punycode_decode("\xFF\xFE-abc"));
  EXPECT_FALSE(punycode_decode("abc-!!"));
  EXPECT_FALSE(punycode_decode("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"));
  EXPECT_FALSE(punycode_decode(std::string(300, 'a')));
  // 64 basic code points and the delimiter: one over a label's 63, though no digit follows
  // (found by fuzz_filter_parts' round trip).
  EXPECT_FALSE(punycode_decode(std::string(64, 'a') + "-"));
  EXPECT_TRUE(punycode_decode(std::string(63, 'a') + "-"));
  EXPECT_FALSE(punycode_encode(std::u32string(64, U'\u00e9')));  // over a label's 63
  EXPECT_TRUE(punycode_encode(std::u32string(63, U'\u00e9')));
}

}  // namespace
}  // namespace facteur::mail
