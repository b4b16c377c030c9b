// CrlfNormalizer: turns a message arriving in pieces into the stored canonical form, CRLF line
// ends (bare LF -> CRLF) and a final line end, as Postfix does. SMTP BDAT (RFC 3030 passes the
// octets as sent) and IMAP APPEND both use it, so that the size the store records is the size
// POP3 RETR and IMAP FETCH send, which POP3 LIST and IMAP RFC822.SIZE promise exactly (RFC 1939
// §11, RFC 3501 §6.4.5). Sans-I/O; linear in the input.
#pragma once

#include <string>
#include <string_view>

namespace facteur::mail {

class CrlfNormalizer {
 public:
  void reset() noexcept { last_ = '\n'; }
  // Appends the canonical form of the next piece of the message to out.
  void feed(std::string_view in, std::string& out);
  // What completes the last line, if it has no line end; empty otherwise.
  std::string_view finish() const noexcept {
    if (last_ == '\n') return {};
    return last_ == '\r' ? "\n" : "\r\n";
  }

 private:
  char last_ = '\n';
};

}  // namespace facteur::mail
