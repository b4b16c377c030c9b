// DATA content reader (RFC 5321 §4.5.2 transparency, §4.1.1.4 end of data): removes dot-stuffing
// and finds the only end it accepts, <CRLF>.<CRLF>. A bare CR or LF anywhere makes the message
// invalid (so "<LF>.<CR><LF>" and friends cannot end or split it: no SMTP smuggling), as do an
// over-long line and an over-size message; the reader then keeps looking for the real end
// without producing output. Internal to the SMTP server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace facteur::smtp {

class DataReader {
 public:
  enum class Error { none, bare_newline, line_too_long, too_big };

  // max_line counts the CRLF (0: no limit); max_size counts the unstuffed bytes.
  DataReader(std::uint64_t max_size, std::size_t max_line);

  // Consumes bytes of `in` up to and including the end marker; appends the unstuffed content
  // (CRLF line ends, the final CRLF before the dot included) to `out` while there is no error.
  // Returns how many bytes were consumed.
  std::size_t feed(std::string_view in, std::string& out);

  bool done() const { return done_; }
  Error error() const { return error_; }
  std::uint64_t size() const { return size_; }

 private:
  enum class State { line_start, dot, dot_cr, in_line, cr };

  void emit(std::string_view bytes, std::string& out);
  void fail(Error e) {
    if (error_ == Error::none) error_ = e;
  }

  std::uint64_t max_size_;
  std::size_t max_line_;
  State state_ = State::line_start;
  std::size_t line_len_ = 0;
  std::uint64_t size_ = 0;
  Error error_ = Error::none;
  bool done_ = false;
};

}  // namespace facteur::smtp
