// Test helper: ZIP archives built byte by byte as PKWARE's APPNOTE 6.3 §4.3 lays them out
// (stored files: local headers with their data, the central directory, the end record).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace facteur::filter::test {

inline void put16(std::string& s, unsigned v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>((v >> 8) & 0xff);
}
inline void put32(std::string& s, std::uint32_t v) {
  put16(s, v & 0xffff);
  put16(s, v >> 16);
}

// A ZIP archive of stored (uncompressed) files as APPNOTE 6.3 §4.3 lays it out: local
// headers with their data, the central directory, the end record.
inline std::string make_zip(const std::vector<std::pair<std::string, std::string>>& files,
                            bool encrypted = false) {
  std::string out, central;
  for (const auto& [name, data] : files) {
    const auto offset = static_cast<std::uint32_t>(out.size());
    const unsigned flags = encrypted ? 1 : 0;
    put32(out, 0x04034b50);
    put16(out, 20);  // version needed
    put16(out, flags);
    put16(out, 0);  // stored
    put16(out, 0);
    put16(out, 0);  // time, date
    put32(out, 0);  // crc (not checked)
    put32(out, static_cast<std::uint32_t>(data.size()));
    put32(out, static_cast<std::uint32_t>(data.size()));
    put16(out, static_cast<unsigned>(name.size()));
    put16(out, 0);
    out += name;
    out += data;
    put32(central, 0x02014b50);
    put16(central, 20);
    put16(central, 20);
    put16(central, flags);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0);
    put32(central, static_cast<std::uint32_t>(data.size()));
    put32(central, static_cast<std::uint32_t>(data.size()));
    put16(central, static_cast<unsigned>(name.size()));
    put16(central, 0);  // extra
    put16(central, 0);  // comment
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, 0);  // external attributes
    put32(central, offset);
    central += name;
  }
  const auto cd_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<unsigned>(files.size()));
  put16(out, static_cast<unsigned>(files.size()));
  put32(out, static_cast<std::uint32_t>(central.size()));
  put32(out, cd_offset);
  put16(out, 0);  // comment length
  return out;
}

}  // namespace facteur::filter::test
