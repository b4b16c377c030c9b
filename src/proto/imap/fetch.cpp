#include "proto/imap/fetch.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "mail/transfer_encoding.hpp"

namespace facteur::imap {

FetchNeeds fetch_needs(const FetchCmd& fetch) {
  using K = FetchItem::Kind;
  FetchNeeds n;
  for (const auto& i : fetch.items) {
    switch (i.kind) {
      case K::envelope:
      case K::body:
      case K::body_structure:
        n.metadata = true;
        break;
      case K::flags:
        n.flags = true;
        break;
      case K::modseq:
        n.modseq = true;
        break;
      case K::rfc822:
      case K::rfc822_header:
      case K::rfc822_text:
        n.content = true;
        n.metadata = n.metadata || i.kind == K::rfc822_text;
        break;
      case K::body_section:
      case K::binary:
      case K::binary_size:
        n.content = true;
        if (!i.section.part.empty() || i.section.text != Section::Text::all) n.metadata = true;
        break;
      default:
        break;
    }
  }
  if (fetch.sets_seen) n.flags = true;
  return n;
}

std::optional<mail::ByteRange> section_range(const Section& section, const mail::PartMap& map,
                                             std::uint64_t prefix_size) {
  mail::SectionText what = mail::SectionText::body;
  switch (section.text) {
    case Section::Text::all:
      what = mail::SectionText::body;
      break;
    case Section::Text::header:
    case Section::Text::header_fields:
    case Section::Text::header_fields_not:
      what = mail::SectionText::header;
      break;
    case Section::Text::text:
      what = mail::SectionText::text;
      break;
    case Section::Text::mime:
      what = mail::SectionText::mime;
      break;
  }
  auto r = map.section(section.part, what);
  if (!r) return std::nullopt;
  const auto shift = [&](std::size_t off) {
    // Offset 0 is the start of the top-level header, which begins with the prefix.
    return off == 0 ? 0 : off + std::size_t(prefix_size);
  };
  r->begin = shift(r->begin);
  r->end = r->end == 0 ? 0 : r->end + std::size_t(prefix_size);
  return r;
}

Cut partial_cut(const FetchItem& item, std::uint64_t size) {
  if (!item.partial) return {0, size};
  const std::uint64_t b = std::min(item.partial->first, size);
  const std::uint64_t n = std::min(item.partial->second, size - b);
  return {b, b + n};
}

std::string_view apply_partial(const FetchItem& item, std::string_view data) {
  const Cut c = partial_cut(item, data.size());
  return data.substr(std::size_t(c.begin), std::size_t(c.end - c.begin));
}

std::string filter_header_fields(std::string_view header, std::span<const std::string> names,
                                 bool exclude) {
  std::string out;
  bool keep = false;
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto nl = header.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? header.size() : nl + 1;
    std::string_view line = header.substr(pos, end - pos);
    pos = end;
    std::string_view bare = line;
    while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r'))
      bare.remove_suffix(1);
    if (bare.empty()) break;  // the blank line ending the header
    if (line[0] == ' ' || line[0] == '\t') {
      if (keep) out.append(line);
      continue;
    }
    const auto colon = bare.find(':');
    std::string_view field = colon == std::string_view::npos ? bare : bare.substr(0, colon);
    while (!field.empty() && (field.back() == ' ' || field.back() == '\t'))
      field.remove_suffix(1);
    const bool named = std::any_of(names.begin(), names.end(),
                                   [&](const std::string& n) { return iequals(n, field); });
    keep = colon != std::string_view::npos && (named != exclude);
    if (keep) {
      out.append(line);
      if (line.back() != '\n') out += "\r\n";
    }
  }
  out += "\r\n";
  return out;
}

std::optional<std::string> binary_content(std::string_view bytes, const mail::PartMap& map,
                                          std::span<const std::uint32_t> part) {
  if (part.empty()) return std::string(bytes);
  auto idx = map.find(part);
  if (!idx) return std::string(bytes);
  const auto& info = map.parts()[*idx].info;
  if (info.kind != mail::PartKind::leaf) return std::string(bytes);
  switch (info.encoding) {
    case mail::TransferEncoding::base64:
    case mail::TransferEncoding::quoted_printable:
      return mail::decode_transfer(bytes, info.encoding);
    case mail::TransferEncoding::seven_bit:
    case mail::TransferEncoding::eight_bit:
    case mail::TransferEncoding::binary:
      return std::string(bytes);
    default:
      return std::nullopt;
  }
}

}  // namespace facteur::imap
