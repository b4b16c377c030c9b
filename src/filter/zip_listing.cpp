#include "filter/zip_listing.hpp"

#include <algorithm>
#include <cstdint>

namespace facteur::filter {
namespace {

constexpr std::uint32_t kLocalHeader = 0x04034b50;  // "PK\3\4"
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndRecord = 0x06054b50;
constexpr std::size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22;
constexpr std::size_t kMaxComment = 0xffff;
constexpr std::size_t kMaxName = 255;

std::uint16_t le16(std::string_view d, std::size_t at) noexcept {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(d[at]) |
                                    static_cast<unsigned char>(d[at + 1]) << 8);
}
std::uint32_t le32(std::string_view d, std::size_t at) noexcept {
  return static_cast<std::uint32_t>(le16(d, at)) | static_cast<std::uint32_t>(le16(d, at + 2))
                                                       << 16;
}

// The end of a long name is kept: its extension is what counts.
void add_name(ZipListing& z, std::string_view d, std::size_t at, std::size_t len) {
  const std::size_t keep = std::min(len, kMaxName);
  z.names.emplace_back(d.substr(at + len - keep, keep));
}

// §4.3.16: the end of central directory record sits in the last 22 + 65,535 bytes (its
// comment may be that long). The one whose comment ends the data is taken (a record's
// signature written inside another's comment is not it); else the last one found. Returns
// its offset, or npos.
std::size_t find_end_record(std::string_view d) noexcept {
  if (d.size() < kEndSize) return std::string_view::npos;
  const std::size_t lowest =
      d.size() - kEndSize > kMaxComment ? d.size() - kEndSize - kMaxComment : 0;
  std::size_t last = std::string_view::npos;
  for (std::size_t at = d.size() - kEndSize + 1; at-- > lowest;) {
    if (le32(d, at) != kEndRecord) continue;
    if (at + kEndSize + le16(d, at + 20) == d.size()) return at;
    if (last == std::string_view::npos) last = at;
  }
  return last;
}

// §4.3.12 central directory headers. The directory ends where the end record begins and is
// as long as the record says; its offset in the record counts from the archive's start,
// which is not the data's when something comes before it (a self-extractor's program).
void read_central_directory(std::string_view d, std::size_t end, ZipListing& z,
                            std::size_t max_names) {
  const std::size_t entries = le16(d, end + 10);
  const std::size_t size = le32(d, end + 12);
  std::size_t at = size <= end ? end - size : end;
  if (end - at < 4 || le32(d, at) != kCentralHeader) at = le32(d, end + 16);
  for (std::size_t i = 0; i < entries && z.names.size() < max_names; ++i) {
    if (at > end || end - at < kCentralSize || le32(d, at) != kCentralHeader) return;
    if (le16(d, at + 8) & 1) z.encrypted = true;
    const std::size_t name = le16(d, at + 28), extra = le16(d, at + 30), comment = le16(d, at + 32);
    if (end - at - kCentralSize < name) return;
    add_name(z, d, at + kCentralSize, name);
    at += kCentralSize + name + extra + comment;
  }
}

// §4.3.7 local file headers, one after the other from the start: each gives the size of the
// data that follows, unless a data descriptor (bit 3) comes after the data instead.
void read_local_headers(std::string_view d, ZipListing& z, std::size_t max_names) {
  std::size_t at = 0;
  while (z.names.size() < max_names && d.size() - at >= kLocalSize && le32(d, at) == kLocalHeader) {
    z.is_zip = true;
    const std::uint16_t flags = le16(d, at + 6);
    if (flags & 1) z.encrypted = true;
    const std::size_t data = le32(d, at + 18), name = le16(d, at + 26), extra = le16(d, at + 28);
    if (d.size() - at - kLocalSize < name) return;
    add_name(z, d, at + kLocalSize, name);
    if (flags & 8) {
      // The size is known only after the data (§4.3.9): the next header is searched for.
      at = d.find(std::string_view("PK\x03\x04", 4),
                  std::min(d.size(), at + kLocalSize + name + extra));
      if (at == std::string_view::npos) return;
      continue;
    }
    const std::size_t next = kLocalSize + name + extra + data;
    if (d.size() - at < next) return;
    at += next;
  }
}

}  // namespace

ZipListing list_zip(std::string_view data, std::size_t max_names) {
  ZipListing z;
  if (std::size_t end = find_end_record(data); end != std::string_view::npos) {
    z.is_zip = true;
    read_central_directory(data, end, z, max_names);
  }
  if (z.names.empty()) read_local_headers(data, z, max_names);
  return z;
}

}  // namespace facteur::filter
