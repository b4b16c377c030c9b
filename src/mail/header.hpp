// Header block parsing: the fields of an RFC 5322 header section, in order, zero-copy.
// RFCs: 5322 §2.2 (fields, folding), §3.6 (field names); 6532 (8-bit values are kept as bytes).
// Trust: sees internet input (every delivered message); bounded by HeaderLimits, linear time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace facteur::mail {

// Fields the MIME tree, ENVELOPE and the filters look up often; `other` for the rest.
enum class FieldId : std::uint8_t {
  other,
  content_type,
  content_transfer_encoding,
  content_disposition,
  content_id,
  content_description,
  content_language,
  content_location,
  content_md5,
  mime_version,
  date,
  subject,
  from,
  sender,
  reply_to,
  to,
  cc,
  bcc,
  in_reply_to,
  message_id,
  references,
  return_path,
  received,
};

// The id of a field name, compared ASCII case-insensitively.
FieldId field_id(std::string_view name) noexcept;

struct HeaderLimits {
  // Fields recorded per header block; later fields are counted in `dropped` but not kept.
  std::size_t max_fields = 10'000;
  // Bytes of one field (name, value and folding); a longer field is skipped and counted.
  std::size_t max_field_size = 1024 * 1024;
};

struct HeaderField {
  std::string_view name;       // as written, without trailing whitespace before ':'
  std::string_view raw_value;  // after ':' up to the final line end, folding kept as in the message
  std::size_t offset = 0;      // of the name, relative to the start of the parsed block
  FieldId id = FieldId::other;

  // The value unfolded (line breaks before whitespace removed) and trimmed of outer whitespace.
  std::string value() const;
};

class Header {
 public:
  std::span<const HeaderField> fields() const noexcept { return fields_; }
  bool empty() const noexcept { return fields_.empty(); }

  // First field with this id / name (case-insensitive), or nullptr.
  const HeaderField* find(FieldId id) const noexcept;
  const HeaderField* find(std::string_view name) const noexcept;
  // Last occurrence; some fields (Content-*) are better taken from the last one, as MUAs do.
  const HeaderField* find_last(FieldId id) const noexcept;
  // All fields with this name, in order.
  std::vector<const HeaderField*> find_all(std::string_view name) const;
  std::size_t count(std::string_view name) const noexcept;

  // Bytes of the block including the empty line that ends it: the body starts here.
  std::size_t size() const noexcept { return size_; }
  // False when the input ended before an empty line (no body).
  bool has_separator() const noexcept { return has_separator_; }
  // Fields not recorded because of HeaderLimits, and lines that are not fields (no colon,
  // continuation with nothing to continue). Both are skipped, never fatal.
  std::size_t dropped() const noexcept { return dropped_; }
  std::size_t malformed_lines() const noexcept { return malformed_; }

 private:
  friend class HeaderParser;
  std::vector<HeaderField> fields_;
  std::size_t size_ = 0;
  std::size_t dropped_ = 0;
  std::size_t malformed_ = 0;
  bool has_separator_ = false;
};

// Parses the header block at the start of `data` (a message or a MIME part). Never fails:
// whatever does not look like a field is skipped. Accepts CRLF and bare LF line ends.
Header parse_header(std::string_view data, const HeaderLimits& limits = {});

// A line predicate that ends the block early, before the line (for MIME boundaries met
// inside a part's header). Returns true to stop; `line` excludes its line end.
struct HeaderStop {
  const void* context = nullptr;
  bool (*stop)(const void* context, std::string_view line) = nullptr;
};

// As parse_header, but the block also ends before the first line for which `stop` is true;
// then has_separator() is false and size() is the offset of that line.
Header parse_header(std::string_view data, const HeaderLimits& limits, HeaderStop stop);

// RFC 5322 §2.2.3 unfolding: removes each line break (CRLF or LF) followed by whitespace.
std::string unfold(std::string_view raw);
// Unfolds and trims spaces/tabs/line breaks at both ends.
std::string unfold_trim(std::string_view raw);
// Spaces, tabs, CR and LF removed at both ends (no allocation).
std::string_view trim_wsp(std::string_view s) noexcept;

}  // namespace facteur::mail
