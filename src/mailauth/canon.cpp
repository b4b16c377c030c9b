#include "mailauth/canon.hpp"

#include "base/strings.hpp"

namespace facteur::mailauth {
namespace {
bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}
}  // namespace

std::optional<Canon> parse_canon(std::string_view text) {
  if (text == "simple") return Canon::simple;
  if (text == "relaxed") return Canon::relaxed;
  return std::nullopt;
}

std::string_view to_string(Canon canon) noexcept {
  return canon == Canon::simple ? "simple" : "relaxed";
}

CanonMessage::CanonMessage(std::string_view message) {
  bool bare_lf = false;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) {
      bare_lf = true;
      break;
    }
  }
  if (bare_lf) {
    owned_.reserve(message.size() + message.size() / 32);
    for (std::size_t i = 0; i < message.size(); ++i) {
      if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) owned_.push_back('\r');
      owned_.push_back(message[i]);
    }
    text_ = owned_;
  } else {
    text_ = message;
  }
  header_ = mail::parse_header(text_);
  body_ = header_.has_separator() ? text_.substr(header_.size()) : std::string_view();
}

std::string_view CanonMessage::raw_field(const mail::HeaderField& field) const noexcept {
  const char* end = field.raw_value.data() + field.raw_value.size();
  return text_.substr(field.offset, static_cast<std::size_t>(end - (text_.data() + field.offset)));
}

std::string canon_header(std::string_view raw, Canon canon) {
  if (canon == Canon::simple) {
    std::string out(raw);
    out += "\r\n";
    return out;
  }
  // §3.4.2: lower-case the name, unfold, compress WSP runs to one SP, drop WSP at the end
  // of the value and around the colon.
  std::size_t colon = raw.find(':');
  if (colon == std::string_view::npos) colon = raw.size();
  std::string_view name = raw.substr(0, colon);
  while (!name.empty() && is_wsp(name.back()))
    name.remove_suffix(1);
  std::string out = to_lower(name);
  out.push_back(':');
  std::string_view value = colon < raw.size() ? raw.substr(colon + 1) : std::string_view();
  bool pending_space = false;
  bool started = false;
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;  // unfolding
    if (is_wsp(c)) {
      pending_space = started;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    started = true;
    out.push_back(c);
  }
  out += "\r\n";
  return out;
}

std::string canon_body(std::string_view body, Canon canon) {
  std::string out;
  out.reserve(body.size() + 2);
  std::size_t empty_lines = 0;  // held back: trailing empty lines are dropped
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t eol = body.find("\r\n", pos);
    bool has_eol = eol != std::string_view::npos;
    std::string_view line = body.substr(pos, (has_eol ? eol : body.size()) - pos);
    pos = has_eol ? eol + 2 : body.size();
    std::string canonical;
    if (canon == Canon::relaxed) {
      bool pending_space = false;
      for (char c : line) {
        if (is_wsp(c)) {
          pending_space = true;
          continue;
        }
        if (pending_space) canonical.push_back(' ');
        pending_space = false;
        canonical.push_back(c);
      }
    } else {
      canonical.assign(line);
    }
    if (canonical.empty()) {
      ++empty_lines;
      continue;
    }
    for (; empty_lines > 0; --empty_lines)
      out += "\r\n";
    out += canonical;
    out += "\r\n";  // a last line without CRLF gets one (§3.4.3, §3.4.4)
  }
  if (out.empty() && canon == Canon::simple) out = "\r\n";
  return out;
}

}  // namespace facteur::mailauth
