#include "mail/rfc2231.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/strings.hpp"

namespace facteur::mail {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Parameters flattened the way the Stalwart vectors write them: "name-language" then "name".
Pairs flatten(const MimeParams& params) {
  Pairs out;
  for (const auto& p : params) {
    if (!p.language.empty()) out.emplace_back(to_lower(p.name) + "-language", p.language);
    out.emplace_back(to_lower(p.name), p.value);
  }
  return out;
}

struct Case {
  const char* section;
  const char* raw;
  const char* type;
  const char* subtype;
  Pairs params;
};

// Examples from the RFCs, section cited in each row.
TEST(ContentType, RfcExamples) {
  const Case cases[] = {
      {"RFC 2045 §5.1",
       "text/plain; charset=us-ascii (Plain text)",
       "text",
       "plain",
       {{"charset", "us-ascii"}}},
      {"RFC 2045 §5.1",
       "text/plain; charset=\"us-ascii\"",
       "text",
       "plain",
       {{"charset", "us-ascii"}}},
      {"RFC 2046 §5.1.1",
       "multipart/mixed; boundary=gc0p4Jq0M2Yt08j34c0p",
       "multipart",
       "mixed",
       {{"boundary", "gc0p4Jq0M2Yt08j34c0p"}}},
      {"RFC 2046 §5.1.1",
       "multipart/mixed; boundary=\"simple boundary\"",
       "multipart",
       "mixed",
       {{"boundary", "simple boundary"}}},
      {"RFC 2231 §3",
       "message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n "
       "URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
       "message",
       "external-body",
       {{"access-type", "URL"}, {"url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"}}},
      {"RFC 2231 §4",
       "application/x-stuff;\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
       "application",
       "x-stuff",
       {{"title-language", "en-us"}, {"title", "This is ***fun***"}}},
      {"RFC 2231 §4.1",
       "application/x-stuff\r\n title*0*=us-ascii'en'This%20is%20even%20more%20\r\n "
       "title*1*=%2A%2A%2Afun%2A%2A%2A%20\r\n title*2=\"isn't it!\"",
       "application",
       "x-stuff",
       {{"title-language", "en"}, {"title", "This is even more ***fun*** isn't it!"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.section) + ": " + c.raw);
    ContentType ct = parse_content_type(c.raw);
    EXPECT_EQ(ct.type, c.type);
    EXPECT_EQ(ct.subtype, c.subtype);
    EXPECT_EQ(flatten(ct.params), c.params);
  }
}

// RFC 2183 §2 example.
TEST(ContentDisposition, Rfc2183Example) {
  ContentDisposition cd = parse_content_disposition(
      "attachment; filename=genome.jpeg;\r\n modification-date=\"Wed, 12 Feb 1997 16:29:51 "
      "-0500\";");
  EXPECT_EQ(cd.type, "attachment");
  ASSERT_NE(cd.param("FILENAME"), nullptr);
  EXPECT_EQ(cd.param("filename")->value, "genome.jpeg");
  EXPECT_EQ(cd.param("modification-date")->value, "Wed, 12 Feb 1997 16:29:51 -0500");
}

// RFC 2231 §4: charset-decoded values; the wire form stays percent-encoded for IMAP.
TEST(ContentType, ExtendedValueDecodingAndWireForm) {
  ContentType ct =
      parse_content_type("application/octet-stream; name*=iso-8859-1''Hasen%20und%20Fr%F6sche.txt");
  const MimeParam* p = ct.param("name");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->extended);
  EXPECT_EQ(p->charset, "iso-8859-1");
  EXPECT_EQ(p->value, "Hasen und Fr\xc3\xb6sche.txt");
  EXPECT_EQ(p->wire_name, "name*");
  EXPECT_EQ(p->wire_value, "iso-8859-1''Hasen%20und%20Fr%F6sche.txt");
}

// Dovecot joins continuations into one "name*" parameter for BODYSTRUCTURE; we do too, and
// percent-encode the plain segments that follow an encoded one (Dovecot leaves them raw).
TEST(ContentType, ContinuationWireForm) {
  ContentType ct = parse_content_type(
      "application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20;"
      " title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"");
  ASSERT_EQ(ct.params.size(), 1u);
  EXPECT_EQ(ct.params[0].wire_name, "title*");
  EXPECT_EQ(ct.params[0].wire_value,
            "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!");
  ContentType plain = parse_content_type("a/b; n*1=\"world\"; n*0=\"hello \"");
  ASSERT_EQ(plain.params.size(), 1u);
  EXPECT_EQ(plain.params[0].wire_name, "n");
  EXPECT_EQ(plain.params[0].wire_value, "hello world");
}

TEST(ContentType, OutOfOrderAndMissingSegments) {
  ContentType ct = parse_content_type("a/b; k*2=c; k*0=a; k*5=d");
  EXPECT_EQ(ct.param_value("k"), "acd");
}

TEST(ContentType, ExtendedFormWinsOverPlain) {
  ContentType ct =
      parse_content_type("a/b; filename=\"short.txt\"; filename*=utf-8''long%C3%A9.txt");
  EXPECT_EQ(ct.params.size(), 2u);
  EXPECT_EQ(ct.param_value("filename"), "long\xc3\xa9.txt");
}

TEST(ContentType, Lenient) {
  EXPECT_FALSE(parse_content_type("").valid());
  EXPECT_FALSE(parse_content_type("inline").valid());
  EXPECT_FALSE(parse_content_type("/plain").valid());
  ContentType ct = parse_content_type("(c) text (d) / (e) html (f); ; charset = utf-8");
  EXPECT_TRUE(ct.is("TEXT", "HTML"));
  EXPECT_EQ(ct.param_value("CHARSET"), "utf-8");
  ContentType unterminated = parse_content_type("a/b; name=\"abc");
  EXPECT_EQ(unterminated.param_value("name"), "abc");
}

TEST(ContentType, ParameterCountIsBounded) {
  std::string raw = "a/b";
  for (int i = 0; i < 5000; ++i)
    raw += "; p" + std::to_string(i) + "=v";
  ContentType ct = parse_content_type(raw);
  EXPECT_EQ(ct.params.size(), ParamLimits{}.max_params);
}

TEST(ContentLanguage, Rfc3282) {
  EXPECT_EQ(parse_content_language("da"), std::vector<std::string>{"da"});
  EXPECT_EQ(parse_content_language(" en, fr (French)\r\n , de"),
            (std::vector<std::string>{"en", "fr", "de"}));
  EXPECT_TRUE(parse_content_language("").empty());
}

TEST(PercentDecode, KeepsMalformedEscapes) {
  EXPECT_EQ(percent_decode("a%20b%2"), "a b%2");
  EXPECT_EQ(percent_decode("%zz%41"), "%zzA");
}

// Stalwart mail-parser's content_type.json: 103 header values with their expected parse.
TEST(ContentType, StalwartVectors) {
  const std::filesystem::path file = std::filesystem::path(FACTEUR_CORPORA_DIR) /
                                     "stalwart-mail-parser/resources/content_type.json";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "corpus not found: " << file;
  std::ifstream in(file);
  const auto vectors = nlohmann::json::parse(in);
  int pass = 0;
  int total = 0;
  for (const auto& v : vectors) {
    ++total;
    const std::string raw = v["header"];
    const auto& expected = v["expected"];
    ContentType ct = parse_content_type(raw);
    bool ok;
    if (expected.is_null()) {
      ok = ct.type.empty();
    } else {
      Pairs want;
      if (expected.contains("attributes") && expected["attributes"].is_array())
        for (const auto& a : expected["attributes"])
          want.emplace_back(to_lower(a[0].get<std::string>()), a[1]);
      const std::string subtype = expected["c_subtype"].is_null() ? "" : expected["c_subtype"];
      // Stalwart lower-cases types (we keep them as written, as IMAP shows them) and orders
      // continuation groups by their last segment: compare types and parameter sets.
      Pairs got = flatten(ct.params);
      std::sort(got.begin(), got.end());
      std::sort(want.begin(), want.end());
      ok = iequals(ct.type, expected["c_type"].get<std::string>()) &&
           iequals(ct.subtype, subtype) && got == want;
    }
    if (ok) {
      ++pass;
    } else {
      std::string got = ct.type + "/" + ct.subtype;
      for (const auto& [n, val] : flatten(ct.params))
        got += " [" + n + "=" + val + "]";
      std::cout << "  content_type.json differs: " << nlohmann::json(raw).dump() << " -> " << got
                << "\n";
    }
  }
  std::cout << "content_type.json: " << pass << "/" << total << " as expected\n";
  // The two differences left are deliberate: Stalwart's guesses on malformed RFC 2231 names
  // ("1 * 999 *= h", "15*x***fff*===g") and its keeping of the space between RFC 2047 words
  // of different charsets inside a quoted value (RFC 2047 §6.2 says to drop it; we do).
  EXPECT_GE(pass, 101);
}

}  // namespace
}  // namespace facteur::mail
