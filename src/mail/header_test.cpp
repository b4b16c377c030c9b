#include "mail/header.hpp"

#include <string>

#include <gtest/gtest.h>

namespace facteur::mail {
namespace {

// RFC 5322 §2.2: name, colon, value; §2.2.3 folding.
TEST(Header, FieldsInOrderWithRawValuesAndOffsets) {
  const std::string msg =
      "From: a@example.com\r\n"
      "Subject: folded\r\n"
      " line\r\n"
      "X-Empty:\r\n"
      "\r\n"
      "body\r\n";
  Header h = parse_header(msg);
  ASSERT_EQ(h.fields().size(), 3u);
  EXPECT_EQ(h.fields()[0].name, "From");
  EXPECT_EQ(h.fields()[0].raw_value, " a@example.com");
  EXPECT_EQ(h.fields()[0].offset, 0u);
  EXPECT_EQ(h.fields()[0].id, FieldId::from);
  EXPECT_EQ(h.fields()[1].raw_value, " folded\r\n line");
  EXPECT_EQ(h.fields()[1].offset, 21u);
  EXPECT_EQ(h.fields()[1].value(), "folded line");
  EXPECT_EQ(h.fields()[2].raw_value, "");
  EXPECT_EQ(h.fields()[2].value(), "");
  EXPECT_TRUE(h.has_separator());
  EXPECT_EQ(msg.substr(h.size()), "body\r\n");
}

TEST(Header, LookupIsCaseInsensitive) {
  Header h = parse_header("content-TYPE: text/plain\nX-Foo: 1\nx-foo: 2\n\n");
  ASSERT_NE(h.find(FieldId::content_type), nullptr);
  EXPECT_EQ(h.find("Content-Type")->raw_value, " text/plain");
  EXPECT_EQ(h.find("X-FOO")->raw_value, " 1");
  EXPECT_EQ(h.count("x-foo"), 2u);
  EXPECT_EQ(h.find_all("X-Foo").size(), 2u);
  EXPECT_EQ(h.find("Missing"), nullptr);
}

TEST(Header, BareLineFeedsAndMissingSeparator) {
  Header h = parse_header("A: 1\nB: 2\n folded");
  ASSERT_EQ(h.fields().size(), 2u);
  EXPECT_EQ(h.fields()[1].raw_value, " 2\n folded");
  EXPECT_FALSE(h.has_separator());
  EXPECT_EQ(h.size(), 17u);
}

TEST(Header, EmptyHeaderBlock) {
  Header h = parse_header("\r\nbody");
  EXPECT_TRUE(h.empty());
  EXPECT_TRUE(h.has_separator());
  EXPECT_EQ(h.size(), 2u);
  Header lf = parse_header("\nbody");
  EXPECT_EQ(lf.size(), 1u);
}

// RFC 5322 §4.5.1 obs-optional: whitespace before the colon.
TEST(Header, WhitespaceBeforeColon) {
  Header h = parse_header("Subject  : hi\r\n\r\n");
  ASSERT_EQ(h.fields().size(), 1u);
  EXPECT_EQ(h.fields()[0].name, "Subject");
  EXPECT_EQ(h.fields()[0].id, FieldId::subject);
}

TEST(Header, LinesThatAreNotFieldsAreSkipped) {
  Header h = parse_header(
      "From sender@example.com Thu Feb 12 12:00:00 2026\n"  // mbox envelope line
      " orphan continuation\n"
      "no colon here\n"
      ": empty name\n"
      "To: b@example.com\n"
      "\n");
  ASSERT_EQ(h.fields().size(), 1u);
  EXPECT_EQ(h.fields()[0].name, "To");
  EXPECT_EQ(h.malformed_lines(), 4u);
}

// RFC 6532: 8-bit UTF-8 values are kept as bytes.
TEST(Header, EightBitValues) {
  Header h = parse_header("Subject: caf\xc3\xa9\r\n\r\n");
  EXPECT_EQ(h.find(FieldId::subject)->value(), "caf\xc3\xa9");
}

TEST(Header, NulBytesDoNotEndTheBlock) {
  const std::string msg("A: x\0y\r\nB: z\r\n\r\n", 16);
  Header h = parse_header(msg);
  ASSERT_EQ(h.fields().size(), 2u);
  EXPECT_EQ(h.fields()[0].raw_value.size(), 4u);
}

TEST(Header, StopPredicateEndsTheBlockBeforeTheLine) {
  const std::string part = "Content-Type: text/plain\r\n--b\r\nrest";
  auto stop = [](const void*, std::string_view line) { return line == "--b"; };
  Header h = parse_header(part, {}, HeaderStop{nullptr, +stop});
  EXPECT_FALSE(h.has_separator());
  EXPECT_EQ(h.size(), 26u);
  EXPECT_EQ(h.fields().size(), 1u);
}

TEST(Header, FieldLimitKeepsFindingTheBody) {
  std::string msg;
  for (int i = 0; i < 50; ++i)
    msg += "X-N: " + std::to_string(i) + "\r\n";
  msg += "\r\nbody";
  HeaderLimits limits;
  limits.max_fields = 10;
  Header h = parse_header(msg, limits);
  EXPECT_EQ(h.fields().size(), 10u);
  EXPECT_EQ(h.dropped(), 40u);
  EXPECT_EQ(msg.substr(h.size()), "body");
}

TEST(Header, OversizedFieldIsSkipped) {
  std::string msg = "A: 1\r\nBig: " + std::string(5000, 'x') + "\r\nC: 3\r\n\r\n";
  HeaderLimits limits;
  limits.max_field_size = 1000;
  Header h = parse_header(msg, limits);
  ASSERT_EQ(h.fields().size(), 2u);
  EXPECT_EQ(h.fields()[1].name, "C");
  EXPECT_EQ(h.dropped(), 1u);
}

// Hostile input: a million header lines are scanned in one pass and memory stays bounded by
// max_fields (the fields vector never grows past it).
TEST(Header, MillionLinesStayBounded) {
  std::string msg;
  msg.reserve(8'000'000);
  for (int i = 0; i < 1'000'000; ++i)
    msg += "X-A: b\n";
  msg += "\nbody";
  Header h = parse_header(msg);
  EXPECT_EQ(h.fields().size(), HeaderLimits{}.max_fields);
  EXPECT_EQ(h.dropped(), 1'000'000u - HeaderLimits{}.max_fields);
  EXPECT_EQ(msg.substr(h.size()), "body");
}

TEST(Header, FieldIds) {
  EXPECT_EQ(field_id("Content-Transfer-Encoding"), FieldId::content_transfer_encoding);
  EXPECT_EQ(field_id("MESSAGE-ID"), FieldId::message_id);
  EXPECT_EQ(field_id("In-Reply-To"), FieldId::in_reply_to);
  EXPECT_EQ(field_id("X-Mailer"), FieldId::other);
  EXPECT_EQ(field_id(""), FieldId::other);
}

TEST(Header, Unfold) {
  EXPECT_EQ(unfold("a\r\n b\n\tc"), "a b\tc");
  EXPECT_EQ(unfold_trim("  x \r\n y  "), "x  y");
  EXPECT_EQ(trim_wsp("\t a \r\n"), "a");
}

}  // namespace
}  // namespace facteur::mail
