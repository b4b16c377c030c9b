// Outbound message content, as the SMTP client sends it: the 8-bit test (RFC 6152), the
// canonical wire form (CRLF line ends, a final CRLF) and its size (RFC 1870 SIZE=), DATA
// dot-stuffing as a stream (RFC 5321 §4.5.2), and the 8-bit to 7-bit conversion of RFC 6152 §3
// for servers without 8BITMIME: every body part holding 8-bit octets is re-encoded as
// quoted-printable (RFC 2045 §6.7) and its Content-Transfer-Encoding field rewritten. Header
// fields are never rewritten (8-bit there cannot be converted: the message fails instead).
// TRUST: messages come from our users or from the internet through the queue; linear time,
// output bounded by a small multiple of the input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace facteur::smtp {

struct ContentInfo {
  bool eight_bit = false;         // an octet >= 0x80 somewhere
  bool eight_bit_header = false;  // ... in the message's own header block
  std::uint64_t wire_size = 0;    // octets of the canonical form (WireEncoder without dots)
};
ContentInfo scan_content(std::string_view message);

// Streams a message in canonical form: bare CR and bare LF become CRLF, a CRLF is added after
// a last line without one. With dot-stuffing (DATA) a line starting with '.' gets one more, and
// finish() writes the ".\r\n" terminator.
class WireEncoder {
 public:
  explicit WireEncoder(bool dot_stuffing) : dots_(dot_stuffing) {}
  void feed(std::string_view in, std::string& out);
  void finish(std::string& out);

 private:
  bool dots_;
  bool line_start_ = true;
  bool pending_cr_ = false;
};

// RFC 6152 §3 conversion. Errc::invalid_argument when 8-bit octets remain outside bodies that
// can be re-encoded (header fields, MIME preambles) or the MIME structure hit a parser limit.
// Input without 8-bit octets comes back unchanged (containers labelled 8bit/binary relabelled
// 7bit).
Result<std::string> convert_to_7bit(std::string_view message);

}  // namespace facteur::smtp
