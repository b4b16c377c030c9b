#include "filter/callback_lure.hpp"

#include <algorithm>
#include <span>
#include <vector>

#include "base/strings.hpp"
#include "filter/phrases.hpp"

namespace facteur::filter {
namespace {

// The length of the separator at text[j], 0 when there is none: a space, a hyphen, a dot, a
// parenthesis, or in UTF-8 a no-break space (U+00A0, U+202F), a Unicode hyphen or dash
// (U+2010..U+2015) or a minus sign (U+2212).
std::size_t separator_at(std::string_view text, std::size_t j) {
  char c = text[j];
  if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') return 1;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  if (j + 1 < text.size() && at(j) == 0xC2 && at(j + 1) == 0xA0) return 2;
  if (j + 2 >= text.size() || at(j) != 0xE2) return 0;
  unsigned a = at(j + 1), b = at(j + 2);
  if (a == 0x80 && ((b >= 0x90 && b <= 0x95) || b == 0xAF)) return 3;
  if (a == 0x88 && b == 0x92) return 3;
  return 0;
}

// The number starting at text[i] (a digit, '+' or '('), or "" when the characters there do
// not make one: 10 to 13 digits in 3 groups or more of at most 4. `end` receives where the
// scan stopped.
std::string_view phone_at(std::string_view text, std::size_t i, std::size_t& end) {
  std::size_t j = i;
  std::size_t digits = 0, groups = 0, group = 0, separators = 0, dots = 0;
  bool long_group = false;
  std::size_t last_digit = i;
  if (text[j] == '+') ++j;
  while (j < text.size()) {
    if (ascii_digit(text[j])) {
      if (group == 0) ++groups;
      ++group;
      ++digits;
      separators = 0;
      last_digit = j;
      long_group = long_group || group > 4;
      ++j;
    } else if (std::size_t n = separator_at(text, j); n > 0) {
      // A full stop right after a digit and before a space or a line break ends the sentence,
      // and the number with it ("... 555-0148. 2024 ..."); "01 . 99" is spaced out instead.
      if (text[j] == '.' && j > 0 && ascii_digit(text[j - 1]) &&
          (j + 1 == text.size() || text[j + 1] == ' ' || text[j + 1] == '\n' ||
           text[j + 1] == '\r'))
        break;
      if (text[j] == '.') ++dots;
      group = 0;
      // "(833) 555" has two in a row, "+1 - 805" or "01 . 99" three; more is layout.
      if (++separators > 3) break;
      j += n;
    } else {
      break;
    }
  }
  end = j;
  // Glued to a letter or a digit after it: part of a code ("555-0148x"); or a time after a
  // date ("2025-03-17 10:30").
  std::size_t after = last_digit + 1;
  if (after < text.size() && (ascii_alnum(text[after]) || text[after] == ':')) return {};
  if (long_group || digits < 10 || digits > 13 || groups < 3) return {};
  // A decimal part ("12 345 678.90") ends in a group of two after the only dot (French
  // numbers are written "01.23.45.67.89").
  if (dots == 1 && last_digit >= 3 && text[last_digit - 2] == '.' &&
      ascii_digit(text[last_digit - 1]))
    return {};
  return text.substr(i, last_digit + 1 - i);
}

// Every telephone number in `text`, at most `max`.
std::vector<std::string_view> phone_numbers(std::string_view text, std::size_t max) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < text.size() && out.size() < max; ++i) {
    char c = text[i];
    if (!ascii_digit(c) && c != '+' && c != '(') continue;
    // Glued to what comes before: "FR76 3000", "ID12-345", "x+1".
    if (i > 0 && (ascii_alnum(text[i - 1]) || text[i - 1] == '+' || text[i - 1] == '#' ||
                  text[i - 1] == '/' || text[i - 1] == '=' || text[i - 1] == '_'))
      continue;
    // ... or through a hyphen or a dot: the rest of a code ("ID12-345-678-9012").
    if (i > 1 && (text[i - 1] == '-' || text[i - 1] == '.') && ascii_alnum(text[i - 2])) continue;
    std::size_t end = i;
    std::string_view number = phone_at(text, i, end);
    if (!number.empty()) out.push_back(number);
    i = std::max(i, end == 0 ? i : end - 1);
  }
  return out;
}

