// FETCH helpers: which data a FETCH needs, where the bytes of BODY[section]<partial> and
// BINARY[section] are (RFC 9051 §6.4.5, RFC 3516), mapped onto the stored mail::PartMap, the
// HEADER.FIELDS (.NOT) filter, and BINARY's content-transfer decoding. The session reads the
// bytes; these functions only say which.
//
// TRUST: section numbers come from the client (parsed, bounded); the part map from the store.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mail/part_map.hpp"
#include "proto/imap/command.hpp"

namespace facteur::imap {

// What the session must load to answer a FETCH.
struct FetchNeeds {
  bool metadata = false;  // ENVELOPE, BODY, BODYSTRUCTURE, or a part map for sections
  bool content = false;   // message bytes (sections, RFC822*, BINARY*)
  bool flags = false;
  bool modseq = false;
};
FetchNeeds fetch_needs(const FetchCmd& fetch);

// The byte range of a section in the message as clients see it. `prefix_size` is the size of
// the per-recipient header prefix stored before the blob (the part map's offsets are relative
// to the blob; the top-level header starts with the prefix). nullopt: the section does not
// exist (answer with an empty string, RFC 9051 §6.4.5 "non-existent sections").
// HEADER.FIELDS(.NOT) give the whole header block: filter it with filter_header_fields().
std::optional<mail::ByteRange> section_range(const Section& section, const mail::PartMap& map,
                                             std::uint64_t prefix_size = 0);

// The <origin.count> cut of `size` octets: [begin, end) relative to the section.
struct Cut {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};
Cut partial_cut(const FetchItem& item, std::uint64_t size);
std::string_view apply_partial(const FetchItem& item, std::string_view data);

// Keeps (exclude=false) or drops (exclude=true) the named header fields of a header block,
// comparing names case-insensitively; continuation lines stay with their field. The result ends
// with the blank line (RFC 9051 §6.4.5 HEADER.FIELDS).
std::string filter_header_fields(std::string_view header, std::span<const std::string> names,
                                 bool exclude);

// BINARY[part]: the decoded content of a leaf part (base64, quoted-printable; 7bit/8bit/binary
// as is). nullopt for an unknown transfer encoding: answer NO [UNKNOWN-CTE] (RFC 3516 §4.3).
// Non-leaf parts and the whole message are returned as they are.
std::optional<std::string> binary_content(std::string_view bytes, const mail::PartMap& map,
                                          std::span<const std::uint32_t> part);

}  // namespace facteur::imap
