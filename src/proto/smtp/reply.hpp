// SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 2034, RFC 3463).
#pragma once

#include <string>
#include <string_view>

namespace facteur::smtp {

// One reply. `text` may hold several lines separated by '\n'; each becomes a line of a
// multi-line reply ("250-first", "250 last"). `enhanced` ("5.1.1") is put before the text of
// every line when not empty.
struct Reply {
  int code = 0;
  std::string enhanced;
  std::string text;
};

// Formats a reply, every line ending in CRLF. Control characters (CR, LF inside a line, NUL...)
// in `text` are replaced by '?' so a reply can never split into extra lines; an out-of-range code
// is replaced by 451 (a bug, but never a protocol desync).
std::string format_reply(const Reply& reply);

// Appends the formatted reply to `out` (no intermediate string for the common case).
void append_reply(std::string& out, int code, std::string_view enhanced, std::string_view text);

}  // namespace facteur::smtp
