#include "filter/linear_model.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include <fmt/format.h>

namespace facteur::filter {
namespace {

static_assert(std::endian::native == std::endian::little, "model files are little-endian");

constexpr char kMagic[8] = {'F', 'C', 'T', 'R', 'L', 'I', 'N', 'R'};
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kMinBits = 10, kMaxBits = 28;

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t bits;
  std::uint64_t updates;
  double bias;
};
static_assert(sizeof(Header) == 32);

double logistic(double m) noexcept {
  return 1.0 / (1.0 + std::exp(-m));
}

}  // namespace

LinearModel::LinearModel(std::uint32_t bits) : bits_(std::clamp(bits, kMinBits, kMaxBits)) {}

void LinearModel::make_owned() {
  if (!owned_.empty()) return;
  owned_.assign(std::size_t{1} << bits_, 0.0f);
  if (keep_) {
    std::memcpy(owned_.data(), mapped_, owned_.size() * sizeof(float));
    for (float& w : owned_)
      if (!std::isfinite(w)) w = 0;  // a damaged weight must not poison what is learnt
    keep_.reset();
    mapped_ = nullptr;
  }
}

double LinearModel::margin(std::span<const std::uint64_t> tokens) const noexcept {
  const float* w = weights();
  if (tokens.empty() || !w) return bias_;
  double sum = 0;
  for (auto t : tokens)
    sum += w[slot(t)];
  double m = bias_ + sum / std::sqrt(static_cast<double>(tokens.size()));
  return std::isfinite(m) ? m : 0.0;  // a damaged file: no opinion rather than NaN points
}

double LinearModel::probability(std::span<const std::uint64_t> tokens) const noexcept {
  return logistic(margin(tokens));
}

void LinearModel::learn(std::span<const std::uint64_t> tokens, bool abuse, double rate, double l2,
                        double weight) {
  double p = probability(tokens);
  double g = ((abuse ? 1.0 : 0.0) - p) * weight;  // minus the gradient of the log loss
  double x = tokens.empty() ? 0.0 : 1.0 / std::sqrt(static_cast<double>(tokens.size()));
  auto step = static_cast<float>(rate * g * x);
  auto decay = static_cast<float>(1.0 - rate * l2);
  make_owned();
  for (auto t : tokens) {
    float& w = owned_[slot(t)];
    w = w * decay + step;  // weight decay only where the message touches (lazy L2)
  }
  bias_ += rate * g * 0.1;  // the bias moves slowly: it is shared by every message
  ++updates_;
}

void LinearModel::train(std::span<const Example> examples, const LinearTraining& options) {
  std::vector<std::size_t> order(examples.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 rng(options.seed);
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double rate = options.rate / std::sqrt(static_cast<double>(epoch + 1));
    for (auto i : order) {
      const auto& e = examples[i];
      learn(e.tokens, e.abuse, rate, options.l2, e.abuse ? 1.0 : options.ham_weight);
    }
  }
}

std::vector<std::byte> LinearModel::to_bytes() const {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.bits = bits_;
  h.updates = updates_;
  h.bias = bias_;
  std::size_t n = std::size_t{1} << bits_;
  std::vector<std::byte> out(sizeof h + n * sizeof(float));  // zero: no weights yet
  std::memcpy(out.data(), &h, sizeof h);
  if (const float* w = weights()) std::memcpy(out.data() + sizeof h, w, n * sizeof(float));
  return out;
}

Result<LinearModel> LinearModel::parse(std::span<const std::byte> bytes, bool copy,
                                       std::shared_ptr<const void> keep) {
  if (bytes.size() < sizeof(Header)) return make_error(Errc::parse_error, "linear model too short");
  Header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0)
    return make_error(Errc::parse_error, "not a Facteur linear model");
  if (h.version != kVersion)
    return make_error(
        Errc::parse_error,
        fmt::format("linear model version {} (expected {}): retrain", h.version, kVersion));
  if (h.bits < kMinBits || h.bits > kMaxBits)
    return make_error(Errc::parse_error, "linear model: bad size");
  std::size_t n = std::size_t{1} << h.bits;
  if (bytes.size() != sizeof h + n * sizeof(float))
    return make_error(Errc::parse_error, "linear model: size does not match its header");
  if (!std::isfinite(h.bias)) return make_error(Errc::parse_error, "linear model: bad bias");
  LinearModel m(h.bits);
  m.updates_ = h.updates;
  m.bias_ = h.bias;
  const std::byte* weights = bytes.data() + sizeof h;
  if (copy || reinterpret_cast<std::uintptr_t>(weights) % alignof(float) != 0) {
    m.owned_.resize(n);
    std::memcpy(m.owned_.data(), weights, n * sizeof(float));
    for (float& w : m.owned_)
      if (!std::isfinite(w)) w = 0;  // a damaged weight must not poison every score
  } else {
    m.keep_ = std::move(keep);
    m.mapped_ = reinterpret_cast<const float*>(weights);
  }
  return m;
}

Result<LinearModel> LinearModel::from_bytes(std::span<const std::byte> bytes) {
  return parse(bytes, true, nullptr);
}

Result<LinearModel> LinearModel::view(std::span<const std::byte> bytes,
                                      std::shared_ptr<const void> keep) {
  bool copy = keep == nullptr;  // before the move: argument order is unspecified
  return parse(bytes, copy, std::move(keep));
}

}  // namespace facteur::filter
