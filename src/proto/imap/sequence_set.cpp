#include "proto/imap/sequence_set.hpp"

#include <algorithm>

namespace facteur::imap {
namespace {

// nz-number or "*"; nullopt on anything else.
std::optional<std::uint32_t> parse_seq_number(std::string_view s) {
  if (s == "*") return kStar;
  if (s.empty() || s.size() > 10 || s[0] == '0') return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + std::uint64_t(c - '0');
  }
  if (v > 0xFFFF'FFFFull) return std::nullopt;
  return std::uint32_t(v);
}

void append_number(std::string& out, std::uint32_t n) {
  if (n == kStar) {
    out += '*';
  } else {
    out += std::to_string(n);
  }
}

std::vector<Interval> merge(std::vector<Interval> v) {
  std::sort(v.begin(), v.end(), [](const Interval& a, const Interval& b) { return a.lo < b.lo; });
  std::vector<Interval> out;
  out.reserve(v.size());
  for (const auto& i : v) {
    if (!out.empty() && std::uint64_t(i.lo) <= std::uint64_t(out.back().hi) + 1) {
      out.back().hi = std::max(out.back().hi, i.hi);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

}  // namespace

Result<SequenceSet> parse_sequence_set(std::string_view text, std::size_t max_ranges) {
  SequenceSet set;
  if (text == "$") {
    set.saved = true;
    return set;
  }
  if (text.empty()) return make_error(Errc::parse_error, "empty sequence set");
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(start, comma - start);
    if (set.ranges.size() >= max_ranges)
      return make_error(Errc::limit_exceeded, "too many sequence ranges");
    const auto colon = item.find(':');
    SeqRange r;
    if (colon == std::string_view::npos) {
      auto n = parse_seq_number(item);
      if (!n) return make_error(Errc::parse_error, "invalid sequence number");
      r.first = r.last = *n;
    } else {
      auto a = parse_seq_number(item.substr(0, colon));
      auto b = parse_seq_number(item.substr(colon + 1));
      if (!a || !b) return make_error(Errc::parse_error, "invalid sequence range");
      r.first = *a;
      r.last = *b;
    }
    set.ranges.push_back(r);
    if (comma == text.size()) break;
    start = comma + 1;
  }
  return set;
}

std::string to_string(const SequenceSet& set) {
  if (set.saved) return "$";
  std::string out;
  for (std::size_t i = 0; i < set.ranges.size(); ++i) {
    if (i) out += ',';
    append_number(out, set.ranges[i].first);
    if (set.ranges[i].last != set.ranges[i].first) {
      out += ':';
      append_number(out, set.ranges[i].last);
    }
  }
  return out;
}

std::vector<Interval> normalize(const SequenceSet& set, std::uint32_t star) {
  std::vector<Interval> v;
  v.reserve(set.ranges.size());
  for (const auto& r : set.ranges) {
    if (star == 0 && (r.first == kStar || r.last == kStar)) continue;
    std::uint32_t a = r.first == kStar ? star : r.first;
    std::uint32_t b = r.last == kStar ? star : r.last;
    if (a > b) std::swap(a, b);
    v.push_back({a, b});
  }
  return merge(std::move(v));
}

std::string format_intervals(std::span<const Interval> intervals) {
  std::string out;
  for (const auto& i : intervals) {
    if (!out.empty()) out += ',';
    out += std::to_string(i.lo);
    if (i.hi != i.lo) {
      out += ':';
      out += std::to_string(i.hi);
    }
  }
  return out;
}

std::string format_number_set(std::span<const std::uint32_t> numbers) {
  std::string out;
  std::size_t i = 0;
  while (i < numbers.size()) {
    std::size_t j = i;
    while (j + 1 < numbers.size() && numbers[j] != 0xFFFF'FFFFu && numbers[j + 1] == numbers[j] + 1)
      ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(numbers[i]);
    if (j > i) {
      out += ':';
      out += std::to_string(numbers[j]);
    }
    i = j + 1;
  }
  return out;
}

std::vector<Interval> intervals_of(std::vector<std::uint32_t> numbers) {
  std::vector<Interval> v;
  v.reserve(numbers.size());
  for (auto n : numbers)
    v.push_back({n, n});
  return merge(std::move(v));
}

bool contains(std::span<const Interval> intervals, std::uint32_t n) noexcept {
  auto it = std::upper_bound(intervals.begin(), intervals.end(), n,
                             [](std::uint32_t x, const Interval& i) { return x < i.lo; });
  if (it == intervals.begin()) return false;
  --it;
  return n >= it->lo && n <= it->hi;
}

std::uint64_t count(std::span<const Interval> intervals) noexcept {
  std::uint64_t n = 0;
  for (const auto& i : intervals)
    n += std::uint64_t(i.hi) - i.lo + 1;
  return n;
}

Result<std::vector<std::uint32_t>> resolve_sequence_numbers(const SequenceSet& set,
                                                            std::uint32_t exists) {
  if (set.saved) return make_error(Errc::invalid_argument, "unresolved $");
  for (const auto& r : set.ranges) {
    if ((r.first == kStar || r.last == kStar) && exists == 0)
      return make_error(Errc::invalid_argument, "no messages");
    if (r.first > exists || r.last > exists)
      return make_error(Errc::invalid_argument, "invalid message sequence number");
  }
  std::vector<std::uint32_t> out;
  for (const auto& i : normalize(set, exists))
    for (std::uint64_t n = i.lo; n <= i.hi; ++n)
      out.push_back(std::uint32_t(n));
  return out;
}

std::vector<std::size_t> resolve_uids(const SequenceSet& set, std::span<const std::uint32_t> uids) {
  std::vector<std::size_t> out;
  if (uids.empty() || set.saved) return out;
  for (const auto& i : normalize(set, uids.back())) {
    auto it = std::lower_bound(uids.begin(), uids.end(), i.lo);
    for (; it != uids.end() && *it <= i.hi; ++it)
      out.push_back(std::size_t(it - uids.begin()));
  }
  return out;
}

}  // namespace facteur::imap
