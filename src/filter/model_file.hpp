// Classifiers' model files: mapped read-only for reading (a look-up touches only the pages it
// needs, and processes share them), written so that a crash leaves either the old file or the
// new one: a temporary file beside it, fsync, rename over the old one (readers keep their
// mapping).
// Trust: paths under data_dir chosen by the configuration.
#pragma once

#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <span>

#include "base/result.hpp"

namespace facteur::filter {

// A file mapped read-only: `bytes` stay valid as long as `keep` (or a copy of it) lives.
struct MappedFile {
  std::shared_ptr<const void> keep;
  std::span<const std::byte> bytes;
};
// Errc::not_found when the file does not exist; an empty file maps to no bytes.
Result<MappedFile> map_model_file(const std::filesystem::path& path);

// Writes the pieces, in order, as the new content of `path`; creates its directory.
Status write_model_file(const std::filesystem::path& path,
                        std::initializer_list<std::span<const std::byte>> pieces);

}  // namespace facteur::filter
