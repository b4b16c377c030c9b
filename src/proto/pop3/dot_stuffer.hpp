// DotStuffer: turns a stored message into the body of a POP3 multi-line response (RFC 1939 §3):
// CRLF line ends (bare LF becomes CRLF), a '.' at the start of a line doubled, and ".\r\n" at the
// end. With a line count it produces TOP's answer (RFC 1939 §7): the header, the blank line, then
// at most that many body lines.
//
// TRUST: sees stored messages (originally internet input); any bytes, any chunking, constant
// memory (state is a few flags), linear time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace facteur::pop3 {

class DotStuffer {
 public:
  // top_lines: nullopt for RETR (the whole message), n for TOP msg n.
  explicit DotStuffer(std::optional<std::size_t> top_lines = std::nullopt);

  // Transforms the next chunk of the message (chunks may split anywhere, even inside CRLF).
  std::string feed(std::string_view chunk);
  // Ends the response: CRLF if the last line had none, then ".\r\n". Call once, after the last
  // feed(); feed() after finish() returns "".
  std::string finish();
  // TOP has sent all it wants: the caller may stop reading the message and call finish().
  bool done() const { return done_; }

 private:
  void put(std::string& out, char c);

  std::optional<std::size_t> top_lines_;
  std::size_t body_lines_ = 0;  // complete body lines sent (TOP)
  std::size_t line_bytes_ = 0;  // bytes of the current line so far, CR included
  bool at_line_start_ = true;
  bool pending_cr_ = false;  // the last byte was a CR that may start a CRLF
  bool in_body_ = false;     // the blank line after the header was passed
  bool done_ = false;
  bool finished_ = false;
};

}  // namespace facteur::pop3
