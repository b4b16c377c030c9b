#include "filter/callback_lure.hpp"

#include <algorithm>
#include <span>
#include <vector>

#include "filter/phrases.hpp"

namespace facteur::filter {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_separator(char c) {
  return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

// The shape of a telephone number: 10 to 13 digits in 3 groups or more of at most 4.
struct NumberShape {
  std::size_t digits = 0;
  std::size_t groups = 0;
  bool too_long_group = false;
  bool fits() const { return !too_long_group && digits >= 10 && digits <= 13 && groups >= 3; }
};

// The number starting at text[i] (a digit, '+' or '('), or "" when the characters there do
// not make one. `end` receives where the scan stopped.
std::string_view phone_at(std::string_view text, std::size_t i, std::size_t& end) {
  std::size_t j = i;
  NumberShape shape;
  std::size_t group = 0;       // digits in the current group
  std::size_t separators = 0;  // in a row
  std::size_t last_digit = i;
  if (text[j] == '+') ++j;
  for (; j < text.size(); ++j) {
    char c = text[j];
    if (is_digit(c)) {
      if (group == 0) ++shape.groups;
      ++group;
      ++shape.digits;
      separators = 0;
      last_digit = j;
      if (group > 4) shape.too_long_group = true;
    } else if (is_separator(c)) {
      group = 0;
      // "(833) 555" has two in a row; more is layout, not a number.
      if (++separators > 2) break;
    } else {
      break;
    }
  }
  end = j;
  // Glued to a letter or a digit after it: part of a code ("555-0148x"); or a time after a
  // date ("2025-03-17 10:30").
  std::size_t after = last_digit + 1;
  if (after < text.size() && (is_alnum(text[after]) || text[after] == ':')) return {};
  if (!shape.fits()) return {};
  // A decimal part ("12 345 678.90") ends in a group of two after a dot.
  if (last_digit >= 3 && text[last_digit - 2] == '.' && is_digit(text[last_digit - 1]) &&
      shape.digits < 11)
    return {};
  return text.substr(i, last_digit + 1 - i);
}

// A number among normalised words, which keep digits and dots together ("888.555.0121") and
// split at everything else: spaced-out digits ("8 0 5 - 5 5 5"), other dashes ("1‑877"), a
// number the raw text scan cannot see. The digits of the first run of words that has the
// shape, joined by spaces.
std::optional<std::string> phone_in_words(std::span<const std::string_view> words) {
  auto numeric = [](std::string_view w) {
    return !w.empty() && is_digit(w.front()) && is_digit(w.back()) &&
           std::all_of(w.begin(), w.end(), [](char c) { return is_digit(c) || c == '.'; });
  };
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (!numeric(words[i])) continue;
    // Each start in a run of numbers: a date or a price may come first.
    NumberShape shape;
    std::string out;
    for (std::size_t j = i; j < words.size() && numeric(words[j]) && shape.digits <= 13; ++j) {
      std::size_t k = 0;
      std::string_view w = words[j];
      while (k < w.size()) {
        std::size_t dot = std::min(w.find('.', k), w.size());
        std::size_t n = dot - k;
        if (n > 0) {
          ++shape.groups;
          shape.digits += n;
          if (n > 4) shape.too_long_group = true;
          if (!out.empty()) out += ' ';
          out += w.substr(k, n);
        }
        k = dot + 1;
      }
      if (shape.too_long_group) break;
      if (shape.fits()) return out;
    }
  }
  return std::nullopt;
}

// Verbs of calling; the reader's denial of a charge ("not you", "didn't authorize", "pas à
// l'origine", "dispute") or a refund waiting for the call; cancelling; a refund. A lure denies
// the charge, or cancels it for a refund; a plumber's "call to cancel the appointment" does
// neither.
enum Group { kCall, kDenial, kCancel, kRefund };

const PhraseMatcher& lure_words() {
  static const PhraseMatcher m = [] {
    PhraseMatcher p;
    p.add_all({"call", "calling", "dial", "phone", "telephone", "helpline", "hotline", "toll free",
               "contact", "reach", "speak", "appelez", "appeler", "composez", "contactez",
               "contacter", "joignez", "telephonez"},
              kCall);
    p.add_all({"unauthorized", "unauthorised", "not you", "wasn t you", "was not you",
               "weren t you", "not authorize*", "not authorise*", "didn t authorize",
               "didn t authorise", "haven t authorized", "not recognize", "not recognise",
               "don t recognize", "don t recognise", "did not make this", "didn t make this",
               "did not make the", "didn t make the", "did not request this", "didn t request this",
               "did not place this", "didn t place this", "not made by you", "not initiated by you",
               "did not initiate", "didn t initiate", "stop the payment", "stop this payment",
               "stop the charge", "stop this charge", "stop the transaction",
               "stop this transaction", "reverse the", "reverse this", "dispute", "disputes",
               "pas a l origine", "ne reconnaissez", "reconnaissez vous pas", "n avez pas autorise",
               "n avez pas effectue", "n avez pas commande", "si ce n est pas vous", "contester",
               "contestation", "faire opposition",
               // A refund waiting for a call: the refund scam's variant.
               "process your refund", "claim your refund", "receive your refund",
               "eligible for a refund", "eligible for a full refund", "obtenir votre remboursement",
               "recevoir votre remboursement"},
              kDenial);
    p.add_all({"cancel", "cancelled", "canceled", "cancellation", "annuler", "annulent",
               "annulation", "annulez"},
              kCancel);
    p.add_all({"refund", "refunded", "refunds", "rembourse", "remboursement", "remboursee",
               "rembourses", "remboursements"},
              kRefund);
    return p;
  }();
  return m;
}

constexpr std::string_view kCurrencyWords[] = {"usd", "eur",     "gbp",  "cad",
                                               "aud", "dollars", "euros"};

// "$399.99", "399,99 €", "£ 49" in `raw`, or a number next to a currency's code or name in
// `words` (normalisation writes "$" as "usd").
bool names_an_amount(std::string_view raw, const NormalizedText& words) {
  static constexpr std::string_view kSymbols[] = {"$", "\xe2\x82\xac", "\xc2\xa3"};  // $ € £
  for (std::string_view sym : kSymbols) {
    for (std::size_t at = raw.find(sym); at != std::string_view::npos;
         at = raw.find(sym, at + sym.size())) {
      std::size_t after = at + sym.size();
      if (after < raw.size() && raw[after] == ' ') ++after;
      if (after < raw.size() && is_digit(raw[after])) return true;
      std::size_t before = at;
      if (before > 0 && raw[before - 1] == ' ') --before;
      if (before > 0 && is_digit(raw[before - 1])) return true;
    }
  }
  auto currency = [](std::string_view w) {
    return std::find(std::begin(kCurrencyWords), std::end(kCurrencyWords), w) !=
           std::end(kCurrencyWords);
  };
  for (std::size_t i = 1; i < words.words.size(); ++i) {
    std::string_view a = words.words[i - 1];
    std::string_view b = words.words[i];
    if ((is_digit(a.back()) && currency(b)) || (currency(a) && is_digit(b.front()))) return true;
  }
  return false;
}

// The writer speaking of themselves: a customer about their own charge ("I did not authorize
// it, please call me"), somebody warning a friend ("I didn't call them"). A lure's call to
// action speaks of the reader and of "our" team.
bool first_person(std::span<const std::string_view> words) {
  static constexpr std::string_view kMe[] = {"i", "me", "my", "je", "j", "moi"};
  return std::any_of(words.begin(), words.end(), [](std::string_view w) {
    return std::find(std::begin(kMe), std::end(kMe), w) != std::end(kMe);
  });
}

// A call to action about the charge in these words: a number, a verb of calling, and a
// denial or a cancellation for a refund, not in the first person.
std::optional<std::string> call_to_action(std::span<const std::string_view> words,
                                          std::span<const std::uint64_t> hashes,
                                          std::vector<int>& hits) {
  lure_words().match(words, hashes, hits);
  if (hits[kCall] == 0 || (hits[kDenial] == 0 && (hits[kCancel] == 0 || hits[kRefund] == 0)))
    return std::nullopt;
  if (first_person(words)) return std::nullopt;
  return phone_in_words(words);
}

// In one sentence or the next ("Didn't authorize this? Call +1 - 8 0 5 ..."): a newsletter's
// unsubscribe footer and its shop's "call 1-800-..." are paragraphs apart.
std::optional<std::string> call_to_action(const NormalizedText& text) {
  std::vector<int> hits;
  lure_words().match(text, hits);
  if (hits[kCall] == 0 || (hits[kDenial] == 0 && (hits[kCancel] == 0 || hits[kRefund] == 0)))
    return std::nullopt;
  const std::size_t n = text.words.size();
  std::size_t start = 0;       // of the current sentence
  std::size_t prev_start = 0;  // of the sentence before it
  auto numeric = [&](std::size_t i) { return i < n && is_digit(text.words[i].front()); };
  for (std::size_t i = 0; i < n; ++i) {
    // A colon announces what follows ("Toll Free: +1 ..."), and dots between digits are a
    // number's ("0 1 . 9 9 . 0 0"), not ends of sentences.
    if (i + 1 < n && (text.clause_end[i] != 2 || (numeric(i) && numeric(i + 1)))) continue;
    std::span words(text.words.data() + prev_start, i + 1 - prev_start);
    std::span hashes(text.hashes.data() + prev_start, i + 1 - prev_start);
    if (auto number = call_to_action(words, hashes, hits)) return number;
    prev_start = start;
    start = i + 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> find_phone_number(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!is_digit(c) && c != '+' && c != '(') continue;
    // Glued to what comes before: "FR76 3000", "ID12-345", "x+1".
    if (i > 0 && (is_alnum(text[i - 1]) || text[i - 1] == '+' || text[i - 1] == '#' ||
                  text[i - 1] == '/' || text[i - 1] == '=' || text[i - 1] == '_'))
      continue;
    // ... or through a hyphen or a dot: the rest of a code ("ID12-345-678-9012").
    if (i > 1 && (text[i - 1] == '-' || text[i - 1] == '.') && is_alnum(text[i - 2])) continue;
    std::size_t end = i;
    std::string_view number = phone_at(text, i, end);
    if (!number.empty()) return std::string(number.substr(0, 32));
    i = std::max(i, end == 0 ? i : end - 1);
  }
  return std::nullopt;
}

std::optional<CallbackLure> find_callback_lure(std::string_view text, const NormalizedText& body,
                                               std::string_view subject,
                                               const NormalizedText& subject_words) {
  auto number = call_to_action(body);
  if (!number) number = call_to_action(subject_words);
  if (!number) return std::nullopt;
  if (!names_an_amount(text, body) && !names_an_amount(subject, subject_words)) return std::nullopt;
  // The number as written when the text shows one plainly; else its digits.
  auto written = find_phone_number(text);
  if (!written) written = find_phone_number(subject);
  return CallbackLure{written ? std::move(*written) : std::move(*number)};
}

}  // namespace facteur::filter
