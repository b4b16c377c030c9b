#include "filter/verdict.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.hpp"
#include "filter/checks.hpp"

namespace facteur::filter {
namespace {

constexpr std::array<std::string_view, kLabels> kLabelNames = {"ham", "spam", "scam", "phishing",
                                                               "hoax"};

// Printable ASCII only (UTF-8 and control characters replaced), at most `max` bytes: reasons end
// up in header fields and SMTP replies.
std::string sanitize(std::string_view s, std::size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max));
  for (char c : s) {
    if (out.size() >= max) break;
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else if (u >= 0x80) {
      // Keep UTF-8 out of headers: one '?' per sequence start.
      if ((u & 0xC0) != 0x80) out += '?';
    } else if (c == ';') {
      out += ',';  // ';' separates reasons in X-Facteur-Reasons
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

std::string points_text(double p) {
  return fmt::format("{:.1f}", p);
}

}  // namespace

std::string_view to_string(Label label) noexcept {
  return kLabelNames[static_cast<std::size_t>(label)];
}

std::optional<Label> parse_label(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kLabels; ++i)
    if (iequals(text, kLabelNames[i])) return static_cast<Label>(i);
  return std::nullopt;
}

std::string_view to_string(Action action) noexcept {
  switch (action) {
    case Action::deliver:
      return "deliver";
    case Action::junk:
      return "junk";
    case Action::reject:
      return "reject";
  }
  return "deliver";
}

void Verdict::add(std::string check, double points, Label label, std::string text,
                  bool from_classifier) {
  Reason r;
  r.check = sanitize(check, 64);
  r.text = sanitize(text, 200);
  r.points = points;
  r.label = label;
  r.statistical = from_classifier;
  score += points;
  if (points > 0) {
    evidence[static_cast<std::size_t>(label)] += points;
    if (from_classifier) statistical[static_cast<std::size_t>(label)] += points;
  }
  reasons.push_back(std::move(r));
}

const Reason* Verdict::main_reason() const noexcept {
  const Reason* best = nullptr;
  for (const auto& r : reasons) {
    if (r.points <= 0) continue;
    // Prefer evidence for the verdict's own label.
    bool own = r.label == label;
    bool best_own = best && best->label == label;
    if (!best || (own && !best_own) || (own == best_own && r.points > best->points)) best = &r;
  }
  return best;
}

std::string Verdict::smtp_reply() const {
  const Reason* r = main_reason();
  std::string why = r ? r->text : std::string("content");
  return fmt::format("550 5.7.1 Message refused as {} (score {}): {}", to_string(label),
                     points_text(score), why);
}

std::vector<HeaderLine> verdict_headers(const Verdict& v, const Thresholds& t) {
  std::vector<HeaderLine> out;
  // SpamAssassin's meaning (score at or above the threshold), which users' Sieve rules and
  // clients act on: a hoax labelled on its own evidence or a welcomed sender's message with a
  // warning is delivered, and says so.
  bool is_spam = v.score >= t.junk;
  out.push_back({"X-Spam-Status", fmt::format("{}, score={} required={}", is_spam ? "Yes" : "No",
                                              points_text(v.score), points_text(t.junk))});
  out.push_back({"X-Spam-Score", points_text(v.score)});
  std::string verdict(to_string(v.label));
  const bool lure_attached = std::any_of(v.reasons.begin(), v.reasons.end(), [](const Reason& r) {
    return r.check == kProgramAttachedReason || r.check == kPageAttachedReason;
  });
  if (v.label == Label::phishing && lure_attached)
    verdict +=
        " (warning: this message looks like phishing; do not open its attachment, nor enter "
        "passwords or card numbers through its links)";
  else if (v.label == Label::phishing)
    verdict +=
        " (warning: this message looks like phishing; do not enter passwords or card "
        "numbers through its links, nor give them to a number it asks you to call)";
  else if (v.label == Label::hoax)
    verdict += " (warning: this looks like a hoax or chain letter; please do not forward it)";
  else if (v.label == Label::scam)
    verdict += " (warning: this looks like an advance-fee fraud; do not reply or send money)";
  out.push_back({"X-Facteur-Verdict", std::move(verdict)});
  std::string reasons;
  for (const auto& r : v.reasons) {
    std::string item = fmt::format("{}={} {}", r.check, points_text(r.points), r.text);
    if (reasons.size() + item.size() + 2 > 900) {
      reasons += reasons.empty() ? "..." : "; ...";
      break;
    }
    if (!reasons.empty()) reasons += "; ";
    reasons += item;
  }
  if (reasons.empty()) reasons = "none";
  out.push_back({"X-Facteur-Reasons", std::move(reasons)});
  return out;
}

std::string format_verdict_headers(const Verdict& v, const Thresholds& t) {
  std::string out;
  for (const auto& h : verdict_headers(v, t)) {
    std::string line = h.name + ": ";
    std::size_t col = line.size();
    // Fold at spaces after 78 columns (RFC 5322 §2.2.3), keeping each line under 998 bytes.
    std::size_t i = 0;
    const std::string& s = h.value;
    while (i < s.size()) {
      std::size_t sp = s.find(' ', i + 1);
      if (sp == std::string::npos) sp = s.size();
      std::string_view word(s.data() + i, sp - i);
      if (col + word.size() > 78 && col > h.name.size() + 2 && word.front() == ' ') {
        line += "\r\n\t";
        word.remove_prefix(1);
        col = 1;
      }
      line += word;
      col += word.size();
      i = sp;
    }
    out += line;
    out += "\r\n";
  }
  return out;
}

std::string verdict_json(const Verdict& v, bool pretty) {
  nlohmann::json j;
  j["verdict"] = to_string(v.label);
  j["score"] = std::round(v.score * 100.0) / 100.0;
  j["action"] = to_string(v.action);
  auto reasons = nlohmann::json::array();
  for (const auto& r : v.reasons)
    reasons.push_back(fmt::format("{} ({}{}): {}", r.check, r.points >= 0 ? "+" : "",
                                  points_text(r.points), r.text));
  j["reasons"] = std::move(reasons);
  auto ev = nlohmann::json::object();
  for (std::size_t i = 1; i < kLabels; ++i)
    ev[std::string(kLabelNames[i])] = std::round(v.evidence[i] * 100.0) / 100.0;
  j["evidence"] = std::move(ev);
  return j.dump(pretty ? 2 : -1, ' ', true, nlohmann::json::error_handler_t::replace);
}

}  // namespace facteur::filter
