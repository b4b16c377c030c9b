// Reading SMTP replies as a client (RFC 5321 §4.2): "ddd-text" continuation lines and a final
// "ddd text" line with the same code, enhanced status codes (RFC 2034, RFC 3463) taken out of
// the text. Used by the SMTP client (client_protocol.hpp).
//
// TRUST: reads what a remote server sends (any host an MX record names): bounded by
// ReplyLimits, linear, never throws. Over-long lines are cut, not fatal (real servers send long
// EHLO lines); a malformed code, a code that changes inside a reply or too many lines are
// protocol errors that end the conversation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "proto/smtp/reply.hpp"

namespace facteur::smtp {

struct ReplyLimits {
  std::size_t max_line = 4096;       // bytes kept of one line (RFC 5321 §4.5.3.1.5: >= 512)
  std::size_t max_lines = 200;       // lines of one reply; more is an error
  std::size_t max_text = 64 * 1024;  // bytes kept of one reply's text; the rest is dropped
};

class ReplyReader {
 public:
  enum class Status { need_more, reply, error };

  explicit ReplyReader(ReplyLimits limits = {}) : limits_(limits) {}

  // Consumes bytes from the front of `in` until one whole reply was read (Status::reply: take
  // it with take()) or `in` is empty (need_more). After an error the reader stays failed.
  Status read(std::string_view& in);

  // The reply just read: code, enhanced code ("5.1.1", "" when absent or inconsistent with the
  // code class) and the text of every line without code and enhanced code, lines joined with
  // '\n'. Resets the reader for the next reply.
  Reply take();

  const std::string& error() const { return error_; }
  bool failed() const { return !error_.empty(); }
  // True while part of a reply has been read.
  bool in_reply() const { return lines_ > 0 || !line_.empty() || skipping_; }

 private:
  Status line_done();
  Status fail(std::string why);

  ReplyLimits limits_;
  std::string line_;       // the line being read (at most max_line bytes)
  bool skipping_ = false;  // the line went past max_line: the rest is dropped
  std::size_t lines_ = 0;
  int code_ = 0;
  std::string enhanced_;
  std::string text_;
  bool done_ = false;
  std::string error_;
};

// An enhanced status code at the start of `text` ("5.1.1 ..."): its length (without the
// following space), 0 when there is none or its class differs from the reply code's.
std::size_t enhanced_code_length(std::string_view text, int code);

}  // namespace facteur::smtp
