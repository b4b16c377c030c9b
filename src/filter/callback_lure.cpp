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

// The number starting at text[i] (a digit, '+' or '('), or "" when the characters there do
// not make one. `end` receives where the scan stopped.
std::string_view phone_at(std::string_view text, std::size_t i, std::size_t& end) {
  std::size_t j = i;
  std::size_t digits = 0;
  std::size_t groups = 0;
  std::size_t group = 0;       // digits in the current group
  std::size_t separators = 0;  // in a row
  std::size_t last_digit = i;
  bool ok = true;
  if (text[j] == '+') ++j;
  for (; j < text.size(); ++j) {
    char c = text[j];
    if (is_digit(c)) {
      if (group == 0) ++groups;
      ++group;
      ++digits;
      separators = 0;
      last_digit = j;
      if (group > 4 || digits > 13) ok = false;
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
  if (after < text.size() && (is_alnum(text[after]) || text[after] == ':')) ok = false;
  if (!ok || digits < 10 || groups < 3) return {};
  // A decimal part ("1 234 567.89") ends in a group of two after a dot.
  if (last_digit >= 3 && text[last_digit - 2] == '.' && is_digit(text[last_digit - 1]) &&
      digits < 11)
    return {};
  return text.substr(i, last_digit + 1 - i);
}

// Verbs of calling (words), and the condition put to the reader about a charge (phrases).
enum Group { kCall, kCondition };

const PhraseMatcher& lure_phrases() {
  static const PhraseMatcher m = [] {
    PhraseMatcher p;
    p.add_all({"call", "dial", "phone", "telephone", "helpline", "hotline", "toll free", "appelez",
               "appeler", "composez", "contactez", "joignez", "telephonez"},
              kCall);
    p.add_all({"if you did not authorize",
               "if you did not authorise",
               "if you didn t authorize",
               "if you didn t authorise",
               "if you did not make this",
               "if you didn t make this",
               "if you did not place this",
               "if you didn t place this",
               "if you did not initiate",
               "if you didn t initiate",
               "if you did not request",
               "if you didn t request",
               "if you did not order",
               "if you didn t order",
               "if you do not recognize",
               "if you don t recognize",
               "if you do not recognise",
               "if you don t recognise",
               "if this wasn t you",
               "if this was not you",
               "if this is not you",
               "if it wasn t you",
               "if it was not you",
               "if you wish to cancel this",
               "if you want to cancel this",
               "if you would like to cancel this",
               "if you wish to cancel the renewal",
               "if you want to cancel the renewal",
               "if you wish to dispute",
               "if you want to dispute",
               "if you wish to request a refund",
               "if you want a refund",
               "cancel and receive a refund",
               "cancel and receive a full refund",
               "cancel and get a refund",
               "cancel and get a full refund",
               "to cancel this transaction",
               "to cancel this charge",
               "to cancel this payment",
               "to cancel this order",
               "to cancel this renewal",
               "to cancel the renewal",
               "si vous n etes pas a l origine",
               "si vous n avez pas effectue",
               "si vous n avez pas autorise",
               "si vous n avez pas commande",
               "si vous ne reconnaissez pas",
               "si vous souhaitez annuler cette",
               "si vous voulez annuler cette",
               "pour annuler cette commande",
               "pour annuler ce paiement",
               "pour annuler ce prelevement",
               "pour annuler cette transaction",
               "pour annuler le renouvellement"},
              kCondition);
    return p;
  }();
  return m;
}

constexpr std::string_view kCurrencyWords[] = {"usd", "eur",     "gbp",  "cad",
                                               "aud", "dollars", "euros"};

// "$399.99", "399,99 €", "£ 49" in `raw`, or a number followed by a currency's code or name
// in `words`.
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
  for (std::size_t i = 1; i < words.words.size(); ++i) {
    std::string_view w = words.words[i];
    if (is_digit(words.words[i - 1].back()) &&
        std::find(std::begin(kCurrencyWords), std::end(kCurrencyWords), w) !=
            std::end(kCurrencyWords))
      return true;
  }
  return false;
}

// The condition and a verb of calling in one sentence or the next ("If you did not authorize
// this charge, please call our Billing Department at ..."): a newsletter's "if you want to
// cancel this subscription" and its shop's "call 1-800-..." are paragraphs apart.
bool condition_then_call(const NormalizedText& body) {
  std::vector<int> hits;
  lure_phrases().match(body, hits);
  if (hits[kCondition] == 0 || hits[kCall] == 0) return false;
  const std::size_t n = body.words.size();
  std::size_t start = 0;       // of the current sentence
  std::size_t prev_start = 0;  // of the sentence before it
  for (std::size_t i = 0; i < n; ++i) {
    if (body.clause_end[i] < 2 && i + 1 < n) continue;
    // Sentences [prev_start, i]: the previous one and this one.
    std::span words(body.words.data() + prev_start, i + 1 - prev_start);
    std::span hashes(body.hashes.data() + prev_start, i + 1 - prev_start);
    lure_phrases().match(words, hashes, hits);
    if (hits[kCondition] > 0 && hits[kCall] > 0) return true;
    prev_start = start;
    start = i + 1;
  }
  return false;
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
  if (!condition_then_call(body)) return std::nullopt;
  auto phone = find_phone_number(text);
  if (!phone) return std::nullopt;
  if (!names_an_amount(text, body) && !names_an_amount(subject, subject_words)) return std::nullopt;
  return CallbackLure{std::move(*phone)};
}

}  // namespace facteur::filter
