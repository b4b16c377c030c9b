#include "filter/train.hpp"

#include "filter/message_view.hpp"

namespace facteur::filter {

Result<TrainStats> train_from(BayesModel& model, const std::filesystem::path& source, Label label,
                              const TokenizerOptions& tokenizer, const SourceLimits& limits) {
  TrainStats stats;
  auto visited = for_each_message(
      source,
      [&](std::string_view message, const std::string&) {
        auto view = MessageView::analyze(message);
        auto tokens = tokenize(view, tokenizer);
        model.learn(tokens, label);
        ++stats.messages;
        return true;
      },
      limits);
  if (!visited) return std::unexpected(visited.error());
  return stats;
}

}  // namespace facteur::filter
