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

void add_name(ZipListing& z, std::string_view d, std::size_t at, std::size_t len) {
  z.names.emplace_back(d.substr(at, std::min(len, kMaxName)));
}

// §4.3.16: the end of central directory record sits in the last 22 + 65,535 bytes (its
// comment may be that long). Returns its offset, or npos.
std::size_t find_end_record(std::string_view d) noexcept {
  if (d.size() < kEndSize) return std::string_view::npos;
  const std::size_t lowest =
      d.size() - kEndSize > kMaxComment ? d.size() - kEndSize - kMaxComment : 0;
  for (std::size_t at = d.size() - kEndSize + 1; at-- > lowest;)
    if (le32(d, at) == kEndRecord) return at;
  return std::string_view::npos;
}

// §4.3.12 central directory headers, from the offset the end record gives.
void read_central_directory(std::string_view d, std::size_t end, ZipListing& z,
                            std::size_t max_names) {
  const std::size_t entries = le16(d, end + 10);
  std::size_t at = le32(d, end + 16);
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
    if (flags & 8) return;  // the size is known only after the data
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
