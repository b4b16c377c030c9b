#include "proto/smtp/reply_reader.hpp"

namespace facteur::smtp {

namespace {

bool digit(char c) {
  return c >= '0' && c <= '9';
}

// 1 to `max` digits at `pos`; returns the position after them, or npos.
std::size_t digits(std::string_view s, std::size_t pos, std::size_t max) {
  std::size_t n = 0;
  while (pos + n < s.size() && digit(s[pos + n]) && n < max)
    ++n;
  if (n == 0 || (pos + n < s.size() && digit(s[pos + n]))) return std::string_view::npos;
  return pos + n;
}

}  // namespace

std::size_t enhanced_code_length(std::string_view text, int code) {
  // RFC 3463 §2: class "." subject "." detail; class 2, 4 or 5, the subject and detail 1-3
  // digits. RFC 2034 §4: the class matches the reply code's first digit.
  if (text.size() < 5 || text[1] != '.' || text[0] - '0' != code / 100) return 0;
  if (text[0] != '2' && text[0] != '4' && text[0] != '5') return 0;
  auto p = digits(text, 2, 3);
  if (p == std::string_view::npos || p >= text.size() || text[p] != '.') return 0;
  p = digits(text, p + 1, 3);
  if (p == std::string_view::npos) return 0;
  if (p < text.size() && text[p] != ' ') return 0;
  return p;
}

ReplyReader::Status ReplyReader::fail(std::string why) {
  error_ = std::move(why);
  return Status::error;
}

ReplyReader::Status ReplyReader::read(std::string_view& in) {
  if (failed()) return Status::error;
  while (!in.empty()) {
    auto nl = in.find('\n');
    auto piece = in.substr(0, nl);
    if (!skipping_) {
      auto room = limits_.max_line - line_.size();
      if (piece.size() > room) {
        line_.append(piece.substr(0, room));
        skipping_ = true;
      } else {
        line_.append(piece);
      }
    }
    if (nl == std::string_view::npos) {
      in = {};
      return Status::need_more;
    }
    in.remove_prefix(nl + 1);
    skipping_ = false;
    auto st = line_done();
    line_.clear();
    if (st != Status::need_more) return st;
  }
  return Status::need_more;
}

ReplyReader::Status ReplyReader::line_done() {
  std::string_view line = line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() < 3 || !digit(line[0]) || !digit(line[1]) || !digit(line[2]) || line[0] < '2' ||
      line[0] > '5')
    return fail("malformed reply line");
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return fail("malformed reply line");
  int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (lines_ > 0 && code != code_) return fail("reply code changed inside a multi-line reply");
  if (++lines_ > limits_.max_lines) return fail("reply has too many lines");
  code_ = code;
  bool last = line.size() == 3 || line[3] == ' ';
  std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view{};
  if (auto n = enhanced_code_length(text, code)) {
    if (lines_ == 1) enhanced_ = std::string(text.substr(0, n));
    if (text.substr(0, n) == enhanced_) text.remove_prefix(n < text.size() ? n + 1 : n);
  }
  if (lines_ > 1) {
    if (text_.size() < limits_.max_text) text_ += '\n';
  }
  if (text_.size() < limits_.max_text)
    text_.append(text.substr(0, limits_.max_text - text_.size()));
  done_ = last;
  return last ? Status::reply : Status::need_more;
}

Reply ReplyReader::take() {
  Reply r{code_, std::move(enhanced_), std::move(text_)};
  lines_ = 0;
  code_ = 0;
  enhanced_.clear();
  text_.clear();
  done_ = false;
  return r;
}

}  // namespace facteur::smtp
