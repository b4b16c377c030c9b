// Test helpers: messages written for the tests (never corpus copies) and a way to run one check.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "filter/check.hpp"
#include "filter/message_view.hpp"

namespace facteur::filter::test {

// A message from header lines and a body (LF line ends, as the tests write them).
inline std::string message(std::string_view headers, std::string_view body) {
  std::string m(headers);
  if (!m.empty() && m.back() != '\n') m += '\n';
  m += '\n';
  m += body;
  return m;
}

inline Verdict run_check(const Check& check, const std::string& bytes, const Context& ctx = {}) {
  auto view = MessageView::analyze(bytes);
  Verdict v;
  check.run(view, ctx, v);
  return v;
}

inline bool has_reason(const Verdict& v, std::string_view check) {
  return std::any_of(v.reasons.begin(), v.reasons.end(),
                     [&](const Reason& r) { return r.check == check; });
}

inline double points(const Verdict& v, Label label) {
  return v.evidence[static_cast<std::size_t>(label)];
}

}  // namespace facteur::filter::test
