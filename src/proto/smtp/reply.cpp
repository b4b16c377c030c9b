#include "proto/smtp/reply.hpp"

namespace facteur::smtp {

namespace {

void append_line(std::string& out, int code, char sep, std::string_view enhanced,
                 std::string_view line) {
  out += char('0' + code / 100);
  out += char('0' + code / 10 % 10);
  out += char('0' + code % 10);
  out += sep;
  if (!enhanced.empty()) {
    for (char c : enhanced)
      out += (c >= '0' && c <= '9') || c == '.' ? c : '?';
    if (!line.empty()) out += ' ';
  }
  // A CR or LF here would let a caller's text forge extra replies.
  for (char c : line) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  out += "\r\n";
}

}  // namespace

void append_reply(std::string& out, int code, std::string_view enhanced, std::string_view text) {
  if (code < 200 || code > 599) code = 451;
  while (true) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) {
      append_line(out, code, ' ', enhanced, text);
      return;
    }
    append_line(out, code, '-', enhanced, text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
}

std::string format_reply(const Reply& reply) {
  std::string out;
  append_reply(out, reply.code, reply.enhanced, reply.text);
  return out;
}

}  // namespace facteur::smtp
