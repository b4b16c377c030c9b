#include "mailauth/tag_list.hpp"

#include <string>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace facteur::mailauth {
namespace {

bool is_fws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim_fws(std::string_view s) {
  while (!s.empty() && is_fws(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_fws(s.back()))
    s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<Tag>> parse_tag_list(std::string_view text, const TagListLimits& limits) {
  std::vector<Tag> tags;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view spec = trim_fws(text.substr(pos, end - pos));
    pos = end + 1;
    if (spec.empty()) {
      // Only a final ";" (and whitespace) may leave an empty spec.
      if (end == text.size() || trim_fws(text.substr(pos)).empty()) break;
      return make_error(Errc::parse_error, "empty tag in tag list");
    }
    std::size_t eq = spec.find('=');
    if (eq == std::string_view::npos) {
      return make_error(Errc::parse_error, fmt::format("tag without '=': {:.40}", spec));
    }
    std::string_view name = trim_fws(spec.substr(0, eq));
    std::string_view value = trim_fws(spec.substr(eq + 1));
    if (name.empty() || !ascii_alpha(name[0])) {
      return make_error(Errc::parse_error, "bad tag name");
    }
    for (char c : name) {
      if (!ascii_alpha(c) && !ascii_digit(c) && c != '_') {
        return make_error(Errc::parse_error, fmt::format("bad tag name '{:.40}'", name));
      }
    }
    for (char c : value) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 && !is_fws(c)) {
        return make_error(Errc::parse_error, "control character in tag value");
      }
      if (u == 0x7F) return make_error(Errc::parse_error, "control character in tag value");
    }
    for (const auto& t : tags) {
      if (t.name == name) {
        return make_error(Errc::parse_error, fmt::format("duplicate tag '{}'", name));
      }
    }
    if (tags.size() >= limits.max_tags) {
      return make_error(Errc::limit_exceeded, "too many tags");
    }
    tags.push_back(Tag{name, value});
    if (end == text.size()) break;
  }
  return tags;
}

std::optional<std::string_view> find_tag(const std::vector<Tag>& tags, std::string_view name) {
  for (const auto& t : tags) {
    if (t.name == name) return t.value;
  }
  return std::nullopt;
}

std::string remove_fws(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (!is_fws(c)) out.push_back(c);
  }
  return out;
}

}  // namespace facteur::mailauth
