#include "filter/own_text.hpp"

#include <algorithm>
#include <utility>

#include "base/strings.hpp"

namespace facteur::filter {

std::optional<std::string> own_text(std::string_view text) {
  static constexpr std::string_view kHeaders[] = {
      "-----original message-----", "original message",  "forwarded message",
      "begin forwarded message",    "message transfere", "message d'origine",
      "message transféré"};
  std::string lower = to_lower(text.substr(0, std::min<std::size_t>(text.size(), 256 * 1024)));
  std::size_t cut = lower.size();
  for (std::string_view h : kHeaders)
    cut = std::min(cut, lower.find(h));
  // Outlook's block: "From:" then "Sent:" or "Subject:" within a few lines ("De :", "Envoyé :").
  for (auto [from, next] : {std::pair<std::string_view, std::string_view>{"\nfrom:", "\nsent:"},
                            {"\nfrom:", "\nsubject:"},
                            {"\nde :", "\nenvoy"},
                            {"\nde :", "\nobjet :"}}) {
    std::size_t at = lower.find(from);
    if (at != std::string::npos && lower.find(next, at) < at + 400) cut = std::min(cut, at);
  }
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
  own.reserve(std::min(cut, text.size()));
  for (std::size_t i = 0; i < std::min(cut, text.size());) {
    std::size_t nl = std::min(text.find('\n', i), std::min(cut, text.size()));
    std::string_view line = text.substr(i, nl - i);
    // (Indented quotes too: "  > MSN va devenir payant".)
    std::size_t lead = line.find_first_not_of(" \t");
    const bool attribution_line =
        attribution != std::string::npos && nl > attribution && i <= attribution_end;
    if (attribution_line || (lead != std::string_view::npos && line[lead] == '>')) {
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
