// Writing a classifier's model file so that a crash leaves either the old file or the new one:
// a temporary file beside it, fsync, rename over the old one (readers keep their mapping).
// Trust: paths under data_dir chosen by the configuration.
#pragma once

#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <span>

#include "base/result.hpp"

namespace facteur::filter {

// Writes the pieces, in order, as the new content of `path`; creates its directory.
Status write_model_file(const std::filesystem::path& path,
                        std::initializer_list<std::span<const std::byte>> pieces);

}  // namespace facteur::filter
