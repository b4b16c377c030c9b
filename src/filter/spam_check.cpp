// Content heuristics of bulk advertising, to back the classifier on messages it is unsure
// about: sales pitches, removal instructions that come with them, image-only HTML, hidden
// text, shouting subjects (English and French); and header fields spamware botches
// (header_anomalies.hpp). Small weights: none of this alone is spam.
#include <fmt/format.h>

#include "filter/checks.hpp"
#include "filter/header_anomalies.hpp"
#include "filter/phrases.hpp"

namespace facteur::filter {
namespace {

enum Group : int { kSales, kRemoval, kGroups };

const PhraseMatcher& spam_phrases() {
  static const PhraseMatcher m = [] {
    PhraseMatcher p;
    p.add_all({"click here",
               "click below",
               "act now",
               "order now",
               "buy now",
               "order today",
               "limited time",
               "special offer",
               "lowest price",
               "lowest prices",
               "best price",
               "100 free",
               "no obligation",
               "money back",
               "satisfaction guaranteed",
               "free trial",
               "call now",
               "toll free",
               "dear friend",
               "while supplies last",
               "once in a lifetime",
               "be your own boss",
               "work from home",
               "make money",
               "extra income",
               "cash bonus",
               "credit report",
               "lose weight",
               "weight loss",
               "viagra",
               "cialis",
               "online pharmacy",
               "no prescription",
               "refinance",
               "mortgage rates",
               "online casino",
               "replica watches",
               "amazing offer",
               "100 satisfaction",
               "no credit check",
               "earn money",
               "financial freedom",
               "increase your sales",
               "bulk email",
               "email marketing",
               "guaranteed results",
               "cliquez ici",
               "offre speciale",
               "offre exceptionnelle",
               "meilleur prix",
               "sans engagement",
               "satisfait ou rembourse",
               "argent facile",
               "gagnez de l argent",
               "credit immediat",
               "prix imbattable"},
              kSales);
    p.add_all({"to be removed", "to unsubscribe", "remove me", "opt out", "you are receiving this",
               "you received this", "this is not spam", "not spam", "one time mailing",
               "wish to be removed", "removed from our", "remove in the subject", "se desinscrire",
               "desabonner", "desinscription", "vous recevez ce message"},
              kRemoval);
    return p;
  }();
  return m;
}

class SpamHeuristicsCheck final : public Check {
 public:
  std::string_view name() const noexcept override { return "spam"; }

  void run(const MessageView& m, const Context&, Verdict& v) const override {
    std::vector<int> hits, subject;
    spam_phrases().match(m.body, hits);
    spam_phrases().match(m.subject_words, subject);
    int sales = hits[kSales] + subject[kSales];
    double pts = 0;
    std::string why;
    auto note = [&](double p, std::string what) {
      pts += p;
      if (!why.empty()) why += ", ";
      why += what;
    };
    if (sales > 0)
      note(sales >= 5   ? 2.0
           : sales >= 3 ? 1.5
           : sales == 2 ? 1.0
                        : 0.5,
           fmt::format("sales pitch ({})", sales));
    if (sales > 0 && hits[kRemoval] > 0) note(0.5, "removal instructions");
    if (m.has_html && m.html.images > 0 && m.body.words.size() < 30)
      note(1.0, "HTML that is mostly images");
    if (m.html.hidden_text_tricks > 0) note(1.0, "hidden text");
    if (m.subject_words.letters > 10 && m.subject_words.upper * 10 >= m.subject_words.letters * 9)
      note(0.5, "subject in capitals");
    // Header fields botched or forged: their own reason, since they are not advertising (the
    // decision reads the advertising points to tell a sales pitch from a hoax). 5-fold CV on
    // the train corpora: spam flagged 95.49 -> 95.93 %, false positives unchanged (13 of 2,506).
    if (auto a = find_header_anomalies(m); a.count() > 0)
      v.add("spam.header", 1.5 * std::min(a.count(), 2), Label::spam,
            "malformed header: " + a.describe());
    if (pts <= 0) return;
    v.add(std::string(kAdvertisingReason), std::min(pts, 3.0), Label::spam,
          "bulk advertising: " + why);
  }
};

}  // namespace

std::unique_ptr<Check> make_spam_heuristics_check() {
  return std::make_unique<SpamHeuristicsCheck>();
}

}  // namespace facteur::filter
