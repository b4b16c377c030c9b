#include "delivery/metadata.hpp"

#include <gtest/gtest.h>

namespace facteur::delivery {
namespace {

TEST(Metadata, ComputedOnceForTheStore) {
  std::string msg =
      "From: =?utf-8?q?Andr=C3=A9?= <andre@example.test>\r\n"
      "To: alice@example.test\r\n"
      "Subject: =?iso-8859-1?q?Caf=E9?=\r\n"
      "Date: Thu, 26 Nov 2026 08:17:57 +0000\r\n"
      "Message-ID: <m1@example.test>\r\n"
      "In-Reply-To: <m0@example.test>\r\n"
      "References: <a@x> <m0@example.test>\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "Bonjour \xc3\xa0 tous\r\n";
  auto p = build_metadata(msg);
  // RFC 3501 §7.4.2: ENVELOPE starts with the date and the (raw) subject.
  EXPECT_TRUE(p.metadata.envelope.starts_with("(\"Thu, 26 Nov 2026 08:17:57 +0000\""))
      << p.metadata.envelope;
  EXPECT_TRUE(p.metadata.body_structure.starts_with("(\"text\" \"plain\""))
      << p.metadata.body_structure;
  EXPECT_FALSE(p.metadata.body.empty());
  EXPECT_FALSE(p.metadata.part_tree.empty());
  EXPECT_EQ(p.metadata.message_id, "m1@example.test");
  EXPECT_EQ(p.metadata.subject, "Caf\xc3\xa9");
  EXPECT_EQ(p.metadata.sent_date, 1795681077);
  ASSERT_EQ(p.metadata.references.size(), 3u);
  EXPECT_EQ(p.metadata.references[0], "m0@example.test");
  ASSERT_TRUE(p.search_text);
  EXPECT_NE(p.search_text->from.find("Andr\xc3\xa9"), std::string::npos);
  EXPECT_NE(p.search_text->body.find("Bonjour \xc3\xa0 tous"), std::string::npos);
  EXPECT_NE(p.search_text->headers.find("Message-ID"), std::string::npos);
}

TEST(Metadata, AnythingGetsUsableMetadata) {
  auto p = build_metadata("no header at all, no line end");
  EXPECT_FALSE(p.metadata.envelope.empty());
  EXPECT_FALSE(p.metadata.body_structure.empty());
  p = build_metadata("");
  EXPECT_FALSE(p.metadata.body_structure.empty());
}

}  // namespace
}  // namespace facteur::delivery
