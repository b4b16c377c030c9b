#include "filter/chain_plea.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <unordered_map>

#include "filter/hash.hpp"

namespace facteur::filter {
namespace {

enum class Role : std::uint8_t {
  verb,           // passes the message on: "forward", "envoyez", "relayez"
  warn_verb,      // tells people, needs a mass audience to be a plea: "tell", "prévenez"
  causative,      // French "faites" / "fais" / "faire", a plea with "suivre", "passer"...
  causative_end,  // "suivre", "passer", "circuler", "tourner"
  object,         // what is passed on: "this", "it", "ce", "le", "message"
  particle,       // English "on", "along": "pass it on"
  to,             // "to", "à", "aux", "avec": an audience follows
  mass,           // an audience of everybody: "everyone", "tous", "contacts", "autour"
  crowd,          // needs a number or "all" before it: "people", "personnes", "women"
  all,            // "all", "many", "the" (+ people you...), "plus" (le plus de monde)
  number_word,    // "seven", "neuf", "dozen"
  possessive,     // "your", "vos": an audience when a mass or crowd word follows
};

const std::unordered_map<std::uint64_t, Role>& roles() {
  static const std::unordered_map<std::uint64_t, Role> m = [] {
    std::unordered_map<std::uint64_t, Role> r;
    auto add = [&](std::initializer_list<std::string_view> words, Role role) {
      for (auto w : words)
        r.emplace(token_hash(w), role);
    };
    add({"forward",     "forwards",    "fwd",       "send",       "sends",      "resend",
         "pass",        "passes",      "share",     "shares",     "repost",     "circulate",
         "spread",      "envoie",      "envoies",   "envoyez",    "envoyer",    "renvoie",
         "renvoyez",    "renvoyer",    "transfere", "transferez", "transferer", "transmets",
         "transmettez", "transmettre", "partage",   "partagez",   "partager",   "diffuse",
         "diffusez",    "diffuser",    "relaie",    "relayez",    "relayer",    "copiez",
         "recopiez"},
        Role::verb);
    add({"tell", "warn", "alert", "prevenez", "previens", "prevenir", "avertissez", "avertis",
         "informez", "alertez"},
        Role::warn_verb);
    add({"faites", "fais", "faire", "mettez", "mets"}, Role::causative);
    add({"suivre", "passer", "circuler", "tourner", "copie"}, Role::causative_end);
    add({"this",   "it",     "these",   "them",     "message", "email",       "e",    "mail",
         "letter", "prayer", "warning", "note",     "info",    "information", "ce",   "cet",
         "cette",  "le",     "la",      "les",      "l",       "lui",         "leur", "ca",
         "priere", "lettre", "alerte",  "courriel", "on",      "along",       "en"},
        Role::object);
    add({"to", "with", "a", "aux", "avec"}, Role::to);
    add({"everyone", "everybody", "everyones", "tous",   "toutes",         "monde",
         "maximum",  "largement", "entourage", "carnet", "correspondants", "connaissances",
         "contacts", "friends",   "amis",      "amies",  "proches",        "copains",
         "copines",  "loved",     "autour",    "nombre"},
        Role::mass);
    add({"people",   "persons",  "personnes", "gens",    "women", "femmes", "ladies",
         "girls",    "men",      "hommes",    "names",   "noms",  "others", "autres",
         "families", "familles", "parents",   "mothers", "meres", "kids"},
        Role::crowd);
    add({"all", "many", "every", "plus", "max", "as", "at", "au"}, Role::all);
    add({"your", "vos", "votre", "tes", "ton"}, Role::possessive);
    add({"three",  "four",   "five",    "six",    "seven",     "eight", "nine",    "ten",
         "eleven", "twelve", "fifteen", "twenty", "thirty",    "fifty", "hundred", "dozen",
         "trois",  "quatre", "cinq",    "sept",   "huit",      "neuf",  "dix",     "onze",
         "douze",  "quinze", "vingt",   "trente", "cinquante", "cent"},
        Role::number_word);
    return r;
  }();
  return m;
}

constexpr std::size_t kWindow = 9;  // words after the verb where its audience may be

const Role* role_of(std::uint64_t hash) {
  const auto& m = roles();
  auto it = m.find(hash);
  return it == m.end() ? nullptr : &it->second;
}

bool is_count(std::string_view w) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
  return ec == std::errc{} && end == w.data() + w.size() && n >= 3 && n <= 10'000;
}

// Whether words [from, to) name an audience of everybody: a mass word ("everyone",
// "contacts"), or a crowd word ("people") after a number, "all" or "many" ("seven people",
// "all the women in your life", "as many of the people").
bool mass_audience(std::span<const std::string_view> words, std::span<const std::uint64_t> hashes,
                   std::size_t from, std::size_t to) {
  std::size_t quantified_until = 0;  // a crowd word before this index is counted
  for (std::size_t i = from; i < to; ++i) {
    const Role* r = role_of(hashes[i]);
    if (r && *r == Role::mass) return true;
    // "anyone you know", not "anyone who might be able to give".
    if (words[i] == "anyone" && i + 1 < to && words[i + 1] == "you") return true;
    if ((r && (*r == Role::all || *r == Role::number_word)) || is_count(words[i])) {
      quantified_until = i + 4;
      continue;
    }
    if (r && *r == Role::crowd && i < quantified_until) return true;
  }
  return false;
}

bool reports_forward(std::string_view previous) {
  static constexpr std::string_view kSubjects[] = {
      "je", "te", "tu", "nous", "on",   "il",   "elle",  "ils", "elles", "i",
      "ll", "we", "he", "she",  "they", "will", "would", "d",   "ve",    "already"};
  return std::find(std::begin(kSubjects), std::end(kSubjects), previous) != std::end(kSubjects);
}

bool english_verb(std::string_view w) {
  static constexpr std::string_view kEnglish[] = {
      "forward", "forwards", "fwd",    "send",      "sends",  "resend", "pass", "passes",
      "share",   "shares",   "repost", "circulate", "spread", "tell",   "warn", "alert"};
  return std::find(std::begin(kEnglish), std::end(kEnglish), w) != std::end(kEnglish);
}

// Whether an audience begins at `i`: a mass word, a quantifier ("all", "seven", "18", "au
// moins"), or a possessive before a mass or crowd word ("vos proches", "your friends").
bool starts_audience(std::span<const std::string_view> words, std::span<const std::uint64_t> hashes,
                     std::size_t i) {
  if (i >= words.size() || i >= hashes.size()) return false;
  if (is_count(words[i])) return true;
  const Role* r = role_of(hashes[i]);
  if (!r) return false;
  if (*r == Role::mass || *r == Role::all || *r == Role::number_word) return true;
  if (*r != Role::possessive || i + 1 >= hashes.size()) return false;
  const Role* then = role_of(hashes[i + 1]);
  return then && (*then == Role::mass || *then == Role::crowd);
}

}  // namespace