std::string digits_of(std::string_view number) {
  std::string out;
  for (char c : number)
    if (ascii_digit(c)) out += c;
  return out;
}

// Verbs of calling; the reader's denial of a charge ("if this wasn't you", "didn't authorize
// this?", "pas à l'origine") or a refund waiting for the call. A plumber's "call to cancel the
// appointment", a shop's "for billing disputes, call us" or a cancellation policy's refund
// deny no charge.
enum Group { kCall, kDenial, kCancel, kRefund };

const PhraseMatcher& lure_words() {
  static const PhraseMatcher m = [] {
    PhraseMatcher p;
    p.add_all(
        {"call",       "calling", "called",    "dial",      "phone",    "phoning",    "telephone",
         "helpline",   "hotline", "toll free", "ring",      "contact",  "contacting", "reach",
         "speak",      "appelez", "appeler",   "appelant",  "composez", "contactez",  "contacter",
         "contactant", "joignez", "joindre",   "telephonez"},
        kCall);
    p.add_all(
        {"unauthorized", "unauthorised", "if not you", "not you call", "not you contact",
         "not you please", "wasn t you", "was not you", "weren t you", "not authorize*",
         "not authorise*", "didn t authorize", "didn t authorise", "haven t authorized",
         "not recognize", "not recognise", "don t recognize", "don t recognise",
         "did not make this", "didn t make this", "did not make the", "didn t make the",
         "did not request this", "didn t request this", "did not place this", "didn t place this",
         "not made by you", "not initiated by you", "did not initiate", "didn t initiate",
         "stop the payment", "stop this payment", "stop the charge", "stop this charge",
         "stop the transaction", "stop this transaction", "reverse the", "reverse this",
         "pas a l origine", "ne reconnaissez", "reconnaissez vous pas", "n avez pas autorise",
         "n avez pas effectue", "n avez pas commande", "si ce n est pas vous", "faire opposition",
         // A refund waiting for a call: the refund scam's variant.
         "process your refund", "claim your refund", "receive your refund", "eligible for a refund",
         "eligible for a full refund", "obtenir votre remboursement",
         "recevoir votre remboursement"},
        kDenial);
    p.add_all(
        {"cancel", "cancelled", "canceled", "cancellation", "annuler", "annulation", "annulez"},
        kCancel);
    p.add_all({"refund", "refunded", "rembourse", "remboursement", "remboursee"}, kRefund);
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
      if (after < raw.size() && ascii_digit(raw[after])) return true;
      std::size_t before = at;
      if (before > 0 && raw[before - 1] == ' ') --before;
      if (before > 0 && ascii_digit(raw[before - 1])) return true;
    }
  }
  auto currency = [](std::string_view w) {
    return std::find(std::begin(kCurrencyWords), std::end(kCurrencyWords), w) !=
           std::end(kCurrencyWords);
  };
  for (std::size_t i = 1; i < words.words.size(); ++i) {
    std::string_view a = words.words[i - 1];
    std::string_view b = words.words[i];
    if ((ascii_digit(a.back()) && currency(b)) || (currency(a) && ascii_digit(b.front())))
      return true;
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

// Which of `numbers` (as digits) these words show: runs of numeric words (normalisation keeps
// digits and dots together, "888.555.0121", and splits at everything else).
std::size_t number_in_words(std::span<const std::string_view> words,
                            std::span<const std::string> numbers) {
  std::string run;
  auto found = [&]() {
    for (std::size_t n = 0; n < numbers.size(); ++n)
      if (run.find(numbers[n]) != std::string::npos) return n;
    return numbers.size();
  };
  for (std::string_view w : words) {
    if (std::all_of(w.begin(), w.end(), [](char c) { return ascii_digit(c) || c == '.'; })) {
      if (run.size() < 64) run += digits_of(w);
      continue;
    }
    if (std::size_t n = found(); n < numbers.size()) return n;
    run.clear();
  }
  return found();
}

struct Action {
  std::size_t number;  // index into the numbers; numbers.size() when there is none
  bool denial = false;
};

bool any_action(const std::vector<int>& hits) {
  return hits[kCall] > 0 && (hits[kDenial] > 0 || (hits[kCancel] > 0 && hits[kRefund] > 0));
}

// A call to action about a charge in these words: one of the message's numbers, a verb of
// calling, and a denial or else a cancellation for a refund; not in the first person.
Action call_to_action(std::span<const std::string_view> words,
                      std::span<const std::uint64_t> hashes, std::span<const std::string> numbers,
                      std::vector<int>& hits) {
  lure_words().match(words, hashes, hits);
  if (!any_action(hits) || first_person(words)) return {numbers.size()};
  return {number_in_words(words, numbers), hits[kDenial] > 0};
}

// Within three sentences, as punctuation ends them ("Didn't authorize this? Don't worry. Speak
// with a specialist: +1 (808) ..."): a newsletter's footer and its shop's "call 1-800-..." are
// paragraphs apart. A denial anywhere wins over a cancellation. (The caller has seen the words
// somewhere in the text.)
Action call_to_action(const NormalizedText& text, std::span<const std::string> numbers) {
  std::vector<int> hits;
  const std::size_t n = text.words.size();
  auto numeric = [&](std::size_t i) { return i < n && ascii_digit(text.words[i].front()); };
  std::size_t starts[3] = {0, 0, 0};  // of this sentence and the two before it
  Action best{numbers.size()};
  for (std::size_t i = 0; i < n; ++i) {
    // A colon announces what follows ("Toll Free: +1 ..."), and dots between digits are a
    // number's ("0 1 . 9 9 . 0 0"), not ends of sentences.
    if (i + 1 < n && (text.clause_end[i] != 2 || (numeric(i) && numeric(i + 1)))) continue;
    // The closest reading first: this sentence, then with one, then two before it.
    for (std::size_t from : starts) {
      std::span words(text.words.data() + from, i + 1 - from);
      std::span hashes(text.hashes.data() + from, i + 1 - from);
      Action a = call_to_action(words, hashes, numbers, hits);
      if (a.number < numbers.size() &&
          (best.number == numbers.size() || (a.denial && !best.denial)))
        best = a;
      if (best.denial) break;
    }
    if (best.denial) return best;
    starts[2] = starts[1];
    starts[1] = starts[0];
    starts[0] = i + 1;
  }
  return best;
}

}  // namespace

