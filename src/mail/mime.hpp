// The MIME tree of a message: every entity (the message itself, multipart children and the
// messages inside message/rfc822 or message/global parts) with byte offsets of its header and
// body, found in one pass over the bytes with a stack of open boundaries.
// RFCs: 2045 (headers, defaults §5.2), 2046 §5.1 (multipart: preamble and epilogue ignored,
// boundary lines may carry trailing whitespace, an outer boundary closes inner parts, digest
// defaults to message/rfc822), §5.2 (message/rfc822), 6532 §3.5 (message/global).
// Trust: sees internet input. Linear time; depth and part count are bounded by MimeLimits,
// beyond which the rest of a part is kept as one opaque leaf.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "mail/header.hpp"
#include "mail/part_map.hpp"
#include "mail/rfc2231.hpp"
#include "mail/transfer_encoding.hpp"

namespace facteur::mail {

struct MimeLimits {
  std::size_t max_depth = 100;     // nesting of multipart and message parts; deeper = leaf
  std::size_t max_parts = 10'000;  // entities per message; past it the rest stays unsplit
                                   // in the open parts (tree marked truncated)
  HeaderLimits header;             // per header block
  ParamLimits params;              // per Content-Type / Content-Disposition
};

struct MimePart {
  PartInfo info;               // offsets, lines, shape (parent/children), kind, encoding
  Header header;               // this entity's header fields (empty for a headerless part)
  ContentType content_type;    // effective type: defaults of RFC 2045 §5.2 / RFC 2046 §5.1.5
  bool explicit_type = false;  // a valid Content-Type field was present
};

class MimeTree {
 public:
  std::string_view message() const noexcept { return message_; }
  // Pre-order: parts()[0] is the message, children follow their parent.
  const std::vector<MimePart>& parts() const noexcept { return parts_; }
  const MimePart& root() const noexcept { return parts_.front(); }
  const MimePart& part(std::uint32_t index) const noexcept { return parts_[index]; }
  std::size_t size() const noexcept { return parts_.size(); }
  // A limit of MimeLimits was reached somewhere (the tree is still usable).
  bool truncated() const noexcept { return truncated_; }

  std::string_view header_bytes(std::uint32_t index) const noexcept;  // with the empty line
  std::string_view body_bytes(std::uint32_t index) const noexcept;

  // The structural view used for IMAP section numbers, and its stored form.
  PartMap part_map() const;

 private:
  friend class MimeParser;
  std::string_view message_;
  std::vector<MimePart> parts_;
  bool truncated_ = false;
};

// Parses the whole message. Never fails: malformed structure degrades to leaves.
MimeTree parse_mime(std::string_view message, const MimeLimits& limits = {});

// Number of LF bytes in `s` (IMAP body-fld-lines counts line feeds, as Dovecot does).
std::size_t count_lines(std::string_view s) noexcept;

}  // namespace facteur::mail
