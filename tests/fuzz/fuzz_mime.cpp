// libFuzzer target: the whole-message parse (MIME tree, ENVELOPE, BODYSTRUCTURE, part map,
// text extraction) must not crash, and its offsets must stay consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mail/message.hpp"
#include "mail/text_extract.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace facteur::mail;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Limits limits;
  limits.mime.max_depth = 20;  // keep each run fast; the limits themselves are tested
  limits.mime.max_parts = 500;
  const ParsedMessage m = parse_message(bytes, limits);

  const auto& parts = m.part_map.parts();
  check(!parts.empty());
  for (std::uint32_t i = 0; i < parts.size(); ++i) {
    const PartInfo& p = parts[i].info;
    check(p.header_begin <= p.body_begin && p.body_begin <= p.body_end && p.body_end <= size);
    check(p.lines <= p.body_end - p.body_begin);
    if (p.parent != kNoPart) {
      const PartInfo& parent = parts[p.parent].info;
      check(p.parent < i && parent.body_begin <= p.header_begin && p.body_end <= parent.body_end);
    }
    // Every part is reachable through its own section number.
    const std::string number = m.part_map.number(i);
    if (!number.empty()) {
      auto path = parse_section_path(number);
      check(path.has_value());
      auto found = m.part_map.find(*path);
      check(found.has_value());
    }
  }
  auto back = PartMap::deserialize(m.part_map.serialize());
  check(back.has_value() && back->parts().size() == parts.size());

  int depth = 0;  // BODYSTRUCTURE parentheses balance (outside literals and quoted strings)
  const std::string& bs = m.bodystructure;
  for (std::size_t i = 0; i < bs.size(); ++i) {
    if (bs[i] == '"') {
      for (++i; i < bs.size() && bs[i] != '"'; ++i)
        if (bs[i] == '\\') ++i;
    } else if (bs[i] == '{') {
      const std::size_t close = bs.find('}', i);
      check(close != std::string::npos);
      i = close + 2 + std::strtoull(bs.c_str() + i + 1, nullptr, 10);
    } else if (bs[i] == '(') {
      ++depth;
    } else if (bs[i] == ')') {
      check(--depth >= 0);
    }
  }
  check(depth == 0);

  TextLimits text_limits;
  text_limits.max_text = 64 * 1024;
  const ExtractedText text = extract_text(m.tree, text_limits);
  check(text.text.size() <= text_limits.max_text);
  return 0;
}