std::optional<std::string> find_phone_number(std::string_view text) {
  auto numbers = phone_numbers(text, 1);
  if (numbers.empty()) return std::nullopt;
  return std::string(numbers.front().substr(0, 32));
}

std::optional<CallbackLure> find_callback_lure(std::string_view text, const NormalizedText& body,
                                               std::string_view subject,
                                               const NormalizedText& subject_words) {
  // The words first, once over the whole text: most mail has no call to action, and its text
  // need not be scanned for numbers.
  std::vector<int> hits;
  lure_words().match(body, hits);
  const bool in_body = any_action(hits);
  lure_words().match(subject_words, hits);
  const bool in_subject = any_action(hits);
  if (!in_body && !in_subject) return std::nullopt;
  // The numbers written in the text and the subject, then the call to action that gives one.
  constexpr std::size_t kMaxNumbers = 16;
  std::vector<std::string_view> written = phone_numbers(text, kMaxNumbers);
  for (auto n : phone_numbers(subject, 2))
    written.push_back(n);
  if (written.empty()) return std::nullopt;
  std::vector<std::string> digits;
  for (auto n : written)
    digits.push_back(digits_of(n));
  Action a{digits.size()};
  if (in_body) a = call_to_action(body, digits);
  if (!a.denial && in_subject) {
    Action subject_action = call_to_action(subject_words, digits);
    if (subject_action.number < digits.size()) a = subject_action;
  }
  if (a.number == digits.size()) return std::nullopt;
  if (!names_an_amount(text, body) && !names_an_amount(subject, subject_words)) return std::nullopt;
  return CallbackLure{std::string(written[a.number].substr(0, 32)), a.denial};
}

}  // namespace facteur::filter
