#include "mail/charset.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace facteur::mail {
namespace {

struct ConversionCase {
  const char* charset;
  std::string bytes;
  std::string utf8;
};

class ToUtf8 : public ::testing::TestWithParam<ConversionCase> {};

TEST_P(ToUtf8, Converts) {
  const auto& c = GetParam();
  auto out = to_utf8(c.bytes, c.charset);
  ASSERT_TRUE(out.has_value()) << c.charset << ": " << out.error().message;
  EXPECT_EQ(*out, c.utf8) << c.charset;
  EXPECT_TRUE(is_valid_utf8(*out));
}

// RFC 2046 §4.1.2 charset names, matched case-insensitively with the usual aliases.
INSTANTIATE_TEST_SUITE_P(
    Charsets, ToUtf8,
    ::testing::Values(ConversionCase{"us-ascii", "plain text", "plain text"},
                      ConversionCase{"US-ASCII", "plain text", "plain text"},
                      ConversionCase{"utf-8", "caf\xC3\xA9", "caf\xC3\xA9"},
                      ConversionCase{"UTF8", "caf\xC3\xA9", "caf\xC3\xA9"},
                      ConversionCase{"iso-8859-1", "caf\xE9 \xFC", "caf\xC3\xA9 \xC3\xBC"},
                      ConversionCase{"latin1", "Andr\xE9", "Andr\xC3\xA9"},
                      ConversionCase{"ISO_8859-1", "\xA0", "\xC2\xA0"},
                      // windows-1252 0x80-0x9F: euro sign, curly quotes, em dash.
                      ConversionCase{"windows-1252", "\x80 \x93q\x94 \x97",
                                     "\xE2\x82\xAC \xE2\x80\x9Cq\xE2\x80\x9D \xE2\x80\x94"},
                      ConversionCase{"cp1252", "\x80", "\xE2\x82\xAC"},
                      // Mail labelled latin-1 carries cp1252 punctuation: decoded as browsers do.
                      ConversionCase{"iso-8859-1", "\x92", "\xE2\x80\x99"},
                      ConversionCase{"iso-8859-15", "\xA4", "\xE2\x82\xAC"},
                      ConversionCase{"koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4",
                                     "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"},
                      // RFC 1468: ESC $ B switches to JIS X 0208, ESC ( B back to ASCII.
                      ConversionCase{
                          "iso-2022-jp", "\x1B$B$3$s$K$A$O\x1B(B!",
                          "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF!"},
                      ConversionCase{"ISO-2022-JP", "abc", "abc"},
                      ConversionCase{"shift_jis", "\x82\xA0", "\xE3\x81\x82"},
                      ConversionCase{"gb2312", "\xC4\xE3\xBA\xC3", "\xE4\xBD\xA0\xE5\xA5\xBD"},
                      ConversionCase{"big5", "\xA4\xA4", "\xE4\xB8\xAD"},
                      ConversionCase{"euc-kr", "\xC7\xD1", "\xED\x95\x9C"},
                      ConversionCase{"\"utf-8\"", "x", "x"}, ConversionCase{" utf-8 ", "x", "x"}));

TEST(Charset, UnknownCharsetIsAnError) {
  auto out = to_utf8("abc", "x-no-such-charset");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, Errc::not_found);
  EXPECT_FALSE(to_utf8("abc", "").has_value());
  EXPECT_FALSE(is_known_charset("unknown-8bit"));
  EXPECT_TRUE(is_known_charset("KOI8-R"));
}

TEST(Charset, RejectsNamesIconvCouldMisread) {
  EXPECT_FALSE(to_utf8("abc", "UTF-8//TRANSLIT").has_value());
  EXPECT_FALSE(to_utf8("abc", "../../etc/passwd").has_value());
  EXPECT_FALSE(to_utf8("abc", std::string(100, 'a')).has_value());
}

TEST(Charset, InvalidSequencesBecomeReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(*to_utf8("a\xFF"
                     "b",
                     "utf-8"),
            "a" + fffd + "b");
  EXPECT_EQ(*to_utf8("a\xC3", "utf-8"), "a" + fffd);                 // truncated
  EXPECT_EQ(*to_utf8("\xC0\xAF", "utf-8"), fffd + fffd);             // overlong '/'
  EXPECT_EQ(*to_utf8("\xED\xA0\x80", "utf-8"), fffd + fffd + fffd);  // surrogate
  // Shift_JIS lead byte without its trail byte, in the middle and at the end.
  auto sj = to_utf8(
      "a\x82"
      "b\x82",
      "shift_jis");
  ASSERT_TRUE(sj.has_value());
  EXPECT_TRUE(is_valid_utf8(*sj));
  EXPECT_NE(sj->find(fffd), std::string::npos);
  EXPECT_EQ(sj->front(), 'a');
}

TEST(Charset, ConverterOutputIsAlwaysValidUtf8) {
  // glibc's iconv takes "UT+F-8" for UTF-8 and passes the obsolete 6-byte form (beyond
  // U+10FFFF) through; found by fuzz_encoded_word. Whatever the converter, the result is valid.
  for (std::string_view name : {"UT+F-8", "UTF8//", "utf-8"}) {
    auto r = to_utf8(
        "a\xFD\x97\x97\x97\x97\x97"
        "b",
        name);
    if (!r) continue;  // a name this iconv does not know is an error, which is fine too
    EXPECT_TRUE(is_valid_utf8(*r)) << name;
    EXPECT_EQ(r->front(), 'a');
    EXPECT_EQ(r->back(), 'b');
  }
}

TEST(Charset, StrictUtf8Validation) {
  // RFC 3629 §3/§4: no overlongs, no surrogates, nothing above U+10FFFF.
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii text that is longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_FALSE(is_valid_utf8("abcdefgh\xC3"));
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
}

TEST(Charset, SanitizeAndAppendCodePoint) {
  EXPECT_EQ(sanitize_utf8("ok\xC3\xA9"), "ok\xC3\xA9");
  EXPECT_EQ(sanitize_utf8("bad\xFF"), "bad\xEF\xBF\xBD");
  std::string out;
  append_code_point(out, U'A');
  append_code_point(out, 0xE9);
  append_code_point(out, 0x20AC);
  append_code_point(out, 0x1F600);
  append_code_point(out, 0xD800);
  append_code_point(out, 0x110000);
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Charset, LargeInputThroughIconv) {
  std::string in(100000, '\xE9');
  auto out = to_utf8(in, "iso-8859-15");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->size(), 200000u);
  EXPECT_TRUE(is_valid_utf8(*out));
}

TEST(Charset, ManyCharsetsCycleThroughTheCache) {
  const char* names[] = {"koi8-r",     "iso-8859-2",  "iso-8859-5",  "iso-8859-7",
                         "cp1251",     "cp1250",      "iso-8859-9",  "koi8-u",
                         "iso-8859-4", "iso-8859-13", "iso-8859-16", "cp866",
                         "cp1253",     "cp1254",      "macintosh",   "iso-2022-jp"};
  for (int round = 0; round < 3; ++round)
    for (const char* n : names) {
      auto out = to_utf8("abc", n);
      ASSERT_TRUE(out.has_value()) << n;
      EXPECT_EQ(*out, "abc") << n;
    }
}

TEST(Charset, ThreadSafe) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &ok] {
      for (int i = 0; i < 500; ++i) {
        auto a = to_utf8("\xF0\xD2", "koi8-r");
        auto b = to_utf8("\x1B$B$3\x1B(B", "iso-2022-jp");
        if (a && b && *a == "\xD0\x9F\xD1\x80" && *b == "\xE3\x81\x93") ++ok[std::size_t(t)];
      }
    });
  for (auto& th : threads)
    th.join();
  for (int n : ok)
    EXPECT_EQ(n, 500);
}

}  // namespace
}  // namespace facteur::mail
