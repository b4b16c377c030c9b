#include "mail/transfer_encoding.hpp"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace facteur::mail {
namespace {

TEST(TransferEncoding, Parse) {
  EXPECT_EQ(parse_transfer_encoding(""), TransferEncoding::seven_bit);
  EXPECT_EQ(parse_transfer_encoding(" 7BIT"), TransferEncoding::seven_bit);
  EXPECT_EQ(parse_transfer_encoding("8bit (comment)"), TransferEncoding::eight_bit);
  EXPECT_EQ(parse_transfer_encoding("Binary"), TransferEncoding::binary);
  EXPECT_EQ(parse_transfer_encoding(" Quoted-Printable\r\n"), TransferEncoding::quoted_printable);
  EXPECT_EQ(parse_transfer_encoding("(x) BASE64"), TransferEncoding::base64);
  EXPECT_EQ(parse_transfer_encoding("x-uuencode"), TransferEncoding::other);
}

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(decode_base64(encoded), plain);
    EXPECT_EQ(encode_base64(plain, 0), encoded);
  }
}

TEST(Base64, Lenient) {
  EXPECT_EQ(decode_base64("Zm9v\r\nYmFy\r\n"), "foobar");
  EXPECT_EQ(decode_base64("Zm9 v*Y!mF y"), "foobar");  // garbage skipped
  EXPECT_EQ(decode_base64("Zm9vYg"), "foob");          // missing padding
  EXPECT_EQ(decode_base64("Zm9vYmE"), "fooba");
  EXPECT_EQ(decode_base64("Zg==Zm8="), "ffo");  // concatenated encodings
  EXPECT_EQ(decode_base64("Z"), "");            // a lone digit carries no byte
  EXPECT_EQ(decode_base64(std::string("Zm\0\09v", 6)), "foo");
}

TEST(Base64, StreamingMatchesOneShot) {
  std::mt19937 rng(42);
  std::string data(10000, '\0');
  for (auto& c : data)
    c = static_cast<char>(rng());
  const std::string encoded = encode_base64(data);
  for (std::size_t chunk : {1u, 3u, 7u, 76u, 1000u}) {
    std::string out;
    Base64Decoder d;
    for (std::size_t i = 0; i < encoded.size(); i += chunk)
      d.feed(std::string_view(encoded).substr(i, chunk), out);
    d.finish(out);
    EXPECT_EQ(out, data) << "chunk " << chunk;
  }
}

// RFC 2045 §6.8: lines of at most 76 characters.
TEST(Base64, EncoderLines) {
  const std::string encoded = encode_base64(std::string(200, 'a'));
  std::size_t start = 0;
  while (start < encoded.size()) {
    const std::size_t end = encoded.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 76u);
    start = end + 2;
  }
  EXPECT_EQ(decode_base64(encoded), std::string(200, 'a'));
}

// RFC 2045 §6.7 rules.
TEST(QuotedPrintable, Decode) {
  const std::pair<const char*, const char*> cases[] = {
      {"caf=C3=A9", "caf\xc3\xa9"},
      {"caf=c3=a9", "caf\xc3\xa9"},     // lower-case hex, accepted leniently
      {"soft=\r\nbreak", "softbreak"},  // rule 5
      {"soft=\nbreak", "softbreak"},
      {"soft=  \r\nbreak", "softbreak"},  // whitespace after '=' (rule 3 transport padding)
      {"trailing   \r\nspace", "trailing\r\nspace"},  // rule 3: trailing whitespace removed
      {"a b\tc", "a b\tc"},
      {"bad =ZZ escape", "bad =ZZ escape"},  // malformed: kept literally
      {"=4", "=4"},
      {"end=", "end"},
      {"x = y", "x = y"},
      {"tail  ", "tail"},
  };
  for (const auto& [in, out] : cases)
    EXPECT_EQ(decode_quoted_printable(in), out) << in;
}

TEST(QuotedPrintable, StreamingMatchesOneShot) {
  const std::string text =
      "Line with trailing   \r\nsoft=\r\nbreak =3D and =C3=A9 and =ZZ\r\n=  \r\nend\t\t\r\n=4";
  const std::string whole = decode_quoted_printable(text);
  for (std::size_t chunk = 1; chunk <= text.size(); ++chunk) {
    std::string out;
    QuotedPrintableDecoder d;
    for (std::size_t i = 0; i < text.size(); i += chunk)
      d.feed(std::string_view(text).substr(i, chunk), out);
    d.finish(out);
    EXPECT_EQ(out, whole) << "chunk " << chunk;
  }
}

TEST(QuotedPrintable, EncodeRoundTrip) {
  const std::string text =
      "Caf\xc3\xa9 = tasty\r\n"
      "From the start\r\n"
      ".\r\n"
      "trailing space \r\n" +
      std::string(200, 'x') + "\r\n";
  const std::string encoded = encode_quoted_printable(text);
  std::size_t start = 0;
  while (start < encoded.size()) {
    std::size_t end = encoded.find("\r\n", start);
    if (end == std::string::npos) end = encoded.size();
    EXPECT_LE(end - start, 76u);
    const std::string_view line = std::string_view(encoded).substr(start, end - start);
    EXPECT_FALSE(line.starts_with("From ")) << line;
    EXPECT_NE(line, ".");
    if (!line.empty()) {
      EXPECT_NE(line.back(), ' ');
    }
    start = end + 2;
  }
  EXPECT_EQ(decode_quoted_printable(encoded), text);
  const std::string binary("a\r\nb\0\xff", 6);
  EXPECT_EQ(decode_quoted_printable(encode_quoted_printable(binary, true)), binary);
}

TEST(TransferEncoding, DecodedSize) {
  const std::string data(300'000, 'q');
  EXPECT_EQ(decoded_size(encode_base64(data), TransferEncoding::base64), data.size());
  EXPECT_EQ(decoded_size("a=3Db", TransferEncoding::quoted_printable), 3u);
  EXPECT_EQ(decoded_size("abc", TransferEncoding::eight_bit), 3u);
  EXPECT_EQ(decode_transfer("Zm9v", TransferEncoding::base64), "foo");
  EXPECT_EQ(decode_transfer("Zm9v", TransferEncoding::seven_bit), "Zm9v");
}

// Hostile input: truncated base64 and megabytes of whitespace decode in one pass.
TEST(TransferEncoding, HostileInputs) {
  EXPECT_EQ(decode_base64("Zm9vYmFyYm"), "foobarb");
  const std::string spaces(4'000'000, ' ');
  EXPECT_EQ(decode_quoted_printable(spaces + "x"), spaces + "x");
  EXPECT_EQ(decode_quoted_printable(spaces + "\r\n"), "\r\n");
  EXPECT_EQ(decode_quoted_printable(std::string(1'000'000, '=')), std::string(999'999, '='));
}

}  // namespace
}  // namespace facteur::mail
