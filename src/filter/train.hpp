// Bulk training: learns every message found under a path (Maildir, mbox, directory of files)
// as one label into a model held in memory; the caller saves it once at the end.
// Trust: local files chosen by the administrator; contents are internet mail.
#pragma once

#include <cstddef>
#include <filesystem>

#include "base/result.hpp"
#include "filter/bayes_model.hpp"
#include "filter/mail_source.hpp"
#include "filter/tokenizer.hpp"
#include "filter/verdict.hpp"

namespace facteur::filter {

struct TrainStats {
  std::size_t messages = 0;
  std::size_t skipped = 0;  // too large or unreadable
};

Result<TrainStats> train_from(BayesModel& model, const std::filesystem::path& source, Label label,
                              const TokenizerOptions& tokenizer = {},
                              const SourceLimits& limits = {});

}  // namespace facteur::filter
