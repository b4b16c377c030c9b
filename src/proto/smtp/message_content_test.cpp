#include "proto/smtp/message_content.hpp"

#include <gtest/gtest.h>

#include "mail/mime.hpp"
#include "mail/transfer_encoding.hpp"

namespace facteur::smtp {
namespace {

std::string encode(std::string_view in, bool dots, std::size_t piece) {
  WireEncoder e(dots);
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += piece)
    e.feed(in.substr(i, piece), out);
  e.finish(out);
  return out;
}

// RFC 5321 §4.5.2: a line starting with '.' gets one more; the data ends with ".\r\n" after a
// CRLF. Bare CR and LF become CRLF so no peer sees a bare line end (RFC 5321 §2.3.8).
TEST(WireEncoder, DotStuffingAndLineEnds) {
  const std::pair<std::string, std::string> cases[] = {
      {"a\r\n.b\r\n..c\r\n", "a\r\n..b\r\n...c\r\n.\r\n"},
      {".\r\n", "..\r\n.\r\n"},
      {"no final newline", "no final newline\r\n.\r\n"},
      {"bare\nlf\n.dot", "bare\r\nlf\r\n..dot\r\n.\r\n"},
      {"bare\rcr\r.x\r", "bare\r\ncr\r\n..x\r\n.\r\n"},
      {"", ".\r\n"},
      {"x.\r\n.", "x.\r\n..\r\n.\r\n"},
  };
  for (const auto& [in, want] : cases) {
    for (std::size_t piece = 1; piece <= in.size() + 1; ++piece)
      EXPECT_EQ(encode(in, true, piece), want) << in << " piece " << piece;
    // Without dots: the canonical form, whose size scan_content() predicts.
    auto plain = encode(in, false, 3);
    EXPECT_EQ(scan_content(in).wire_size, plain.size()) << in;
  }
}

TEST(ScanContent, EightBit) {
  auto i = scan_content("Subject: caf\xc3\xa9\r\n\r\nbody\r\n");
  EXPECT_TRUE(i.eight_bit);
  EXPECT_TRUE(i.eight_bit_header);
  i = scan_content("Subject: x\r\n\r\ncaf\xc3\xa9\r\n");
  EXPECT_TRUE(i.eight_bit);
  EXPECT_FALSE(i.eight_bit_header);
  i = scan_content("Subject: x\n\ncaf\xc3\xa9\n");
  EXPECT_FALSE(i.eight_bit_header);
  EXPECT_EQ(i.wire_size, std::string("Subject: x\r\n\r\ncaf\xc3\xa9\r\n").size());
  i = scan_content("Subject: x\r\n\r\nplain\r\n");
  EXPECT_FALSE(i.eight_bit);
}

bool seven_bit(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// RFC 6152 §3 (a): 8-bit bodies become quoted-printable; what they say does not change.
TEST(ConvertTo7bit, SinglePart) {
  std::string msg =
      "From: a@example.org\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\nCaf\xc3\xa9 cr\xc3\xa8me\r\n.line\r\n";
  auto out = convert_to_7bit(msg);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(seven_bit(*out));
  auto tree = mail::parse_mime(*out);
  const auto& root = tree.root();
  EXPECT_EQ(root.info.encoding, mail::TransferEncoding::quoted_printable);
  EXPECT_EQ(root.header.count("Content-Transfer-Encoding"), 1u);
  EXPECT_EQ(mail::decode_quoted_printable(tree.body_bytes(0)),
            "Caf\xc3\xa9 cr\xc3\xa8me\r\n.line\r\n");
  EXPECT_TRUE(
      out->starts_with("From: a@example.org\r\nContent-Type: text/plain; charset=utf-8\r\n"));
}

TEST(ConvertTo7bit, Multipart) {
  std::string msg =
      "From: a@example.org\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=XX\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
      "preamble\r\n--XX\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n"
      "na\xefve\r\n--XX\r\nContent-Type: text/plain\r\n\r\nascii only\r\n"
      "--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "AAEC\r\n--XX\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
      "Subject: inner\r\n\r\nint\xc3\xa9rieur\r\n--XX--\r\nepilogue\r\n";
  auto out = convert_to_7bit(msg);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(seven_bit(*out));
  auto tree = mail::parse_mime(*out);
  ASSERT_EQ(tree.size(), 6u);  // root, 4 parts, the inner message
  EXPECT_EQ(tree.part(0).info.encoding, mail::TransferEncoding::seven_bit);
  EXPECT_EQ(tree.part(1).info.encoding, mail::TransferEncoding::quoted_printable);
  EXPECT_EQ(mail::decode_quoted_printable(tree.body_bytes(1)), "na\xefve");
  EXPECT_EQ(tree.body_bytes(2), "ascii only");
  EXPECT_EQ(tree.body_bytes(3), "AAEC");
  EXPECT_EQ(tree.part(4).info.encoding, mail::TransferEncoding::seven_bit);
  EXPECT_EQ(tree.part(5).info.encoding, mail::TransferEncoding::quoted_printable);
  EXPECT_EQ(mail::decode_quoted_printable(tree.body_bytes(5)), "int\xc3\xa9rieur");
  EXPECT_NE(out->find("preamble\r\n"), std::string::npos);
  EXPECT_TRUE(out->ends_with("--XX--\r\nepilogue\r\n"));
}

// RFC 6152 §3 (b): what cannot be converted fails.
TEST(ConvertTo7bit, Unconvertible) {
  EXPECT_FALSE(convert_to_7bit("Subject: caf\xc3\xa9\r\n\r\nbody\r\n"));
  EXPECT_FALSE(
      convert_to_7bit("Content-Type: multipart/mixed; boundary=B\r\n\r\npr\xc3\xa9"
                      "ambule\r\n--B\r\n\r\nx\r\n--B--\r\n"));
  EXPECT_FALSE(
      convert_to_7bit("Content-Type: message/rfc822\r\n\r\nSubject: \xc3\xa9\r\n\r\nx\r\n"));
  auto same = convert_to_7bit("Subject: x\r\n\r\nplain\r\n");
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, "Subject: x\r\n\r\nplain\r\n");
}

}  // namespace
}  // namespace facteur::smtp
