#include "mail/punycode.hpp"

#include <cstddef>
#include <cstdint>

namespace facteur::mail {
namespace {

// RFC 3492 §5 parameters.
constexpr std::uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700;
constexpr std::uint32_t kInitialBias = 72, kInitialN = 128;
constexpr std::size_t kMaxLabel = 63;  // code points (RFC 1035 §2.3.4 caps labels at 63 bytes)

// RFC 3492 §6.1.
std::uint32_t adapt(std::uint32_t delta, std::uint32_t numpoints, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / numpoints;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTmin) * kTmax) / 2) {
    delta /= kBase - kTmin;
    k += kBase;
  }
  return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
}

std::uint32_t threshold(std::uint32_t k, std::uint32_t bias) {
  return k <= bias ? kTmin : (k >= bias + kTmax ? kTmax : k - bias);
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0' + 26;
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  return -1;
}

char digit_char(std::uint32_t d) {
  return static_cast<char>(d < 26 ? 'a' + d : '0' + d - 26);
}

}  // namespace

std::optional<std::u32string> punycode_decode(std::string_view in) {
  if (in.size() > 256) return std::nullopt;
  std::u32string out;
  std::size_t b = in.rfind('-');
  std::size_t start = 0;
  if (b != std::string_view::npos) {
    for (std::size_t j = 0; j < b; ++j) {
      auto c = static_cast<unsigned char>(in[j]);
      if (c >= 0x80) return std::nullopt;
      out += static_cast<char32_t>(c);
    }
    start = b + 1;
    if (out.size() > kMaxLabel) return std::nullopt;
  }
  std::uint32_t n = kInitialN, bias = kInitialBias;
  std::uint64_t i = 0;
  std::size_t pos = start;
  while (pos < in.size()) {
    std::uint64_t oldi = i, w = 1;
    for (std::uint32_t k = kBase;; k += kBase) {
      if (pos >= in.size()) return std::nullopt;
      int digit = digit_value(in[pos++]);
      if (digit < 0) return std::nullopt;
      i += static_cast<std::uint64_t>(digit) * w;
      if (i > 0x7FFFFFFF) return std::nullopt;
      std::uint32_t t = threshold(k, bias);
      if (static_cast<std::uint32_t>(digit) < t) break;
      w *= kBase - t;
      if (w > 0x7FFFFFFF) return std::nullopt;
    }
    auto len = static_cast<std::uint32_t>(out.size() + 1);
    bias = adapt(static_cast<std::uint32_t>(i - oldi), len, oldi == 0);
    n += static_cast<std::uint32_t>(i / len);
    i %= len;
    if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF)) return std::nullopt;
    if (out.size() >= kMaxLabel) return std::nullopt;
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(i), static_cast<char32_t>(n));
    ++i;
  }
  return out;
}

std::optional<std::string> punycode_encode(std::u32string_view input) {
  if (input.size() > kMaxLabel) return std::nullopt;  // keeps every sum below overflow
  std::string out;
  for (char32_t c : input)
    if (c < 0x80) out += static_cast<char>(c);
  const auto basic = static_cast<std::uint32_t>(out.size());
  std::uint32_t handled = basic;
  if (basic > 0) out += '-';
  std::uint32_t n = kInitialN, delta = 0, bias = kInitialBias;
  const auto length = static_cast<std::uint32_t>(input.size());
  while (handled < length) {
    std::uint32_t m = 0x10FFFF + 1;
    for (char32_t c : input)
      if (c >= n && c < m) m = c;
    // (m - n) * (handled + 1) fits: m <= 0x110000 and handled < 64.
    delta += (m - n) * (handled + 1);
    n = m;
    for (char32_t c : input) {
      if (c < n) ++delta;
      if (c != n) continue;
      std::uint32_t q = delta;
      for (std::uint32_t k = kBase;; k += kBase) {
        std::uint32_t t = threshold(k, bias);
        if (q < t) break;
        out += digit_char(t + (q - t) % (kBase - t));
        q = (q - t) / (kBase - t);
      }
      out += digit_char(q);
      bias = adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return out;
}

}  // namespace facteur::mail
