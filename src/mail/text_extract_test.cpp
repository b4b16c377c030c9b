#include "mail/text_extract.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace facteur::mail {
namespace {

TEST(TextExtract, PlainQuotedPrintableLatin1) {
  ExtractedText t = extract_text(
      "Content-Type: text/plain; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "Caf=E9 cr=E8me,=\r\n soft break.\r\nSecond line.\r\n");
  EXPECT_EQ(t.text, "Caf\xc3\xa9 cr\xc3\xa8me, soft break.\nSecond line.");
  EXPECT_FALSE(t.has_html);
}

TEST(TextExtract, AlternativePrefersPlainAndKeepsHtmlLinks) {
  ExtractedText t = extract_text(
      "Content-Type: multipart/alternative; boundary=a\r\n\r\n"
      "--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain version\r\n"
      "--a\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "PHA+SFRNTCA8YSBocmVmPSJodHRwczovL2V4YW1wbGUuY29tLyI+bGluazwvYT48L3A+\r\n"
      "--a--\r\n");
  EXPECT_EQ(t.text, "Plain version");
  EXPECT_EQ(t.links, std::vector<std::string>{"https://example.com/"});
}

TEST(TextExtract, HtmlOnlyWithMetaCharset) {
  ExtractedText t = extract_text(
      "Content-Type: text/html\r\n\r\n"
      "<html><head><meta charset=\"windows-1252\"><style>x{}</style></head>"
      "<body><p>Price: 5\x80</p><a href=\"http://x.example/\">Buy</a></body></html>\r\n");
  EXPECT_EQ(t.text, "Price: 5\xe2\x82\xac\nBuy");
  EXPECT_TRUE(t.has_html);
  EXPECT_EQ(t.links.size(), 1u);
}

TEST(TextExtract, AttachmentsAndForwardedMessages) {
  ExtractedText t = extract_text(
      "Content-Type: multipart/mixed; boundary=m\r\n\r\n"
      "--m\r\n\r\nBody text\r\n"
      "--m\r\nContent-Type: application/octet-stream\r\n"
      "Content-Disposition: attachment; filename*=utf-8''invoice%C3%A9.exe\r\n\r\nAAAA\r\n"
      "--m\r\nContent-Type: message/rfc822\r\n\r\nSubject: fwd\r\n\r\nForwarded text\r\n"
      "--m--\r\n");
  EXPECT_EQ(t.text, "Body text\n\nForwarded text");
  EXPECT_EQ(t.attachments, std::vector<std::string>{"invoice\xc3\xa9.exe"});
}

TEST(TextExtract, EncodedForwardedMessage) {
  ExtractedText t = extract_text(
      "Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n\r\nSee attached.\r\n"
      "--m\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "U3ViamVjdDogaW5uZXINCg0KSW5uZXIgdGV4dA0K\r\n--m--\r\n");
  EXPECT_EQ(t.text, "See attached.\n\nInner text");
}

TEST(TextExtract, UnlabeledEightBitFallsBackToWindows1252) {
  EXPECT_EQ(text_to_utf8("caf\xe9", ""), "caf\xc3\xa9");
  EXPECT_EQ(text_to_utf8("caf\xc3\xa9", "us-ascii"), "caf\xc3\xa9");
  EXPECT_EQ(text_to_utf8("caf\xe9", "no-such-charset"), "caf\xc3\xa9");
  EXPECT_EQ(text_to_utf8("\xa4", "iso-8859-15"), "\xe2\x82\xac");
}

TEST(TextExtract, OutputIsBounded) {
  std::string msg = "Content-Type: multipart/mixed; boundary=m\r\n\r\n";
  for (int i = 0; i < 100; ++i)
    msg += "--m\r\n\r\n" + std::string(10'000, 'x') + "\r\n";
  TextLimits limits;
  limits.max_text = 50'000;
  ExtractedText t = extract_text(msg, limits);
  EXPECT_TRUE(t.truncated);
  EXPECT_LE(t.text.size(), 50'000u);
  EXPECT_GT(t.text.size(), 40'000u);
}

TEST(TextExtract, NeverCutsAUtf8Character) {
  std::string body;
  for (int i = 0; i < 100; ++i)
    body += "\xc3\xa9";
  TextLimits limits;
  limits.max_text = 51;
  ExtractedText t = extract_text("Content-Type: text/plain; charset=utf-8\r\n\r\n" + body, limits);
  EXPECT_EQ(t.text.size(), 50u);
}

// The SpamAssassin corpus parses and yields text for (nearly) every message.
TEST(TextExtract, SpamAssassinCorpusSample) {
  const std::filesystem::path dir =
      std::filesystem::path(FACTEUR_CORPORA_DIR) / "spamassassin/test/ham";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "corpus not found: " << dir;
  int files = 0;
  int with_text = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    ExtractedText t = extract_text(ss.str());
    ++files;
    with_text += !t.text.empty();
    if (files == 300) break;
  }
  EXPECT_GE(with_text, files * 98 / 100);
}

}  // namespace
}  // namespace facteur::mail
