// The names of the files inside a ZIP archive (PKWARE's APPNOTE.TXT 6.3, §4.3): read from
// its central directory, or from its local file headers when that is missing (an attachment
// cut short). Names only: nothing is decompressed.
// Trust: sees internet input (attachments); linear in the data, at most max_names names.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace facteur::filter {

struct ZipListing {
  bool is_zip = false;             // a local file header or an end record was found
  bool encrypted = false;          // an entry carries the "encrypted" flag (§4.4.4 bit 0)
  std::vector<std::string> names;  // as stored (at most 255 bytes each)
};

ZipListing list_zip(std::string_view data, std::size_t max_names = 200);

}  // namespace facteur::filter
