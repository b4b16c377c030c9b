#include "filter/linear_classifier.hpp"

#include <cstring>

#include <fmt/format.h>

#include "filter/model_file.hpp"

namespace facteur::filter {
namespace {

constexpr char kMagic[8] = {'F', 'C', 'T', 'R', 'L', 'I', 'N', 'C'};
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kUnusedBits = 10;  // the ham slot of the kind models: unused, kept small

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t models;
};
static_assert(sizeof(Header) == 16);

}  // namespace

LinearClassifier::LinearClassifier() {
  kinds_[0] = LinearModel(kUnusedBits);
}

KindGuess LinearClassifier::kind(std::span<const std::uint64_t> tokens) const noexcept {
  KindGuess best{Label::spam, -1e300};
  bool any = false;
  for (std::size_t k = 1; k < kLabels; ++k) {
    if (kinds_[k].empty()) continue;
    double m = kinds_[k].margin(tokens);
    if (!any || m > best.margin) best = {static_cast<Label>(k), m};
    any = true;
  }
  if (!any) return {Label::spam, 0};
  return best;
}

LinearClassifier::Trained LinearClassifier::train(std::span<const LabelledTokens> examples,
                                                  const LinearTraining& options) {
  Trained done;
  std::array<std::size_t, kLabels> per_label{};
  for (const auto& e : examples)
    ++per_label[static_cast<std::size_t>(e.label)];
  std::size_t abuse = examples.size() - per_label[0];
  // Many passes over one class only would teach "everything is that class": a batch must
  // hold both sides to move a model (unlike counts, which just add up).
  if (per_label[0] > 0 && abuse > 0) {
    std::vector<LinearModel::Example> all;
    all.reserve(examples.size());
    for (const auto& e : examples)
      all.push_back({e.tokens, e.label != Label::ham});
    abuse_.train(all, options);
    done.abuse = true;
  }
  std::size_t kinds_seen = 0;
  for (std::size_t k = 1; k < kLabels; ++k)
    if (per_label[k] > 0) ++kinds_seen;
  if (kinds_seen < 2) return done;
  // Among abuse, a wrong kind costs the same whichever way it goes.
  LinearTraining among = options;
  among.ham_weight = 1.0;
  for (std::size_t k = 1; k < kLabels; ++k) {
    if (per_label[k] == 0) continue;  // a kind not in the batch is left as it is
    std::vector<LinearModel::Example> kind;
    kind.reserve(abuse);
    for (const auto& e : examples)
      if (e.label != Label::ham) kind.push_back({e.tokens, static_cast<std::size_t>(e.label) == k});
    kinds_[k].train(kind, among);
    ++done.kinds;
  }
  return done;
}

void LinearClassifier::learn(std::span<const std::uint64_t> tokens, Label label, double rate) {
  bool abuse = label != Label::ham;
  abuse_.learn(tokens, abuse, rate, 0, abuse ? 1.0 : LinearTraining{}.ham_weight);
  if (!abuse) return;
  // Only kinds already trained: one message alone would make a model that claims everything.
  for (std::size_t k = 1; k < kLabels; ++k)
    if (!kinds_[k].empty()) kinds_[k].learn(tokens, static_cast<Label>(k) == label, rate);
}

std::vector<std::byte> LinearClassifier::to_bytes() const {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.models = kLabels;
  std::vector<std::byte> out(sizeof h);
  std::memcpy(out.data(), &h, sizeof h);
  auto append = [&](const LinearModel& m) {
    auto bytes = m.to_bytes();
    std::uint64_t n = bytes.size();
    auto at = out.size();
    out.resize(at + sizeof n + bytes.size());
    std::memcpy(out.data() + at, &n, sizeof n);
    std::memcpy(out.data() + at + sizeof n, bytes.data(), bytes.size());
  };
  append(abuse_);
  for (std::size_t k = 1; k < kLabels; ++k)
    append(kinds_[k]);
  return out;
}

Result<LinearClassifier> LinearClassifier::from_bytes(std::span<const std::byte> bytes) {
  return parse(bytes, nullptr);
}

Result<LinearClassifier> LinearClassifier::parse(std::span<const std::byte> bytes,
                                                 const std::shared_ptr<const void>& keep) {
  if (bytes.size() < sizeof(Header))
    return make_error(Errc::parse_error, "linear classifier too short");
  Header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0)
    return make_error(Errc::parse_error, "not a Facteur linear classifier");
  if (h.version != kVersion)
    return make_error(Errc::parse_error, fmt::format("linear classifier version {} (expected {}): "
                                                     "retrain",
                                                     h.version, kVersion));
  if (h.models != kLabels) return make_error(Errc::parse_error, "linear classifier: model count");
  LinearClassifier c;
  auto rest = bytes.subspan(sizeof h);
  auto next = [&]() -> Result<LinearModel> {
    std::uint64_t n = 0;
    if (rest.size() < sizeof n) return make_error(Errc::parse_error, "linear classifier truncated");
    std::memcpy(&n, rest.data(), sizeof n);
    rest = rest.subspan(sizeof n);
    if (n > rest.size()) return make_error(Errc::parse_error, "linear classifier truncated");
    auto model = LinearModel::view(rest.first(static_cast<std::size_t>(n)), keep);
    rest = rest.subspan(static_cast<std::size_t>(n));
    return model;
  };
  auto abuse = next();
  if (!abuse) return std::unexpected(abuse.error());
  c.abuse_ = std::move(*abuse);
  for (std::size_t k = 1; k < kLabels; ++k) {
    auto m = next();
    if (!m) return std::unexpected(m.error());
    c.kinds_[k] = std::move(*m);
  }
  if (!rest.empty()) return make_error(Errc::parse_error, "linear classifier: trailing bytes");
  return c;
}

Result<LinearClassifier> LinearClassifier::load(const std::filesystem::path& path) {
  auto file = map_model_file(path);
  if (!file) return std::unexpected(file.error());
  auto c = parse(file->bytes, file->keep);
  if (!c) return make_error(c.error().code, path.string() + ": " + c.error().message);
  return c;
}

Status LinearClassifier::save(const std::filesystem::path& path) const {
  auto bytes = to_bytes();
  return write_model_file(path, {std::span<const std::byte>(bytes)});
}

}  // namespace facteur::filter
