#include "proto/pop3/dot_stuffer.hpp"

#include <cstring>

namespace facteur::pop3 {

DotStuffer::DotStuffer(std::optional<std::size_t> top_lines) : top_lines_(top_lines) {}

void DotStuffer::put(std::string& out, char c) {
  if (c == '\n') {
    if (!pending_cr_) out += '\r';  // bare LF -> CRLF
    out += '\n';
    const bool blank = line_bytes_ == (pending_cr_ ? 1u : 0u);
    pending_cr_ = false;
    at_line_start_ = true;
    line_bytes_ = 0;
    if (top_lines_) {
      if (in_body_) {
        if (++body_lines_ >= *top_lines_) done_ = true;
      } else if (blank) {
        in_body_ = true;  // the header/body separator itself is always sent
        if (*top_lines_ == 0) done_ = true;
      }
    }
    return;
  }
  if (at_line_start_ && c == '.') out += '.';
  out += c;
  at_line_start_ = false;
  pending_cr_ = c == '\r';
  ++line_bytes_;
}

std::string DotStuffer::feed(std::string_view chunk) {
  std::string out;
  if (done_ || finished_) return out;
  out.reserve(chunk.size() + chunk.size() / 64 + 8);
  std::size_t i = 0;
  while (i < chunk.size() && !done_) {
    const char c = chunk[i];
    if (at_line_start_ || c == '\r' || c == '\n') {
      put(out, c);
      ++i;
      continue;
    }
    // Copy the rest of an ordinary line in one go.
    // (two memchr scans: find_first_of("\r\n") costs a memchr per byte in libstdc++)
    const char* base = chunk.data();
    const void* lf = std::memchr(base + i, '\n', chunk.size() - i);
    std::size_t j =
        lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - base) : chunk.size();
    if (const void* cr = std::memchr(base + i, '\r', j - i))
      j = static_cast<std::size_t>(static_cast<const char*>(cr) - base);
    out.append(chunk.data() + i, j - i);
    line_bytes_ += j - i;
    pending_cr_ = false;
    i = j;
  }
  return out;
}

std::string DotStuffer::finish() {
  std::string out;
  if (finished_) return out;
  finished_ = true;
  if (pending_cr_)
    out += '\n';  // a final CR completes its CRLF
  else if (!at_line_start_)
    out += "\r\n";
  out += ".\r\n";
  return out;
}

}  // namespace facteur::pop3
