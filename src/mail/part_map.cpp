#include "mail/part_map.hpp"

#include <fmt/format.h>

namespace facteur::mail {

namespace {

constexpr char kMagic = 'P';
constexpr char kVersion = 1;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const auto b = static_cast<unsigned char>(data_[pos_++]);
      v |= std::uint64_t{b & 0x7Fu} << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool byte(std::uint8_t& b) {
    if (pos_ >= data_.size()) return false;
    b = static_cast<std::uint8_t>(data_[pos_++]);
    return true;
  }
  bool string(std::string& s) {
    std::uint64_t n = 0;
    if (!varint(n) || n > data_.size() - pos_) return false;
    s.assign(data_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool at_end() const noexcept { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace

PartMap::PartMap(std::vector<PartEntry> parts, std::size_t message_size)
    : parts_(std::move(parts)), message_size_(message_size) {
  // Rebuild the child/sibling links and depths from the parent indexes (pre-order).
  std::vector<std::uint32_t> last_child(parts_.size(), kNoPart);
  for (std::uint32_t i = 0; i < parts_.size(); ++i) {
    PartInfo& info = parts_[i].info;
    info.first_child = kNoPart;
    info.next_sibling = kNoPart;
    if (info.parent == kNoPart || info.parent >= i) {
      info.parent = kNoPart;
      info.depth = 0;
      continue;
    }
    info.depth = parts_[info.parent].info.depth + 1;
    if (last_child[info.parent] == kNoPart) {
      parts_[info.parent].info.first_child = i;
    } else {
      parts_[last_child[info.parent]].info.next_sibling = i;
    }
    last_child[info.parent] = i;
  }
}

std::uint32_t PartMap::child(std::uint32_t index, std::uint32_t n) const noexcept {
  if (n == 0) return kNoPart;
  std::uint32_t c = parts_[index].info.first_child;
  while (c != kNoPart && --n > 0)
    c = parts_[c].info.next_sibling;
  return c;
}

std::optional<std::uint32_t> PartMap::find(std::span<const std::uint32_t> path) const {
  if (parts_.empty()) return std::nullopt;
  std::uint32_t cur = 0;
  for (std::size_t k = 0; k < path.size(); ++k) {
    std::uint32_t container = cur;
    if (k > 0) {
      const PartKind kind = parts_[cur].info.kind;
      if (kind == PartKind::message) {
        container = parts_[cur].info.first_child;
        if (container == kNoPart) return std::nullopt;
      } else if (kind != PartKind::multipart) {
        return std::nullopt;
      }
    }
    if (parts_[container].info.kind == PartKind::multipart) {
      cur = child(container, path[k]);
      if (cur == kNoPart) return std::nullopt;
    } else {
      if (path[k] != 1) return std::nullopt;
      cur = container;
    }
  }
  return cur;
}

std::optional<ByteRange> PartMap::section(std::span<const std::uint32_t> path,
                                          SectionText what) const {
  auto found = find(path);
  if (!found) return std::nullopt;
  std::uint32_t index = *found;
  const PartInfo* info = &parts_[index].info;
  switch (what) {
    case SectionText::body:
      if (path.empty()) return ByteRange{0, message_size_, index};
      return ByteRange{info->body_begin, info->body_end, index};
    case SectionText::mime:
      if (path.empty()) return std::nullopt;
      return ByteRange{info->header_begin, info->body_begin, index};
    case SectionText::header:
    case SectionText::text:
      if (!path.empty()) {
        if (info->kind != PartKind::message || info->first_child == kNoPart) return std::nullopt;
        index = info->first_child;
        info = &parts_[index].info;
      }
      if (what == SectionText::header)
        return ByteRange{info->header_begin, info->body_begin, index};
      return ByteRange{info->body_begin, info->body_end, index};
  }
  return std::nullopt;
}

std::string PartMap::number(std::uint32_t index) const {
  if (index >= parts_.size()) return {};
  // Walk up to the root collecting components; an encapsulated or top-level multipart adds
  // none (its children are numbered directly below the message), a single-part one adds ".1".
  std::vector<std::uint32_t> components;
  for (std::uint32_t i = index;;) {
    const PartInfo& info = parts_[i].info;
    const bool multipart = info.kind == PartKind::multipart;
    if (info.parent == kNoPart) {
      if (!multipart) components.push_back(1);
      break;
    }
    const PartInfo& parent = parts_[info.parent].info;
    if (parent.kind == PartKind::message) {
      if (!multipart) components.push_back(1);
    } else {
      std::uint32_t n = 1;
      for (std::uint32_t c = parent.first_child; c != kNoPart && c != i;
           c = parts_[c].info.next_sibling)
        ++n;
      components.push_back(n);
    }
    i = info.parent;
  }
  std::string out;
  for (auto it = components.rbegin(); it != components.rend(); ++it) {
    if (!out.empty()) out.push_back('.');
    out += fmt::format("{}", *it);
  }
  return out;
}

std::string PartMap::serialize() const {
  std::string out;
  out.reserve(16 + parts_.size() * 24);
  out.push_back(kMagic);
  out.push_back(kVersion);
  put_varint(out, message_size_);
  put_varint(out, parts_.size());
  std::size_t prev_header = 0;
  for (std::uint32_t i = 0; i < parts_.size(); ++i) {
    const PartEntry& e = parts_[i];
    const PartInfo& p = e.info;
    put_varint(out, p.parent == kNoPart ? 0 : i - p.parent);
    out.push_back(static_cast<char>(static_cast<unsigned>(p.kind) | (p.truncated ? 4u : 0u) |
                                    (static_cast<unsigned>(p.encoding) << 4)));
    put_varint(out, p.header_begin - prev_header);
    put_varint(out, p.body_begin - p.header_begin);
    put_varint(out, p.body_end - p.body_begin);
    put_varint(out, p.lines);
    prev_header = p.header_begin;
    put_string(out, e.type);
    put_string(out, e.subtype);
    put_string(out, e.charset);
    put_string(out, e.disposition);
    put_string(out, e.filename);
  }
  return out;
}

Result<PartMap> PartMap::deserialize(std::string_view data) {
  auto bad = [](std::string_view what) {
    return make_error(Errc::parse_error, fmt::format("part map: {}", what));
  };
  if (data.size() < 2 || data[0] != kMagic) return bad("not a part map");
  if (data[1] != kVersion) return bad("unknown version");
  Reader r(data.substr(2));
  std::uint64_t size = 0;
  std::uint64_t count = 0;
  if (!r.varint(size) || !r.varint(count)) return bad("truncated");
  // Each entry takes at least 11 bytes: a cheap bound before reserving.
  if (count == 0 || count > data.size() / 11 + 1) return bad("bad part count");
  std::vector<PartEntry> parts(count);
  std::uint64_t prev_header = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    PartEntry& e = parts[i];
    PartInfo& p = e.info;
    std::uint64_t parent_delta = 0, header_delta = 0, header_len = 0, body_len = 0, lines = 0;
    std::uint8_t flags = 0;
    if (!r.varint(parent_delta) || !r.byte(flags) || !r.varint(header_delta) ||
        !r.varint(header_len) || !r.varint(body_len) || !r.varint(lines))
      return bad("truncated entry");
    if (i == 0) {
      if (parent_delta != 0) return bad("root with a parent");
      p.parent = kNoPart;
    } else {
      if (parent_delta == 0 || parent_delta > i) return bad("bad parent");
      p.parent = static_cast<std::uint32_t>(i - parent_delta);
    }
    const unsigned kind = flags & 3u;
    const unsigned encoding = flags >> 4;
    if (kind > static_cast<unsigned>(PartKind::message) ||
        encoding > static_cast<unsigned>(TransferEncoding::other))
      return bad("bad flags");
    p.kind = static_cast<PartKind>(kind);
    p.truncated = (flags & 4u) != 0;
    p.encoding = static_cast<TransferEncoding>(encoding);
    if (header_delta > size - prev_header) return bad("offset out of range");
    p.header_begin = prev_header + header_delta;
    if (header_len > size - p.header_begin) return bad("offset out of range");
    p.body_begin = p.header_begin + header_len;
    if (body_len > size - p.body_begin || lines > body_len) return bad("offset out of range");
    p.body_end = p.body_begin + body_len;
    p.lines = lines;
    prev_header = p.header_begin;
    if (!r.string(e.type) || !r.string(e.subtype) || !r.string(e.charset) ||
        !r.string(e.disposition) || !r.string(e.filename))
      return bad("truncated string");
  }
  if (!r.at_end()) return bad("trailing bytes");
  return PartMap(std::move(parts), size);
}

std::optional<std::vector<std::uint32_t>> parse_section_path(std::string_view s) {
  std::vector<std::uint32_t> out;
  if (s.empty()) return std::nullopt;
  std::uint64_t n = 0;
  std::size_t digits = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (digits == 0 || n == 0) return std::nullopt;
      out.push_back(static_cast<std::uint32_t>(n));
      n = 0;
      digits = 0;
      continue;
    }
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (n > 0xFFFF'FFFEu) return std::nullopt;
    ++digits;
  }
  return out;
}

}  // namespace facteur::mail
