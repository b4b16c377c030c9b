// The outcome of a scan: a label (ham, spam, scam, phishing, hoax), a score that is the sum of
// the points of every reason, the action it calls for under the thresholds in force (deliver,
// file into Junk, refuse at SMTP), and the header fields recorded on the delivered message.
// Trust: produced from internet input; reasons quote message data only in sanitised form.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace facteur::filter {

enum class Label : std::uint8_t { ham, spam, scam, phishing, hoax };
inline constexpr std::size_t kLabels = 5;

std::string_view to_string(Label label) noexcept;
std::optional<Label> parse_label(std::string_view text) noexcept;

enum class Action : std::uint8_t {
  deliver,  // INBOX
  junk,     // file into the Junk mailbox
  reject,   // refuse at SMTP: 550 5.7.1 with the main reason
};
std::string_view to_string(Action action) noexcept;

struct Thresholds {
  double junk = 5.0;     // score at or above which the message goes to Junk
  double reject = 15.0;  // score at or above which SMTP refuses it (hoaxes are never refused)
};

struct Reason {
  std::string check;          // "bayes", "phishing.link-text", ...
  std::string text;           // human-readable, ASCII-safe, no line breaks
  double points = 0;          // added to the score (negative for ham evidence)
  Label label = Label::spam;  // the kind of abuse this evidence points to
  bool statistical = false;   // from the classifier (weaker evidence for the label)
};

struct Verdict {
  Label label = Label::ham;
  double score = 0;
  Action action = Action::deliver;
  std::vector<Reason> reasons;
  // Sum of the positive points per label; decides which abuse label wins.
  std::array<double, kLabels> evidence{};
  // The part of `evidence` that comes from the statistical classifier.
  std::array<double, kLabels> statistical{};
  // Evidence a detector found but not enough to score (scam, hoax: below their thresholds).
  // Not in the score; it tells the classifiers' language check (bayes_check.cpp) that something
  // besides the language points to abuse.
  std::array<double, kLabels> hints{};
  // Kinds of abuse the classifiers scored without having learnt enough of them to name them (a
  // site trained with --spam and --ham only calls every abuse "spam"): decide() lets the
  // detectors name such a kind on less evidence once the message is abuse anyway.
  std::array<bool, kLabels> unlearnt{};

  // Adds a reason (text is sanitised: control characters dropped, length capped).
  void add(std::string check, double points, Label label, std::string text,
           bool statistical = false);
  // The reason with the most points, for the SMTP reply; nullptr when none is positive.
  const Reason* main_reason() const noexcept;
  // "550 5.7.1 Message refused as phishing: <main reason>" (no CRLF).
  std::string smtp_reply() const;
};

struct HeaderLine {
  std::string name;
  std::string value;  // unfolded; the caller folds if it wants
};

// X-Spam-Status ("Yes, score=7.3 required=5.0" / "No, ..."), X-Spam-Score, X-Facteur-Verdict
// (the label, with a warning for phishing and hoaxes) and X-Facteur-Reasons (semicolon-
// separated "check=points text" items, capped at 900 bytes).
std::vector<HeaderLine> verdict_headers(const Verdict& verdict, const Thresholds& thresholds);
// The same as a block of "Name: value\r\n" lines, folded at 78 columns where possible.
std::string format_verdict_headers(const Verdict& verdict, const Thresholds& thresholds);

// {"verdict": "...", "score": N, "reasons": [...], "action": "...", "labels": {...}} as text.
std::string verdict_json(const Verdict& verdict, bool pretty = false);

}  // namespace facteur::filter
