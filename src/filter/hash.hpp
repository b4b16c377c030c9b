// The 64-bit token hash of the classifier. It is part of the model file format: changing it
// invalidates stored models (bump kModelVersion in bayes_model.hpp).
#pragma once

#include <cstdint>
#include <string_view>

namespace facteur::filter {

// FNV-1a over the bytes, then the splitmix64 finaliser so that the low bits (used to index the
// open-addressing table) are well mixed. Streaming: hashing "ab" equals hashing "a" then "b".
class TokenHasher {
 public:
  constexpr TokenHasher& add(std::string_view s) noexcept {
    for (char c : s) {
      h_ ^= static_cast<unsigned char>(c);
      h_ *= 0x100000001b3ull;
    }
    return *this;
  }
  // Never 0 (0 marks an empty slot in the model table).
  constexpr std::uint64_t final() const noexcept {
    std::uint64_t h = h_;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h == 0 ? 1 : h;
  }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

constexpr std::uint64_t token_hash(std::string_view s) noexcept {
  return TokenHasher{}.add(s).final();
}

}  // namespace facteur::filter
