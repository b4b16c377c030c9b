#include "filter/own_text.hpp"

#include <algorithm>
#include <utility>

#include "base/strings.hpp"

namespace facteur::filter {
namespace {

constexpr std::size_t kMaxBytes = 256 * 1024;

// Where the line starting at `line` begins its text: after spaces, dashes and '*'
// ("-------- Original Message --------", "*From:*").
std::size_t text_start(std::string_view lower, std::size_t line) {
  while (line < lower.size() &&
         (lower[line] == ' ' || lower[line] == '\t' || lower[line] == '-' || lower[line] == '*'))
    ++line;
  return line;
}

// Whether one of the `lines` lines after the first of `s` (within 400 bytes) starts with
// `what` ("\nsent:").
bool has_within(std::string_view s, std::string_view what, int lines) {
  s = s.substr(0, std::min<std::size_t>(s.size(), 400));
  std::size_t end = 0;
  for (int i = 0; i <= lines && end != std::string_view::npos; ++i)
    end = s.find('\n', end + (i > 0 ? 1 : 0));
  return s.substr(0, end).find(what) != std::string_view::npos;
}

// The first line (its offset) that heads a forward: a forward's header, or Outlook's block
// (a line "From:" with "Sent:" or "Subject:" a few lines below; "De :", "Envoyé :", "Objet :").
// One pass over the lines, each looked at a bounded distance ahead.
std::size_t first_forward_header(std::string_view lower) {
  // (Accented capitals stay as they are in `lower`: "MESSAGE TRANSFÉRÉ" is listed so.)
  static constexpr std::string_view kHeaders[] = {
      "original message",  "forwarded message", "begin forwarded message",
      "message transfere", "message transféré", "message transfÉrÉ",
      "message d'origine", "forwarded by",      "début du message réexpédié"};
  for (std::size_t line = 0; line < lower.size();) {
    std::size_t nl = lower.find('\n', line);
    if (nl == std::string_view::npos) nl = lower.size();
    std::string_view rest = lower.substr(text_start(lower, line));
    for (std::string_view h : kHeaders)
      if (rest.starts_with(h)) return line;
    // (An Outlook block on the first line heads the whole text: it is the message itself,
    // pasted, and nothing of the author's is above it.)
    if (line > 0 && ((rest.starts_with("from:") &&
                      (has_within(rest, "\nsent:", 2) || has_within(rest, "\nsubject:", 5))) ||
                     (rest.starts_with("de :") &&
                      (has_within(rest, "\nenvoy", 2) || has_within(rest, "\nobjet :", 5)))))
      return line;
    line = nl + 1;
  }
  return lower.size();
}

}  // namespace

std::optional<std::string> own_text(std::string_view text, QuoteMarks marks) {
  text = text.substr(0, std::min(text.size(), kMaxBytes));
  // ASCII-only lowering keeps every byte in place: offsets found in `lower` cut `text`.
  const std::string lower = to_lower(text);
  std::size_t cut = first_forward_header(lower);
  // "On Mon, 3 Mar 2025 at 10:02, Alice <a@b.example> wrote:" / "Le ... a écrit :": what
  // follows is the original, unless it is quoted with '>' (then the reply may go on below,
  // between and after the quotes, and only the attribution line is dropped).
  std::size_t attribution = std::string::npos, attribution_end = 0;
  for (std::string_view end : {std::string_view(" wrote:"), std::string_view(" a écrit :"),
                               std::string_view(" a ecrit :")}) {
    std::size_t at = lower.find(end);
    if (at == std::string::npos || at >= cut) continue;
    std::size_t line = lower.rfind('\n', at);
    line = line == std::string::npos ? 0 : line;
    std::size_t next = lower.find_first_not_of(" \t\r\n", at + end.size());
    if (next != std::string::npos && lower[next] == '>') {
      if (line < attribution) attribution = line, attribution_end = at + end.size();
    } else {
      cut = std::min(cut, line);
    }
  }
  bool quoted = cut < lower.size();
  std::string own;
  own.reserve(cut);
  for (std::size_t i = 0; i < cut;) {
    std::size_t nl = std::min(text.find('\n', i), cut);
    std::string_view line = text.substr(i, nl - i);
    std::size_t lead = marks == QuoteMarks::indented_too ? line.find_first_not_of(" \t") : 0;
    const bool attribution_line =
        attribution != std::string::npos && nl > attribution && i <= attribution_end;
    if (attribution_line || (lead < line.size() && line[lead] == '>')) {
      quoted = true;
    } else {
      own.append(line);
      own += '\n';
    }
    i = nl + 1;
  }
  if (!quoted) return std::nullopt;
  return own;
}

}  // namespace facteur::filter
