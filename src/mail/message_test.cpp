#include "mail/message.hpp"

#include <string>

#include <gtest/gtest.h>

namespace facteur::mail {
namespace {

TEST(Message, ParseBundlesEverything) {
  const std::string msg =
      "Date: Tue, 02 Jan 2024 10:00:00 +0100\r\n"
      "From: =?utf-8?q?Ren=C3=A9e?= <renee@example.com>\r\n"
      "To: bob@example.org\r\n"
      "Subject: =?utf-8?q?Caf=C3=A9?=\r\n and more\r\n"
      "Message-ID: <id-1@example.com>\r\n"
      "\r\n"
      "Hello.\r\n";
  ParsedMessage m = parse_message(msg);
  EXPECT_EQ(m.subject, "Caf\xc3\xa9 and more");
  ASSERT_TRUE(m.from);
  EXPECT_EQ(m.from->local_part, "renee");
  EXPECT_EQ(m.from->display_name,
            "Ren\xc3\xa9"
            "e");
  EXPECT_EQ(m.message_id, "id-1@example.com");
  ASSERT_TRUE(m.date);
  EXPECT_EQ(m.date->offset_minutes, 60);
  EXPECT_TRUE(m.envelope.starts_with("(\"Tue, 02 Jan 2024 10:00:00 +0100\" "));
  EXPECT_EQ(m.body, R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 8 1))");
  EXPECT_EQ(m.bodystructure,
            R"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 8 1 NIL NIL NIL NIL))");
  EXPECT_EQ(m.part_map.parts().size(), 1u);
  EXPECT_EQ(m.header().fields().size(), 5u);
}

TEST(Message, MissingFields) {
  ParsedMessage m = parse_message("\r\nbody");
  EXPECT_EQ(m.subject, "");
  EXPECT_FALSE(m.from);
  EXPECT_FALSE(m.date);
  EXPECT_EQ(m.message_id, "");
  EXPECT_EQ(m.envelope, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(Message, ToCrlf) {
  EXPECT_EQ(to_crlf("a\nb\r\nc\rd\n"), "a\r\nb\r\nc\r\nd\r\n");
  EXPECT_EQ(to_crlf("no newline"), "no newline");
  EXPECT_EQ(to_crlf(""), "");
  const std::string crlf = "x\r\ny\r\n";
  EXPECT_EQ(to_crlf(crlf), crlf);
}

TEST(Message, FirstMessageId) {
  EXPECT_EQ(first_message_id(" <a@b> (comment)"), "a@b");
  EXPECT_EQ(first_message_id("<a@b> <c@d>"), "a@b");
  EXPECT_EQ(first_message_id(" bare@id "), "bare@id");
}

}  // namespace
}  // namespace facteur::mail
