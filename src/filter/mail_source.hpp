// Reading messages for training and benchmarks from the usual places: a Maildir (cur/ and new/),
// an mbox file (split at "From " lines), a directory of one-message files (.eml or any name),
// or a single message file. Directories are walked in name order, hidden entries and tmp/
// skipped; a file that starts with "From " is read as an mbox.
// Trust: local files chosen by the administrator; their contents may be any internet mail.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace facteur::filter {

struct SourceLimits {
  std::size_t max_message = 32 * 1024 * 1024;  // larger messages are skipped
  std::size_t max_depth = 8;                   // directory nesting followed
};

// Calls `fn(message, origin)` for every message found under `path` (origin: file name, with
// "#n" for the n-th message of an mbox). Stops early when fn returns false. Returns the
// number of messages visited.
Result<std::size_t> for_each_message(
    const std::filesystem::path& path,
    const std::function<bool(std::string_view message, const std::string& origin)>& fn,
    const SourceLimits& limits = {});

// Splits mbox text into messages (the "From " separator lines removed, ">From " unescaped as
// mboxrd does). Calls fn for each; stops when it returns false.
void split_mbox(std::string_view mbox,
                const std::function<bool(std::string_view message, std::size_t index)>& fn);

}  // namespace facteur::filter
