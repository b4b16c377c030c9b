// Content-Transfer-Encoding: recognition, decoding (for FTS, filters, IMAP BINARY) and
// encoding (for messages we build). Decoders are lenient, as readers must be: base64 skips
// bytes outside its alphabet and accepts missing padding; quoted-printable keeps malformed
// escapes literally. All run in linear time and can be fed in chunks.
// RFCs: 2045 §6 (6.7 quoted-printable, 6.8 base64), 3516 (BINARY).
// Trust: sees internet input (message bodies).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace facteur::mail {

enum class TransferEncoding : std::uint8_t {
  seven_bit,  // default (RFC 2045 §6.1)
  eight_bit,
  binary,
  quoted_printable,
  base64,
  other,  // x-uuencode and friends: passed through undecoded
};

// From a Content-Transfer-Encoding value (comments and case ignored); empty -> seven_bit.
TransferEncoding parse_transfer_encoding(std::string_view raw) noexcept;
std::string_view to_string(TransferEncoding e) noexcept;
// True for base64 and quoted-printable: the bytes need decoding.
constexpr bool needs_decoding(TransferEncoding e) noexcept {
  return e == TransferEncoding::base64 || e == TransferEncoding::quoted_printable;
}

// Streaming base64 decoder: feed() any chunks, then finish(). A '=' ends a quantum; decoding
// resumes after it, which also handles concatenated encodings.
class Base64Decoder {
 public:
  void feed(std::string_view in, std::string& out);
  void finish(std::string& out);

 private:
  std::uint32_t acc_ = 0;
  int bits_ = 0;  // base64 digits held in acc_ (0..3)
};

// Streaming quoted-printable decoder. Soft line breaks ("=" CRLF, "=" LF, and "=" followed
// only by whitespace) are removed; trailing whitespace before a hard line break is dropped
// (§6.7 rule 3); line breaks are kept as they are; malformed "=XY" stay as written.
class QuotedPrintableDecoder {
 public:
  void feed(std::string_view in, std::string& out);
  void finish(std::string& out);

 private:
  // What the last bytes left undecided: whitespace that may be trailing, or an escape.
  enum class State : std::uint8_t { normal, ws, ws_cr, eq, eq_hex, eq_ws, eq_cr };
  State state_ = State::normal;
  std::string held_;  // whitespace held back (appended once per byte: no re-scan)
  char hex1_ = 0;
};

std::string decode_base64(std::string_view in);
std::string decode_quoted_printable(std::string_view in);
// Decodes per `encoding`; identity for 7bit/8bit/binary/other.
std::string decode_transfer(std::string_view body, TransferEncoding encoding);
// Size of the decoded body without keeping it (IMAP BINARY.SIZE).
std::size_t decoded_size(std::string_view body, TransferEncoding encoding);

// Base64 with CRLF every `line_length` characters (76 by default, RFC 2045 §6.8); 0: one line.
std::string encode_base64(std::string_view in, std::size_t line_length = 76);
// Quoted-printable with CRLF line breaks and soft breaks before 76 characters. With
// `binary` false, input line breaks (CRLF or LF) become CRLF hard breaks; with true every CR
// and LF is encoded.
std::string encode_quoted_printable(std::string_view in, bool binary = false);

}  // namespace facteur::mail
