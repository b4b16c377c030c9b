#include "filter/train.hpp"

#include "filter/message_view.hpp"

namespace facteur::filter {

ExampleSample::ExampleSample(std::size_t capacity, std::uint64_t seed)
    : capacity_(capacity), rng_(seed) {}

void ExampleSample::offer(std::vector<std::uint64_t> tokens, Label label) {
  ++offered_;
  tokens.shrink_to_fit();  // the tokenizer's vector keeps the capacity of its duplicates
  if (kept_.size() < capacity_) {
    kept_.push_back({std::move(tokens), label});
    return;
  }
  // Algorithm R: the n-th message replaces a kept one with probability capacity / n.
  std::uniform_int_distribution<std::size_t> pick(0, offered_ - 1);
  std::size_t i = pick(rng_);
  if (i < capacity_) kept_[i] = {std::move(tokens), label};
}

std::vector<LabelledTokens> ExampleSample::examples() const {
  std::vector<LabelledTokens> out;
  out.reserve(kept_.size());
  for (const auto& k : kept_)
    out.push_back({k.tokens, k.label});
  return out;
}

Result<TrainStats> train_from(BayesModel& model, const std::filesystem::path& source, Label label,
                              const TokenizerOptions& tokenizer, const SourceLimits& limits,
                              ExampleSample* sample) {
  TrainStats stats;
  auto visited = for_each_message(
      source,
      [&](std::string_view message, const std::string&) {
        auto view = MessageView::analyze(message);
        auto tokens = tokenize(view, tokenizer);
        model.learn(tokens, label);
        if (sample) sample->offer(std::move(tokens), label);
        ++stats.messages;
        return true;
      },
      limits);
  if (!visited) return std::unexpected(visited.error());
  return stats;
}

}  // namespace facteur::filter
