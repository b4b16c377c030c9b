// The shape of a parsed message, small enough to store next to it: per MIME entity the byte
// offsets, line count, kind, transfer encoding and type. IMAP FETCH BODY[1.2], BINARY[1.2],
// BODY[1.2.MIME], BODY[2.HEADER] ... are answered from it plus the raw bytes, without
// re-parsing. Section numbers follow RFC 3501 §6.4.5 / RFC 9051 §6.4.5: a non-multipart
// message's body is part 1; a message/rfc822 part's number also names its encapsulated
// message, whose body parts are numbered below it.
// Trust: deserialize() reads stored data and validates every offset before use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "mail/transfer_encoding.hpp"

namespace facteur::mail {

enum class PartKind : std::uint8_t {
  leaf,       // a body that is not parsed further
  multipart,  // children are the body parts between boundaries
  message,    // message/rfc822 or message/global: one child, the encapsulated message
};

inline constexpr std::uint32_t kNoPart = 0xFFFF'FFFF;

struct PartInfo {
  std::size_t header_begin = 0;  // offsets into the whole message
  std::size_t body_begin = 0;    // = end of the header including its empty line
  std::size_t body_end = 0;      // excludes the line break before a boundary line
  std::size_t lines = 0;         // LF bytes in the body
  std::uint32_t parent = kNoPart;
  std::uint32_t first_child = kNoPart;
  std::uint32_t next_sibling = kNoPart;
  std::uint32_t depth = 0;
  PartKind kind = PartKind::leaf;
  TransferEncoding encoding = TransferEncoding::seven_bit;
  bool truncated = false;  // a MimeLimits bound made this part an opaque leaf
};

struct PartEntry {
  PartInfo info;
  std::string type;         // effective media type, as written ("text" by default)
  std::string subtype;      // "plain" by default
  std::string charset;      // the charset parameter, "" when absent
  std::string disposition;  // Content-Disposition type, "" when absent
  std::string filename;     // disposition filename or type name parameter, decoded
};

// Which bytes of a section: BODY[n], BODY[n.HEADER], BODY[n.TEXT], BODY[n.MIME].
enum class SectionText : std::uint8_t { body, header, text, mime };

struct ByteRange {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::uint32_t part = kNoPart;  // the entity the range belongs to
  std::size_t size() const noexcept { return end - begin; }
};

class PartMap {
 public:
  PartMap() = default;
  PartMap(std::vector<PartEntry> parts, std::size_t message_size);

  const std::vector<PartEntry>& parts() const noexcept { return parts_; }
  std::size_t message_size() const noexcept { return message_size_; }

  // The entity addressed by a section number (empty path: the message), or nullopt.
  std::optional<std::uint32_t> find(std::span<const std::uint32_t> path) const;
  // The bytes of BODY[path] / BODY[path.HEADER|TEXT|MIME]; nullopt when the section does not
  // exist (HEADER and TEXT need the message or a message/rfc822 part; MIME needs a path).
  std::optional<ByteRange> section(std::span<const std::uint32_t> path, SectionText what) const;
  // The section number of an entity ("" for a multipart message, "1" for a single-part one,
  // "2.1" for the body of a single-part message inside part 2).
  std::string number(std::uint32_t index) const;

  // Compact binary form (versioned); deserialize() checks it against the message size.
  std::string serialize() const;
  static Result<PartMap> deserialize(std::string_view data);

 private:
  std::uint32_t child(std::uint32_t index, std::uint32_t n) const noexcept;  // 1-based
  std::vector<PartEntry> parts_;
  std::size_t message_size_ = 0;
};

// "1.2.3" -> {1, 2, 3}; nullopt for "", "0", "1..2", leading zeros are accepted.
std::optional<std::vector<std::uint32_t>> parse_section_path(std::string_view s);

}  // namespace facteur::mail
