#include "mail/mime.hpp"

#include <cstring>
#include <string>

namespace facteur::mail {

namespace {

bool is_multipart_digest(const ContentType& ct) noexcept {
  return ct.is("multipart", "digest");
}

bool is_message_type(const ContentType& ct) noexcept {
  return ct.is("message", "rfc822") || ct.is("message", "global");
}

}  // namespace

std::size_t count_lines(std::string_view s) noexcept {
  // SWAR: eight bytes at a time; a byte equal to LF becomes 1 in a per-byte accumulator.
  constexpr std::uint64_t kOnes = 0x0101'0101'0101'0101ULL;
  constexpr std::uint64_t kLow7 = 0x7F * kOnes;
  constexpr std::uint64_t kHigh = 0x80 * kOnes;
  constexpr std::uint64_t kLf = '\n' * kOnes;
  constexpr std::uint64_t kLanes16 = 0x00FF'00FF'00FF'00FFULL;
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t count = 0;
  std::size_t i = 0;
  while (i + 8 <= n) {
    std::uint64_t acc = 0;
    // At most 255 words per round so no byte lane overflows.
    const std::size_t words = (n - i) / 8 < 255 ? (n - i) / 8 : 255;
    for (std::size_t w = 0; w < words; ++w, i += 8) {
      std::uint64_t x;
      std::memcpy(&x, p + i, 8);
      const std::uint64_t y = x ^ kLf;                          // zero bytes where LF
      const std::uint64_t nonzero = ((y & kLow7) + kLow7) | y;  // high bit set where not LF
      acc += (~nonzero & kHigh) >> 7;
    }
    const std::uint64_t pairs = (acc & kLanes16) + ((acc >> 8) & kLanes16);
    count += static_cast<std::size_t>((pairs * 0x0001'0001'0001'0001ULL) >> 48);
  }
  for (; i < n; ++i)
    count += p[i] == '\n';
  return count;
}

std::string_view MimeTree::header_bytes(std::uint32_t index) const noexcept {
  const PartInfo& info = parts_[index].info;
  return message_.substr(info.header_begin, info.body_begin - info.header_begin);
}

std::string_view MimeTree::body_bytes(std::uint32_t index) const noexcept {
  const PartInfo& info = parts_[index].info;
  return message_.substr(info.body_begin, info.body_end - info.body_begin);
}

PartMap MimeTree::part_map() const {
  std::vector<PartEntry> entries;
  entries.reserve(parts_.size());
  for (const MimePart& part : parts_) {
    PartEntry e;
    e.info = part.info;
    e.type = part.content_type.type;
    e.subtype = part.content_type.subtype;
    e.charset = std::string(part.content_type.param_value("charset"));
    if (const HeaderField* f = part.header.find(FieldId::content_disposition)) {
      ContentDisposition cd = parse_content_disposition(f->raw_value);
      e.disposition = std::move(cd.type);
      if (const MimeParam* name = cd.param("filename")) e.filename = name->value;
    }
    if (e.filename.empty()) e.filename = std::string(part.content_type.param_value("name"));
    entries.push_back(std::move(e));
  }
  return PartMap(std::move(entries), message_.size());
}

class MimeParser {
 public:
  MimeParser(std::string_view message, const MimeLimits& limits) : msg_(message), limits_(limits) {}

  MimeTree run() {
    tree_.message_ = msg_;
    tree_.parts_.reserve(8);
    add_entity(0, kNoPart, false);
    scan();
    close_all();
    return std::move(tree_);
  }

 private:
  struct Frame {
    std::uint32_t part;
    std::string boundary;  // owned: the part's strings move when the vector grows
  };

  // The frame whose boundary starts `line` ("--" boundary ...), or -1. An exact delimiter
  // ("--" boundary ["--"], then only whitespace, RFC 2046 §5.1.1) wins at any depth; else the
  // innermost boundary that is a prefix of the line, as Dovecot matches: junk after a
  // boundary does not hide it. Exact first keeps "--ab" for boundary "ab" when an inner part
  // uses "a" (boundaries that prefix each other break the RFC, but are sent).
  int match_frame(std::string_view line) const noexcept { return match(line, {}); }

  // match_frame with `own` (when not empty) as an extra innermost boundary, reported as
  // kOwnBoundary: the boundary of a multipart whose header was just read.
  static constexpr int kOwnBoundary = -2;
  int match(std::string_view line, std::string_view own) const noexcept {
    if (line.size() < 2 || line[0] != '-' || line[1] != '-') return -1;
    const std::string_view rest = line.substr(2);
    int prefix = -1;
    auto test = [&](std::string_view b, int id) {
      if (rest.size() < b.size() || std::memcmp(rest.data(), b.data(), b.size()) != 0) return false;
      if (is_padding(rest.substr(b.size()))) return true;
      if (prefix == -1) prefix = id;
      return false;
    };
    if (!own.empty() && test(own, kOwnBoundary)) return kOwnBoundary;
    for (std::size_t k = frames_.size(); k-- > 0;)
      if (test(frames_[k].boundary, static_cast<int>(k))) return static_cast<int>(k);
    return prefix;
  }

  // What may follow a boundary on its line: "--" for a close delimiter, then whitespace.
  static bool is_padding(std::string_view s) noexcept {
    if (s.starts_with("--")) s.remove_prefix(2);
    for (char c : s)
      if (c != ' ' && c != '\t' && c != '\r') return false;
    return true;
  }

  static bool stop_at_boundary(const void* self, std::string_view line) {
    return static_cast<const MimeParser*>(self)->match_frame(line) >= 0;
  }

  bool at_part_limit() {
    if (tree_.parts_.size() < limits_.max_parts) return false;
    tree_.truncated_ = true;
    return true;
  }

  // Parses the entity whose header starts at `begin`, then, for message/rfc822, the messages
  // it encapsulates. The caller has checked the part limit for the first one.
  void add_entity(std::size_t begin, std::uint32_t parent, bool digest_child) {
    std::uint32_t index = add_part(begin, parent, digest_child);
    while (tree_.parts_[index].info.kind == PartKind::message) {
      if (at_part_limit()) {
        tree_.parts_[index].info.kind = PartKind::leaf;
        tree_.parts_[index].info.truncated = true;
        break;
      }
      index = add_part(tree_.parts_[index].info.body_begin, index, false);
    }
  }

  std::uint32_t add_part(std::size_t begin, std::uint32_t parent, bool digest_child) {
    const HeaderStop stop =
        frames_.empty() ? HeaderStop{} : HeaderStop{this, &MimeParser::stop_at_boundary};
    const auto index = static_cast<std::uint32_t>(tree_.parts_.size());
    MimePart& part = tree_.parts_.emplace_back();
    part.header = parse_header(msg_.substr(begin), limits_.header, stop);
    PartInfo& info = part.info;
    info.header_begin = begin;
    const std::size_t header_end = begin + part.header.size();
    info.parent = parent;
    if (parent != kNoPart) {
      PartInfo& p = tree_.parts_[parent].info;
      info.depth = p.depth + 1;
      if (last_child_[parent] == kNoPart) {
        p.first_child = index;
      } else {
        tree_.parts_[last_child_[parent]].info.next_sibling = index;
      }
      last_child_[parent] = index;
    }
    last_child_.push_back(kNoPart);

    if (const HeaderField* f = part.header.find(FieldId::content_type)) {
      part.content_type = parse_content_type(f->raw_value, limits_.params);
      part.explicit_type = part.content_type.valid();
    }
    if (!part.explicit_type) {
      // RFC 2045 §5.2 (also for an unusable field); RFC 2046 §5.1.5 inside a digest.
      part.content_type = ContentType{};
      part.content_type.type = digest_child ? "message" : "text";
      part.content_type.subtype = digest_child ? "rfc822" : "plain";
    }
    if (const HeaderField* f = part.header.find(FieldId::content_transfer_encoding))
      info.encoding = parse_transfer_encoding(f->raw_value);
    const ContentType& ct = part.content_type;
    const bool too_deep = info.depth >= limits_.max_depth;
    std::string boundary;  // of a multipart we will parse into
    if (ct.is_type("multipart") && !too_deep) {
      if (const MimeParam* b = ct.param("boundary"))
        boundary = b->extended ? b->value : b->wire_value;
    }

    // A boundary met inside the header, or right after its empty line, ends the part: the
    // line break before the boundary line is the boundary's (RFC 2046 §5.1.1), so the header
    // stops before it and the body is empty. Parts then never reach past their parent.
    bool cut = !part.header.has_separator() && header_end < msg_.size();
    if (part.header.has_separator() && !frames_.empty() && header_end < msg_.size()) {
      const std::string_view rest = msg_.substr(header_end);
      const int m = match(rest.substr(0, rest.find('\n')), boundary);
      cut = m >= 0;  // its own first delimiter does not cut a multipart
    }
    std::size_t eol = 0;
    if (cut && header_end >= 1 && msg_[header_end - 1] == '\n')
      eol = (header_end >= 2 && msg_[header_end - 2] == '\r') ? 2 : 1;
    info.body_begin = header_end - eol;
    info.body_end = info.body_begin;
    // A part with nothing between two boundary lines sits on the line break they share.
    if (info.body_begin < begin) info.header_begin = info.body_begin;
    lf_ += count_lines(msg_.substr(begin, part.header.size()));
    pos_ = header_end;
    body_lf_.push_back(eol > 0 ? lf_ - 1 : lf_);
    open_.push_back(index);

    if (ct.is_type("multipart")) {
      info.kind = PartKind::multipart;
      if (too_deep) {
        info.kind = PartKind::leaf;
        info.truncated = true;
        tree_.truncated_ = true;
      } else if (!boundary.empty() && !cut) {
        frames_.push_back(Frame{index, std::move(boundary)});
      }
    } else if (is_message_type(ct) && !needs_decoding(info.encoding)) {
      // An encoded message/rfc822 (forbidden by RFC 2046 §5.2.1) stays a leaf, as in Dovecot.
      info.kind = cut ? PartKind::leaf : PartKind::message;  // cut: nothing to encapsulate
      if (too_deep && !cut) {
        info.kind = PartKind::leaf;
        info.truncated = true;
        tree_.truncated_ = true;
      }
    }
    return index;
  }

  void scan() {
    const char* base = msg_.data();
    const std::size_t n = msg_.size();
    while (pos_ < n && !frames_.empty()) {
      const void* nl = std::memchr(base + pos_, '\n', n - pos_);
      const std::size_t line_end =
          nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - base) : n;
      const std::size_t next = nl ? line_end + 1 : n;
      if (line_end - pos_ >= 2 && base[pos_] == '-' && base[pos_ + 1] == '-') {
        const std::string_view line(base + pos_, line_end - pos_);
        const int k = match_frame(line);
        if (k >= 0) {
          if (!on_boundary(static_cast<std::size_t>(k), line, next, nl != nullptr)) return;
          continue;
        }
      }
      pos_ = next;
      if (nl) ++lf_;
    }
  }

  // A delimiter (or close delimiter) of frames_[k] starts at pos_. Returns false to stop.
  bool on_boundary(std::size_t k, std::string_view line, std::size_t next, bool had_newline) {
    const std::uint32_t multipart = frames_[k].part;
    const std::size_t blen = frames_[k].boundary.size();
    const bool close = line.size() >= 4 + blen && line[2 + blen] == '-' && line[3 + blen] == '-';
    // Everything open inside this multipart ends before the line break preceding the line.
    while (open_.back() != multipart)
      end_part_at_boundary(open_.back());
    frames_.resize(close ? k : k + 1);
    pos_ = next;
    if (had_newline) ++lf_;
    if (close) return true;
    if (at_part_limit()) return false;  // the rest stays in the open parts
    add_entity(pos_, multipart, is_multipart_digest(tree_.parts_[multipart].content_type));
    return true;
  }

  void end_part_at_boundary(std::uint32_t index) {
    open_.pop_back();
    const std::size_t p = pos_;
    std::size_t eol = 0;
    if (p >= 1 && msg_[p - 1] == '\n') eol = (p >= 2 && msg_[p - 2] == '\r') ? 2 : 1;
    set_end(index, p - eol, eol > 0 ? lf_ - 1 : lf_);
  }

  void set_end(std::uint32_t index, std::size_t end, std::size_t lf_at_end) {
    PartInfo& info = tree_.parts_[index].info;
    if (end <= info.body_begin || lf_at_end < body_lf_[index]) {
      info.body_end = info.body_begin;
      info.lines = 0;
      return;
    }
    info.body_end = end;
    info.lines = lf_at_end - body_lf_[index];
  }

  void close_all() {
    const std::size_t n = msg_.size();
    const std::size_t lf_total = lf_ + (pos_ < n ? count_lines(msg_.substr(pos_)) : 0);
    while (!open_.empty()) {
      const std::uint32_t index = open_.back();
      open_.pop_back();
      set_end(index, n, lf_total);
    }
  }

  std::string_view msg_;
  const MimeLimits& limits_;
  MimeTree tree_;
  std::vector<std::uint32_t> open_;        // entities not yet ended, outermost first
  std::vector<Frame> frames_;              // active boundaries, outermost first
  std::vector<std::size_t> body_lf_;       // per part: LF bytes before its body
  std::vector<std::uint32_t> last_child_;  // per part: its last child so far
  std::size_t pos_ = 0;                    // start of the line being looked at
  std::size_t lf_ = 0;                     // LF bytes before pos_
};

MimeTree parse_mime(std::string_view message, const MimeLimits& limits) {
  return MimeParser(message, limits).run();
}

}  // namespace facteur::mail
