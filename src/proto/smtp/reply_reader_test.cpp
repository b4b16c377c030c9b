#include "proto/smtp/reply_reader.hpp"

#include <gtest/gtest.h>

#include "proto/smtp/capabilities.hpp"

namespace facteur::smtp {
namespace {

struct Read {
  std::vector<Reply> replies;
  std::string error;
};

Read read_all(std::string_view in, ReplyLimits limits = {}, std::size_t piece = 0) {
  ReplyReader r(limits);
  Read out;
  auto feed = [&](std::string_view chunk) {
    while (true) {
      auto st = r.read(chunk);
      if (st == ReplyReader::Status::reply) {
        out.replies.push_back(r.take());
        continue;
      }
      if (st == ReplyReader::Status::error) out.error = r.error();
      return;
    }
  };
  if (piece == 0) {
    feed(in);
  } else {
    for (std::size_t i = 0; i < in.size() && out.error.empty(); i += piece)
      feed(in.substr(i, piece));
  }
  return out;
}

TEST(ReplyReader, SingleAndMultiLine) {
  // RFC 5321 §4.2.1: continuation lines "ddd-", the last "ddd ", one code.
  auto r = read_all(
      "220 mx.example.org ESMTP\r\n250-mx.example.org Hello\r\n250-SIZE 1000\r\n250 PIPELINING\r\n"
      "550 5.1.1 <x@y>: No such user\r\n221\r\n");
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.replies.size(), 4u);
  EXPECT_EQ(r.replies[0].code, 220);
  EXPECT_EQ(r.replies[0].text, "mx.example.org ESMTP");
  EXPECT_EQ(r.replies[1].code, 250);
  EXPECT_EQ(r.replies[1].text, "mx.example.org Hello\nSIZE 1000\nPIPELINING");
  EXPECT_EQ(r.replies[2].code, 550);
  EXPECT_EQ(r.replies[2].enhanced, "5.1.1");
  EXPECT_EQ(r.replies[2].text, "<x@y>: No such user");
  EXPECT_EQ(r.replies[3].code, 221);  // a bare code is a whole reply
  EXPECT_EQ(r.replies[3].text, "");
}

// RFC 2034 §4: the enhanced code starts every line; it is kept once. Its class must match.
TEST(ReplyReader, EnhancedCodes) {
  auto r = read_all(
      "452-4.2.2 Mailbox full\r\n452-4.2.2 try later\r\n452 4.2.2\r\n250 5.1.1 mismatched class\r\n"
      "550 5.7.1234 too long detail\r\n554 5.7.1\r\n");
  ASSERT_EQ(r.replies.size(), 4u);
  EXPECT_EQ(r.replies[0].enhanced, "4.2.2");
  EXPECT_EQ(r.replies[0].text, "Mailbox full\ntry later\n");
  EXPECT_EQ(r.replies[1].enhanced, "");
  EXPECT_EQ(r.replies[1].text, "5.1.1 mismatched class");
  EXPECT_EQ(r.replies[2].enhanced, "");
  EXPECT_EQ(r.replies[3].enhanced, "5.7.1");
  EXPECT_EQ(r.replies[3].text, "");
  EXPECT_EQ(enhanced_code_length("2.0.0 Ok", 250), 5u);
  EXPECT_EQ(enhanced_code_length("4.123.456", 451), 9u);
  EXPECT_EQ(enhanced_code_length("3.0.0 x", 354), 0u);
  EXPECT_EQ(enhanced_code_length("5.1 x", 550), 0u);
}

TEST(ReplyReader, BadReplies) {
  const char* bad[] = {
      "25 short\r\n", "abc text\r\n",       "250x\r\n", "199 x\r\n",
      "600 x\r\n",    "250-a\r\n251 b\r\n", "\r\n",
  };
  for (const char* in : bad) {
    auto r = read_all(in);
    EXPECT_FALSE(r.error.empty()) << in;
    EXPECT_TRUE(r.replies.empty()) << in;
  }
  // Once failed, always failed.
  ReplyReader rr;
  std::string_view in = "xx\r\n250 ok\r\n";
  EXPECT_EQ(rr.read(in), ReplyReader::Status::error);
  in = "250 ok\r\n";
  EXPECT_EQ(rr.read(in), ReplyReader::Status::error);
}

// Lines past max_line are cut (not fatal), too many lines are fatal, the text is capped: a
// hostile server cannot make the client hold more than the limits.
TEST(ReplyReader, Limits) {
  ReplyLimits l;
  l.max_line = 64;
  l.max_lines = 5;
  l.max_text = 100;
  std::string huge = "250 " + std::string(100000, 'x') + "\r\n";
  auto r = read_all(huge, l, 977);
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].text, std::string(60, 'x'));

  std::string many;
  for (int i = 0; i < 6; ++i)
    many += "250-line\r\n";
  many += "250 end\r\n";
  r = read_all(many, l);
  EXPECT_FALSE(r.error.empty());

  std::string wide;
  for (int i = 0; i < 4; ++i)
    wide += "250-" + std::string(50, 'a' + i) + "\r\n";
  wide += "250 end\r\n";
  r = read_all(wide, l);
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].text.size(), 100u);
}

TEST(ReplyReader, SplitAnywhereAndBareLf) {
  std::string in = "250-first\r\n250-second\n250 third\r\n354 go ahead\r\n";
  auto whole = read_all(in);
  ASSERT_EQ(whole.replies.size(), 2u);
  for (std::size_t piece = 1; piece < in.size(); ++piece) {
    auto r = read_all(in, {}, piece);
    ASSERT_EQ(r.replies.size(), 2u) << piece;
    EXPECT_EQ(r.replies[0].text, whole.replies[0].text) << piece;
    EXPECT_EQ(r.replies[1].code, 354);
  }
}

TEST(Capabilities, Parse) {
  auto c = parse_capabilities(
      "mx.example.org greets you\nPIPELINING\nSIZE 35882577\n8BITMIME\nsmtputf8\nSTARTTLS\nDSN\n"
      "CHUNKING\nENHANCEDSTATUSCODES\nAUTH PLAIN LOGIN CRAM-MD5\nAUTH=LOGIN PLAIN XOAUTH2");
  EXPECT_TRUE(c.esmtp && c.pipelining && c.eight_bit_mime && c.smtputf8 && c.starttls && c.dsn &&
              c.chunking && c.enhanced_status_codes);
  ASSERT_TRUE(c.size);
  EXPECT_EQ(*c.size, 35882577u);
  EXPECT_EQ(c.auth, (std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"}));
  EXPECT_TRUE(c.has_auth("plain"));

  c = parse_capabilities("mx\nSIZE\nPIPELINING-NOT");
  ASSERT_TRUE(c.size);
  EXPECT_EQ(*c.size, 0u);  // SIZE without a number: no fixed limit
  EXPECT_FALSE(c.pipelining);
  // The greeting line is not a keyword.
  c = parse_capabilities("STARTTLS");
  EXPECT_FALSE(c.starttls);
}

}  // namespace
}  // namespace facteur::smtp