ChainPleas find_chain_pleas(std::span<const std::string_view> words,
                            std::span<const std::uint64_t> hashes) {
  ChainPleas found;
  const std::size_t n = std::min(words.size(), hashes.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Role* r = role_of(hashes[i]);
    if (!r) continue;
    std::size_t end = i + 1;  // first word after the verb
    bool warn_only = *r == Role::warn_verb;
    // A plea is an imperative; "je te fais suivre", "I'll pass it on" report a forward.
    if (i > 0 && reports_forward(words[i - 1])) continue;
    if (*r == Role::causative) {
      // "faites suivre", "fais-le passer", "faites circuler ce message".
      std::size_t j = i + 1;
      while (j < n && j < i + 3 && role_of(hashes[j]) && *role_of(hashes[j]) == Role::object)
        ++j;
      if (j >= n || !role_of(hashes[j]) || *role_of(hashes[j]) != Role::causative_end) continue;
      end = j + 1;
    } else if (*r != Role::verb && !warn_only) {
      continue;
    }
    // The verb's object is the message itself ("this", "it", "ce message", "cette prière",
    // "it on") or nothing; then its audience: after "to" / "à" / "with", or right there
    // ("tell everyone", "prévenez vos proches", "partagez autour de vous"). "Share your
    // creation with friends", "send a dozen pics to a dozen people" pass on something else.
    std::size_t j = end;
    bool particle = *r == Role::causative;
    while (j < n && j < end + 4) {
      const Role* o = role_of(hashes[j]);
      if (!o || *o != Role::object) break;
      if (words[j] == "on" || words[j] == "along") particle = true;
      ++j;
    }
    const Role* next = j < n ? role_of(hashes[j]) : nullptr;
    // "à" is "a" once normalised: after an English verb it is the article ("send a mass
    // e-mail to my contacts").
    bool addressed = next && *next == Role::to && !(words[j] == "a" && english_verb(words[i]));
    std::size_t from = addressed ? j + 1 : j;
    bool audience_here = addressed || starts_audience(words, hashes, from);
    if (audience_here && mass_audience(words, hashes, from, std::min(n, from + kWindow))) {
      ++found.mass;
      i = from;  // one plea, however many audience words it names
      continue;
    }
    if (warn_only) continue;
    // No audience of everybody: "pass it on" / "faites circuler" with nobody named is still a
    // plea; "pass this on to Grandma", "à vos équipes" is an ordinary forward.
    bool french_verb = !words[i].empty() && (words[i].back() == 'z' || words[i].back() == 'r');
    if (!particle && !(french_verb && *r == Role::verb)) continue;
    if (addressed || (j < n && !role_of(hashes[j]) && !particle)) continue;
    ++found.open;
  }
  return found;
}

}  // namespace facteur::filter
