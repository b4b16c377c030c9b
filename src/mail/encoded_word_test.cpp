#include "mail/encoded_word.hpp"

#include <string>

#include <gtest/gtest.h>

#include "mail/address.hpp"
#include "mail/charset.hpp"

namespace facteur::mail {
namespace {

struct DecodeCase {
  std::string in;
  std::string out;
};

class DecodeRfc2047 : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(DecodeRfc2047, Decodes) {
  EXPECT_EQ(decode_encoded_words(GetParam().in), GetParam().out) << GetParam().in;
}

// RFC 2047 §8: the examples of the specification, header values and comment texts.
INSTANTIATE_TEST_SUITE_P(
    Rfc2047Section8, DecodeRfc2047,
    ::testing::Values(DecodeCase{"=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
                                 "Keith Moore <moore@cs.utk.edu>"},
                      DecodeCase{"=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
                                 "Keld J\xC3\xB8rn Simonsen <keld@dkuug.dk>"},
                      DecodeCase{"=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
                                 "Andr\xC3\xA9 Pirard <PIRARD@vm1.ulg.ac.be>"},
                      DecodeCase{"=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
                                 "    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
                                 "If you can read this you understand the example."},
                      DecodeCase{"=?ISO-8859-1?Q?Olle_J=E4rnefors?= <ojarnef@admin.kth.se>",
                                 "Olle J\xC3\xA4rnefors <ojarnef@admin.kth.se>"},
                      DecodeCase{"Nathaniel Borenstein <nsb@thumper.bellcore.com> "
                                 "(=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
                                 "Nathaniel Borenstein <nsb@thumper.bellcore.com> "
                                 "(\xD7\x9D\xD7\x95\xD7\x9C\xD7\xA9 \xD7\x9F\xD7\x91 "
                                 "\xD7\x99\xD7\x9C\xD7\x98\xD7\xA4\xD7\xA0)"},
                      DecodeCase{"(=?ISO-8859-1?Q?a?=)", "(a)"},
                      DecodeCase{"(=?ISO-8859-1?Q?a?= b)", "(a b)"},
                      DecodeCase{"(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"},
                      DecodeCase{"(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"},
                      DecodeCase{"(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"},
                      DecodeCase{"(=?ISO-8859-1?Q?a_b?=)", "(a b)"},
                      DecodeCase{"(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"}));

// RFC 2231 §5 language tags, lenient forms and hostile input.
INSTANTIATE_TEST_SUITE_P(
    Lenient, DecodeRfc2047,
    ::testing::Values(DecodeCase{"=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore"},
                      DecodeCase{"=?utf-8*fr-CA?q?Fran=C3=A7ois?=", "Fran\xC3\xA7ois"},
                      DecodeCase{"=?utf-8?b?w6k=?=", "\xC3\xA9"},
                      DecodeCase{"=?UTF-8?B?w6k?=", "\xC3\xA9"},  // padding missing
                      // A character split across two adjacent words of one charset is joined first.
                      DecodeCase{"=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9t=C3=A9?=", "\xC3\xA9t\xC3\xA9"},
                      DecodeCase{"=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=", "\xE2\x82\xAC"},
                      DecodeCase{"=?utf-8?q?x?= plain =?utf-8?q?y?=", "x plain y"},
                      DecodeCase{"Re: =?utf-8?q?caf=C3=A9?=", "Re: caf\xC3\xA9"},
                      DecodeCase{"subject=?utf-8?q?glued?=text", "subjectgluedtext"},
                      // Malformed words stay as written.
                      DecodeCase{"=?utf-8?X?abc?=", "=?utf-8?X?abc?="},
                      DecodeCase{"=?x-unknown?Q?abc?=", "=?x-unknown?Q?abc?="},
                      DecodeCase{"=?utf-8?Q?abc", "=?utf-8?Q?abc"},
                      DecodeCase{"=??Q?abc?=", "=??Q?abc?="}, DecodeCase{"=?", "=?"},
                      DecodeCase{"=?utf-8?Q?a=ZZb?=", "a=ZZb"},
                      DecodeCase{"=?utf-8?Q?a=", "=?utf-8?Q?a="},
                      // Unknown charset between known ones: whitespace around it is kept.
                      DecodeCase{"=?utf-8?q?a?= =?bogus?q?b?= =?utf-8?q?c?=", "a =?bogus?q?b?= c"},
                      // Decoded line breaks and NULs cannot reach a re-serialised header.
                      DecodeCase{"=?utf-8?Q?a=0D=0Ab=00c?=", "a  b c"},
                      // RFC 6532: raw UTF-8 passes through; invalid bytes become U+FFFD.
                      DecodeCase{"Pr\xC3\xA9nom =?utf-8?q?Nom?=", "Pr\xC3\xA9nom Nom"},
                      DecodeCase{"Pr\xE9nom", "Pr\xEF\xBF\xBDnom"}, DecodeCase{"", ""}));

TEST(EncodedWord, FallbackCharsetForRaw8Bit) {
  DecodeOptions opts;
  opts.fallback_charset = "windows-1252";
  EXPECT_EQ(decode_encoded_words("Pr\xE9nom \x93x\x94", opts),
            "Pr\xC3\xA9nom \xE2\x80\x9Cx\xE2\x80\x9D");
  EXPECT_EQ(decode_encoded_words("Pr\xC3\xA9nom", opts), "Pr\xC3\xA9nom");  // valid UTF-8 wins
}

TEST(EncodedWord, OutputCap) {
  DecodeOptions opts;
  opts.max_output = 10;
  std::string in;
  for (int i = 0; i < 100; ++i)
    in += "=?utf-8?q?=C3=A9=C3=A9?= ";
  std::string out = decode_encoded_words(in, opts);
  EXPECT_LE(out.size(), 10u);
  EXPECT_TRUE(is_valid_utf8(out));
}

TEST(EncodedWord, HostileInputStaysLinear) {
  // Many "=?" starts that never complete, and one long unterminated word.
  std::string in;
  for (int i = 0; i < 200000; ++i)
    in += "=?a?";
  std::string out = decode_encoded_words(in);
  EXPECT_EQ(out, in);
  std::string long_word = "=?utf-8?q?" + std::string(500000, 'a');
  EXPECT_EQ(decode_encoded_words(long_word), long_word);
}

TEST(EncodedWord, MayContain) {
  EXPECT_TRUE(may_contain_encoded_words("a =?x"));
  EXPECT_FALSE(may_contain_encoded_words("plain"));
}

// ---- encoding (RFC 2047 §2, §4, §5) ----

void expect_well_formed_words(const std::string& encoded) {
  std::size_t pos = 0;
  while ((pos = encoded.find("=?", pos)) != std::string::npos) {
    std::size_t end = encoded.find("?=", pos + 10);
    ASSERT_NE(end, std::string::npos) << encoded;
    EXPECT_LE(end + 2 - pos, 75u) << "encoded word longer than 75: " << encoded;
    pos = end + 2;
  }
  for (char c : encoded)
    EXPECT_TRUE(static_cast<unsigned char>(c) < 0x80 && c != '\r' && c != '\n') << encoded;
}

TEST(EncodeHeader, AsciiIsUnchanged) {
  EXPECT_EQ(encode_header_value("Hello world"), "Hello world");
  EXPECT_EQ(encode_header_value(""), "");
}

TEST(EncodeHeader, OnlyWordsThatNeedItAreEncoded) {
  std::string e = encode_header_value("Re: caf\xC3\xA9 au lait");
  EXPECT_EQ(e.substr(0, 4), "Re: ");
  EXPECT_NE(e.find(" au lait"), std::string::npos);
  expect_well_formed_words(e);
  EXPECT_EQ(decode_encoded_words(e), "Re: caf\xC3\xA9 au lait");
}

TEST(EncodeHeader, LiteralEncodedWordSyntaxIsProtected) {
  std::string e = encode_header_value("see =?utf-8?q?x?= here");
  EXPECT_EQ(decode_encoded_words(e), "see =?utf-8?q?x?= here");
}

TEST(EncodeHeader, RoundTripsAndRespectsLengths) {
  const std::string samples[] = {
      "\xC3\xA9",
      "Caf\xC3\xA9 \xE2\x82\xAC 100 \xE2\x80\x94 r\xC3\xA9sum\xC3\xA9 na\xC3\xAFve",
      std::string(200, 'a') + " \xC3\xA9",
      // Long runs: Japanese (B wins), mostly-ASCII with accents (Q wins).
      [] {
        std::string s;
        for (int i = 0; i < 60; ++i)
          s += "\xE3\x81\x93";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 30; ++i)
          s += "d\xC3\xA9j\xC3\xA0 vu ";
        return s;
      }(),
      "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80 emoji",
      "tab\there \xC3\xA9",
      "under_score =?= and \xC3\xA9",
  };
  for (const auto& s : samples) {
    std::string e = encode_header_value(s);
    expect_well_formed_words(e);
    EXPECT_EQ(decode_encoded_words(e), s) << e;
  }
}

TEST(EncodeHeader, InvalidUtf8IsSanitisedFirst) {
  std::string e = encode_header_value("bad\xFF");
  EXPECT_EQ(decode_encoded_words(e), "bad\xEF\xBF\xBD");
}

struct NameCase {
  std::string name;
  std::string encoded;  // "" when only the round trip is checked
};

TEST(EncodeDisplayName, Forms) {
  const NameCase cases[] = {
      {"John Doe", "John Doe"},
      {"Doe, John", "\"Doe, John\""},
      {"Joe Q. Public", "\"Joe Q. Public\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"", ""},
      {"J\xC3\xA9r\xC3\xB4me Dupont", ""},
      {"Dupont, J\xC3\xA9r\xC3\xB4me", ""},
      {"\xE5\xB1\xB1\xE7\x94\xB0 \xE5\xA4\xAA\xE9\x83\x8E (Yamada)", ""},
      {"=?utf-8?q?not-a-word?=", ""},
  };
  for (const auto& c : cases) {
    std::string e = encode_display_name(c.name);
    if (!c.encoded.empty() || c.name.empty()) {
      EXPECT_EQ(e, c.encoded);
    }
    expect_well_formed_words(e);
    // The phrase must survive a trip through an address header (RFC 5322 §3.4).
    auto list = parse_address_list(e + " <a@example.com>");
    ASSERT_EQ(list.items.size(), 1u) << e;
    const auto& m = std::get<Mailbox>(list.items[0]);
    EXPECT_EQ(m.display_name, c.name) << e;
    EXPECT_EQ(m.address(), "a@example.com");
  }
}

TEST(EncodeDisplayName, PhraseAlphabetOfSection5) {
  // Inside a phrase, Q may only leave letters, digits and "!*+-/" unencoded (§5(3)).
  std::string e = encode_display_name("\xC3\xA9t\xC3\xA9 (summer), \"quoted\"");
  auto begin = e.find("?Q?");
  if (begin != std::string::npos) {
    auto end = e.find("?=", begin);
    for (char c : e.substr(begin + 3, end - begin - 3))
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) ||
                  std::string_view("!*+-/=_").find(c) != std::string_view::npos)
          << e;
  }
}

}  // namespace
}  // namespace facteur::mail
