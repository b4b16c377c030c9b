#include "filter/bayes_model.hpp"

#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "filter/model_file.hpp"

namespace facteur::filter {
namespace {

static_assert(std::endian::native == std::endian::little, "model files are little-endian");

constexpr char kMagic[8] = {'F', 'C', 'T', 'R', 'B', 'A', 'Y', 'S'};
constexpr std::size_t kHeaderSize = 64;
constexpr std::size_t kInitialCapacity = 1024;
constexpr std::size_t kMaxCapacity = std::size_t{1} << 28;  // 8 GiB of entries: refuse beyond

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t labels;
  std::uint32_t messages[kLabels];
  std::uint32_t zero;
  std::uint64_t capacity;
  std::uint64_t used;
  std::uint64_t zero2;
};
static_assert(sizeof(Header) == kHeaderSize);

Result<Header> check_header(const void* data, std::size_t size) {
  if (size < kHeaderSize) return make_error(Errc::parse_error, "model file too short");
  Header h;
  std::memcpy(&h, data, sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0)
    return make_error(Errc::parse_error, "not a Facteur model file");
  if (h.version != kModelVersion)
    return make_error(Errc::parse_error, fmt::format("model file version {} (expected {}): retrain",
                                                     h.version, kModelVersion));
  if (h.labels != kLabels) return make_error(Errc::parse_error, "model file: wrong label count");
  if (h.capacity == 0 || !std::has_single_bit(h.capacity) || h.capacity > kMaxCapacity)
    return make_error(Errc::parse_error, "model file: bad capacity");
  if (h.used >= h.capacity) return make_error(Errc::parse_error, "model file: table full");
  if (size != kHeaderSize + h.capacity * 32)
    return make_error(Errc::parse_error, "model file: size does not match its capacity");
  return h;
}

}  // namespace

BayesModel::BayesModel() : owned_(kInitialCapacity), capacity_(kInitialCapacity) {}

bool BayesModel::empty() const noexcept {
  for (auto n : messages_)
    if (n) return false;
  return used_ == 0;
}

Result<BayesModel> BayesModel::load(const std::filesystem::path& path) {
  auto file = map_model_file(path);
  if (!file) return std::unexpected(file.error());
  auto h = check_header(file->bytes.data(), file->bytes.size());
  if (!h) return make_error(h.error().code, path.string() + ": " + h.error().message);
  BayesModel m;
  m.owned_.clear();
  m.owned_.shrink_to_fit();
  for (std::size_t i = 0; i < kLabels; ++i)
    m.messages_[i] = h->messages[i];
  m.capacity_ = h->capacity;
  m.used_ = h->used;
  m.mapped_entries_ = reinterpret_cast<const Entry*>(file->bytes.data() + kHeaderSize);
  m.mapped_ = std::move(file->keep);
  return m;
}

Result<BayesModel> BayesModel::from_bytes(std::span<const std::byte> bytes) {
  auto h = check_header(bytes.data(), bytes.size());
  if (!h) return std::unexpected(h.error());
  BayesModel m;
  for (std::size_t i = 0; i < kLabels; ++i)
    m.messages_[i] = h->messages[i];
  m.capacity_ = h->capacity;
  m.owned_.resize(h->capacity);
  std::memcpy(m.owned_.data(), bytes.data() + kHeaderSize, h->capacity * sizeof(Entry));
  // Recount: the stored `used` is not trusted for the load factor.
  m.used_ = 0;
  for (const auto& e : m.owned_)
    if (e.hash != 0) ++m.used_;
  if (m.used_ >= m.capacity_) return make_error(Errc::parse_error, "model file: table full");
  return m;
}

std::vector<std::byte> BayesModel::to_bytes() const {
  std::vector<std::byte> out(kHeaderSize + capacity_ * sizeof(Entry));
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kModelVersion;
  h.labels = kLabels;
  for (std::size_t i = 0; i < kLabels; ++i)
    h.messages[i] = messages_[i];
  h.capacity = capacity_;
  h.used = used_;
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + kHeaderSize, table(), capacity_ * sizeof(Entry));
  return out;
}

Status BayesModel::save(const std::filesystem::path& path) const {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kModelVersion;
  h.labels = kLabels;
  for (std::size_t i = 0; i < kLabels; ++i)
    h.messages[i] = messages_[i];
  h.capacity = capacity_;
  h.used = used_;
  return write_model_file(
      path, {std::as_bytes(std::span(&h, 1)), std::as_bytes(std::span(table(), capacity_))});
}

LabelCounts BayesModel::lookup(std::uint64_t hash) const noexcept {
  LabelCounts c{};
  if (hash == 0 || capacity_ == 0) return c;
  const Entry* t = table();
  std::size_t mask = capacity_ - 1;
  for (std::size_t i = hash & mask, probes = 0; probes < capacity_; i = (i + 1) & mask, ++probes) {
    const Entry& e = t[i];
    if (e.hash == hash) {
      for (std::size_t k = 0; k < kLabels; ++k)
        c[k] = e.counts[k];
      return c;
    }
    if (e.hash == 0) return c;
  }
  return c;
}

void BayesModel::make_owned() {
  if (!mapped_) return;
  owned_.assign(mapped_entries_, mapped_entries_ + capacity_);
  mapped_.reset();
  mapped_entries_ = nullptr;
}

void BayesModel::grow() {
  std::vector<Entry> old = std::move(owned_);
  capacity_ = old.size() * 2;
  owned_.assign(capacity_, Entry{});
  std::size_t mask = capacity_ - 1;
  for (const auto& e : old) {
    if (e.hash == 0) continue;
    std::size_t i = e.hash & mask;
    while (owned_[i].hash != 0)
      i = (i + 1) & mask;
    owned_[i] = e;
  }
}

BayesModel::Entry& BayesModel::slot_for(std::uint64_t hash) {
  if ((used_ + 1) * 10 > capacity_ * 7) grow();
  std::size_t mask = capacity_ - 1;
  std::size_t i = hash & mask;
  while (owned_[i].hash != 0 && owned_[i].hash != hash)
    i = (i + 1) & mask;
  if (owned_[i].hash == 0) {
    owned_[i].hash = hash;
    ++used_;
  }
  return owned_[i];
}

void BayesModel::learn(std::span<const std::uint64_t> tokens, Label label, int delta) {
  make_owned();
  auto k = static_cast<std::size_t>(label);
  auto bump = [delta](std::uint32_t& n) {
    if (delta > 0) {
      if (n < 0xFFFFFFFFu) ++n;
    } else if (n > 0) {
      --n;
    }
  };
  bump(messages_[k]);
  for (std::uint64_t t : tokens) {
    if (t == 0) continue;
    if (delta < 0) {
      // Forgetting never creates entries.
      if (lookup(t)[k] == 0) continue;
    }
    bump(slot_for(t).counts[k]);
  }
}

}  // namespace facteur::filter
