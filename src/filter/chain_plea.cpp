#include "filter/chain_plea.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <unordered_map>

#include "filter/hash.hpp"

namespace facteur::filter {
namespace {

enum class Role : std::uint8_t {
  verb,           // passes the message on: "forward", "envoyez", "relayez"
  warn_verb,      // tells people, a plea only with a mass audience: "tell", "prévenez"
  causative,      // French "faites" / "fais" / "mettez", a plea with "suivre", "passer"...
  causative_end,  // "suivre", "passer", "circuler", "tourner", "(en) copie"
  object,         // the message passed on: "this", "it", "ce", "le", "message", "on"
  to,             // "to", "à", "aux", "with", "avec": an audience follows
  mass,           // an audience of everybody: "everyone", "contacts", "proches", "monde"
  adverb,         // everybody, said of the passing on: "autour", "largement", "maximum"
  crowd,          // "people", "personnes", "women": everybody after a quantifier only
  counted_crowd,  // "users", "membres": everybody after a number only ("15 other Hotmail
                  // users"; "all members of your team" is a team)
  quantifier,     // "all", "many", "at (least)", "au (moins)", "tous", "tout"
  number_word,    // "seven", "neuf", "dozen"
  possessive,     // "your", "vos": an audience when a mass or crowd word follows
  connector,      // may sit inside an audience: "the", "of", "de", "least", "moins"
};

// Verbs of passing on and of warning, by language (the English ones also tell "à" from the
// article "a").
constexpr std::string_view kEnglishVerbs[] = {"forward", "forwards",  "fwd",    "send",  "sends",
                                              "resend",  "pass",      "passes", "share", "shares",
                                              "repost",  "circulate", "spread", "copy"};
constexpr std::string_view kFrenchVerbs[] = {
    "envoie", "envoies", "envoyez", "envoyer", "renvoie", "renvoyez", "renvoyer", "transfere",
    "transferez", "transferer", "transmets", "transmettez", "transmettre", "partage", "partagez",
    "partager", "diffuse", "diffusez", "diffuser", "relaie", "relayez", "relayer", "copiez",
    "recopiez", "parlez",
    // (SMS spelling of "envoie": "envoi a 15 personne"; the noun comes after "l'", "un", "d'".)
    "envoi"};
// The plea said as the means to an end: "help others by passing this on", "sauvez une vie en
// faisant suivre ce message" (only after "by" / "en": "thanks for forwarding this to everyone"
// reports what was done). Not "by sharing this with your family", "en relayant cette
// information": a charity's and an association's own request.
constexpr std::string_view kEnglishGerunds[] = {"passing", "forwarding", "circulating",
                                                "reposting"};
constexpr std::string_view kFrenchGerunds[] = {"transferant"};
constexpr std::string_view kEnglishWarnings[] = {"tell", "warn", "alert"};
constexpr std::string_view kFrenchWarnings[] = {"prevenez", "previens", "prevenir", "avertissez",
                                                "avertis",  "informez", "alertez"};

bool english_verb(std::string_view w) {
  auto in = [w](std::span<const std::string_view> list) {
    return std::find(list.begin(), list.end(), w) != list.end();
  };
  return in(kEnglishVerbs) || in(kEnglishWarnings) || in(kEnglishGerunds);
}

// (Also the causative "en faisant suivre", a causative like "faites" for the roles.)
bool is_gerund(std::string_view w) {
  return std::find(std::begin(kEnglishGerunds), std::end(kEnglishGerunds), w) !=
             std::end(kEnglishGerunds) ||
         std::find(std::begin(kFrenchGerunds), std::end(kFrenchGerunds), w) !=
             std::end(kFrenchGerunds) ||
         w == "faisant";
}

const std::unordered_map<std::uint64_t, Role>& roles() {
  static const std::unordered_map<std::uint64_t, Role> m = [] {
    std::unordered_map<std::uint64_t, Role> r;
    auto add_list = [&](std::span<const std::string_view> words, Role role) {
      for (auto w : words)
        r.emplace(token_hash(w), role);
    };
    auto add = [&](std::initializer_list<std::string_view> words, Role role) {
      add_list({words.begin(), words.size()}, role);
    };
    add_list(kEnglishVerbs, Role::verb);
    add_list(kFrenchVerbs, Role::verb);
    add_list(kEnglishGerunds, Role::verb);
    add_list(kFrenchGerunds, Role::verb);
    add_list(kEnglishWarnings, Role::warn_verb);
    add_list(kFrenchWarnings, Role::warn_verb);
    add({"faites", "fais", "faire", "mettez", "mets", "faisant"}, Role::causative);
    add({"suivre", "passer", "circuler", "tourner", "copie", "parvenir"}, Role::causative_end);
    add({"this", "it", "these", "them", "message", "email", "e", "mail", "letter", "prayer",
         "warning", "note", "info", "information", "ce", "cet", "cette", "le", "la", "les", "l",
         "lui", "leur", "ca", "priere", "lettre", "alerte", "courriel", "on", "along", "en",
         "around", "the", "word", "please", "svp", "stp", "text", "texte", "poem", "poeme",
         "notice", "pls", "plz", "round",
         // The charm passed on as a person: "send her to ten people".
         "her", "him"},
        Role::object);
    // ("2" is SMS "to": "fwd 2 all ur frnds".)
    add({"to", "with", "a", "aux", "avec", "2"}, Role::to);
    add({"everyone", "everybody", "everyones", "monde", "entourage", "carnet", "correspondants",
         "connaissances", "contacts", "friends", "amis", "amies", "proches", "copains", "copines",
         "loved", "nombre", "frnds"},
        Role::mass);
    add({"autour", "largement", "maximum", "max"}, Role::adverb);
    add({"people", "persons", "personnes", "gens", "women", "femmes", "ladies", "girls", "men",
         "hommes", "names", "noms", "others", "autres", "families", "familles", "parents",
         "mothers", "meres", "kids", "woman", "person", "girl", "mother", "friend",
         // Friends by another name, everybody after a quantity only: "all your buddies" (not
         // a pub's "share it with your mates").
         "buddies", "buddys", "pals", "mates", "potes",
         // "all your near and dear ones", "all the ones you love"
         "ones"},
        Role::crowd);
    add({"users", "utilisateurs", "members", "membres", "personne", "individuals"},
        Role::counted_crowd);
    add({"all", "many", "every", "plus", "as", "at", "au", "tous", "toutes", "tout", "minimum",
         // SMS "tous": "à tt tes contacts".
         "tt", "ts"},
        Role::quantifier);
    add({"your", "vos", "votre", "tes", "ton", "their", "leurs", "ses", "ur"}, Role::possessive);
    add({"three",  "four",   "five",    "six",    "seven",     "eight", "nine",    "ten",
         "eleven", "twelve", "fifteen", "twenty", "thirty",    "fifty", "hundred", "dozen",
         "trois",  "quatre", "cinq",    "sept",   "huit",      "neuf",  "dix",     "onze",
         "douze",  "quinze", "vingt",   "trente", "cinquante", "cent"},
        Role::number_word);
    // Words an audience of everybody may list besides its mass word: "your family, friends
    // and co-workers", "famille, amis et collègues".
    add({"the",       "of",         "least",     "moins",      "de",        "des",  "du",
         "d",         "un",         "une",       "grand",      "possible",  "ceux", "celles",
         "que",       "qui",        "you",       "and",        "or",        "et",   "ou",
         "family",    "famille",    "relatives", "colleagues", "collegues", "co",   "workers",
         "coworkers", "neighbours", "neighbors", "voisins",    "near",      "dear"},
        Role::connector);
    return r;
  }();
  return m;
}

constexpr std::size_t kWindow = 9;  // words after the verb where its audience may be

// The words with their roles and clause ends.
class Words {
 public:
  Words(std::span<const std::string_view> words, std::span<const std::uint64_t> hashes,
        std::span<const std::uint8_t> clause_end)
      : words_(words),
        hashes_(hashes),
        clause_end_(clause_end),
        n_(std::min(words.size(), hashes.size())) {}

  std::size_t size() const noexcept { return n_; }
  std::string_view operator[](std::size_t i) const { return words_[i]; }
  const Role* role(std::size_t i) const {
    if (i >= n_) return nullptr;
    const auto& m = roles();
    auto it = m.find(hashes_[i]);
    return it == m.end() ? nullptr : &it->second;
  }
  bool is(std::size_t i, Role r) const {
    const Role* x = role(i);
    return x && *x == r;
  }
  // Whether a clause (a comma too) or a sentence ends after word i; both after the last word.
  bool ends_clause(std::size_t i) const {
    return i + 1 >= n_ || (i < clause_end_.size() && clause_end_[i] != 0);
  }
  bool ends_sentence(std::size_t i) const {
    return i + 1 >= n_ || (i < clause_end_.size() && clause_end_[i] >= 2);
  }

 private:
  std::span<const std::string_view> words_;
  std::span<const std::uint64_t> hashes_;
  std::span<const std::uint8_t> clause_end_;
  std::size_t n_;
};

// The value of a word written in digits.
std::optional<unsigned> digits_value(std::string_view w) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
  if (ec != std::errc{} || end != w.data() + w.size()) return std::nullopt;
  return n;
}

bool is_count(std::string_view w) {
  auto n = digits_value(w);
  // (Not a year: "send the 2027 fixtures to all members".)
  return n && *n >= 3 && *n <= 10'000 && !(*n >= 1900 && *n <= 2100);
}

bool is_alphabetic(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80;
  });
}

bool is_quantity(const Words& w, std::size_t i) {
  return w.is(i, Role::quantifier) || w.is(i, Role::number_word) || is_count(w[i]);
}

// "largement", "max", "maximum" ending the clause ("diffusez largement", "un max !"), or
// "autour de vous / toi": not "send max 5 files", "autour de midi".
bool adverb_of_everybody(const Words& w, std::size_t i) {
  if (w[i] == "autour")
    return i + 2 < w.size() && w[i + 1] == "de" && (w[i + 2] == "vous" || w[i + 2] == "toi");
  return w.ends_clause(i);
}

// "As widely as possible", "far and wide", and after "to" / "with" "as many as you can": an
// audience of everybody said as a measure ("send this on to as many as you can"; not "send
// as many photos as you can", "share as much as you can about the day", "as far as
// possible").
bool as_widely_as_possible(const Words& w, std::size_t i, bool addressed) {
  auto within = [&](std::size_t k) {  // words i..k in one clause
    for (std::size_t x = i; x < k; ++x)
      if (w.ends_clause(x)) return false;
    return k < w.size();
  };
  if (w[i] == "far") return within(i + 2) && w[i + 1] == "and" && w[i + 2] == "wide";
  if (w[i] != "as" || !within(i + 3)) return false;
  std::string_view how = w[i + 1];
  if (how != "widely" && !(addressed && how == "many")) return false;
  if (w[i + 2] != "as") return false;
  if (w[i + 3] == "possible") return true;
  return within(i + 4) && (w[i + 3] == "you" || w[i + 3] == "u") &&
         (w[i + 4] == "can" || w[i + 4] == "know" || w[i + 4] == "could");
}

// A circle of one's life: family, work, neighbours.
bool life_circle(std::string_view w) {
  static constexpr std::string_view kCircles[] = {
      "family",  "famille",    "relatives", "colleagues", "collegues", "coworkers",
      "workers", "neighbours", "neighbors", "voisins",    "proches",   "parents"};
  return std::find(std::begin(kCircles), std::end(kCircles), w) != std::end(kCircles);
}

// The verb of "the people you love / know / care about", "les gens que vous connaissez".
bool loved_or_known(std::string_view v) {
  static constexpr std::string_view kVerbs[] = {"love",   "know",     "care",       "cherish",
                                                "aimez",  "aimes",    "connaissez", "connais",
                                                "cheris", "cherissez"};
  return std::find(std::begin(kVerbs), std::end(kVerbs), v) != std::end(kVerbs);
}

// Whether the audience starting at `from` is everybody: a mass word ("everyone", "vos
// contacts"), "anyone you know", "tous" ending the clause ("à tous"), or a crowd word after a
// quantity ("seven people", "all the women", "as many of the people", "toutes les
// personnes"). It stops at the end of the sentence and at the first word that cannot be part
// of an audience: "forward this to Paul? Thanks everyone!" names Paul.
bool mass_audience(const Words& w, std::size_t from) {
  bool quantified = false;
  int spheres = 0;        // circles of one's life named: "your family, your co-workers"
  bool numbered = false;  // by a number: "seven", "15"
  int described = 0;      // words describing a counted crowd: "15 other Hotmail users"
  for (std::size_t i = from; i < w.size() && i < from + kWindow; ++i) {
    const Role* r = w.role(i);
    const bool number = w.is(i, Role::number_word) || is_count(w[i]);
    // "The 40 contract users", "les 30 parents": a group known by name, not everybody.
    if (number && i > from &&
        (w[i - 1] == "the" || w[i - 1] == "these" || w[i - 1] == "those" || w[i - 1] == "les" ||
         w[i - 1] == "ces" || w.is(i - 1, Role::possessive) || w[i - 1] == "our" ||
         w[i - 1] == "nos"))
      return false;  // (and "your 12 team members", "vos 30 adhérents")
    if (number) numbered = true;
    if (as_widely_as_possible(w, i, true)) return true;
    // Two circles of one's life are everybody: "your family, your co-workers, and anyone
    // who…", "ta famille et tes collègues" (one is a group: "share it with your family").
    if (life_circle(w[i]) && ++spheres >= 2) return true;
    // "Send this to 7 of them": of the people just named.
    if (numbered && w[i] == "of" && i + 1 < w.size() && w[i + 1] == "them" && !w.ends_clause(i))
      return true;
    if (w[i] == "anyone") {
      if (i + 1 < w.size() && w[i + 1] == "you" && !w.ends_clause(i)) return true;
    } else if (!r && !number) {
      // After a number, two words may say which people: "à 10 vraies amies", "to 15 other
      // Hotmail users", "12 of your closest friends" (not "to 3 different addresses": no
      // crowd follows).
      if (numbered && described < 2 && is_alphabetic(w[i]) && !w.ends_clause(i - 1)) {
        ++described;
        continue;
      }
      return false;
    } else if (r && *r == Role::counted_crowd) {
      if (numbered) return true;
    } else if (r && *r == Role::mass) {
      return true;
    } else if (r && *r == Role::adverb) {
      if (adverb_of_everybody(w, i)) return true;
      quantified = true;  // "à un maximum de personnes"
    } else if (r && *r == Role::crowd) {
      if (quantified) return true;
      // "the women you care about", "les gens que tu aimes": all of them.
      std::size_t k = i + 1;
      if (k < w.size() && !w.ends_clause(i) && w[k] == "que") ++k;
      if (k + 1 < w.size() && !w.ends_clause(k - 1) && !w.ends_clause(k) &&
          (w[k] == "you" || w[k] == "u" || w[k] == "vous" || w[k] == "tu") &&
          loved_or_known(w[k + 1]))
        return true;
    } else if (is_quantity(w, i)) {
      quantified = true;
      if ((w[i] == "tous" || w[i] == "toutes") && w.ends_clause(i)) return true;
      // "à tous ceux que vous aimez / que tu connais": everybody (not "à tous ceux qui
      // étaient là", "à tous ceux que ça intéresse").
      if ((w[i] == "tous" || w[i] == "toutes") && i + 3 < w.size() &&
          (w[i + 1] == "ceux" || w[i + 1] == "celles") && w[i + 2] == "que" &&
          (w[i + 3] == "vous" || w[i + 3] == "tu") && !w.ends_clause(i) && !w.ends_clause(i + 1) &&
          !w.ends_clause(i + 2))
        return true;
    }
    if (w.ends_sentence(i)) return false;  // commas may list the audience
  }
  return false;
}

// Where an audience named without "to" may begin. For a warning verb, any audience ("tell
// everyone", "prévenez vos proches"); for passing on, only a quantity or an adverb ("pass it
// on 7 people", "partagez autour de vous", "diffusez largement"): "transférez vos contacts",
// "envoyez le nombre de participants" pass those on, they do not address them.
bool audience_starts(const Words& w, std::size_t i, bool warning) {
  if (i >= w.size()) return false;
  if (w.is(i, Role::number_word) || is_count(w[i])) return true;
  if (w[i] == "au" && i + 1 < w.size() && w[i + 1] == "plus") return true;  // au plus grand nombre
  if (as_widely_as_possible(w, i, false)) return true;  // "share this as widely as you can"
  // "diffusez largement", "partagez un max", "au maximum", "autour de vous".
  std::size_t a = (w[i] == "au" || w[i] == "un") && !w.ends_clause(i) ? i + 1 : i;
  // "Diffusez largement autour de vous": the second adverb says it.
  if (w.is(a, Role::adverb))
    return adverb_of_everybody(w, a) ||
           (!w.ends_clause(a) && w.is(a + 1, Role::adverb) && adverb_of_everybody(w, a + 1));
  if (!warning) return false;
  if (is_quantity(w, i)) return true;
  if (w.is(i, Role::crowd)) return true;  // "tell (the) women you care about"
  if (w.is(i, Role::mass) || w[i] == "anyone") return true;
  return w.is(i, Role::possessive) && (w.is(i + 1, Role::mass) || w.is(i + 1, Role::crowd));
}

// "Envoi a 15 personne": the SMS order names a small number or everybody right after "a"
// ("Envoi à 250 personnes." ends a mailing's report).
bool sms_envoi(const Words& w, std::size_t i) {
  // ("envoi sa a tt tes contacts": the message, "ça" in SMS, may come first.)
  if (i + 1 < w.size() && !w.ends_clause(i) &&
      (w[i + 1] == "sa" || w[i + 1] == "ca" || w[i + 1] == "le" || w[i + 1] == "la"))
    ++i;
  if (i + 2 >= w.size() || w.ends_clause(i) || w[i + 1] != "a") return false;
  std::string_view n = w[i + 2];
  if (auto value = digits_value(n)) return *value >= 3 && *value <= 30;
  return w.is(i + 2, Role::number_word) || n == "tous" || n == "toutes" || n == "tt";
}

// Whether word i starts its clause, or follows a word that starts it and only says "so":
// "alors envoie ça à tous", "so send this".
bool starts_clause_or_after_so(const Words& w, std::size_t i) {
  if (i == 0 || w.ends_clause(i - 1)) return true;
  std::string_view so = w[i - 1];
  if (so != "alors" && so != "alor" && so != "donc" && so != "so") return false;
  return i == 1 || w.ends_clause(i - 2);
}

// A deadline in minutes right after a plea: "send on within 13 minutes",
// "envoie-le dans les 10 min" (a luck chain's, never a mailing's).
bool deadline(const Words& w, std::size_t j) {
  if (j + 2 >= w.size()) return false;
  std::size_t k = j;
  if (w[k] != "within" && w[k] != "in" && w[k] != "dans" && w[k] != "en") return false;
  ++k;
  if (w[k] == "les" || w[k] == "the" || w[k] == "next" || w[k] == "prochaines") ++k;
  if (k + 1 >= w.size() || !(is_count(w[k]) || w.is(k, Role::number_word) || w[k] == "1" ||
                             w[k] == "one" || w[k] == "2" || w[k] == "two"))
    return false;
  // (Minutes only: "initial it and pass it on within 2 days" is an office's.)
  static constexpr std::string_view kUnits[] = {"minutes", "minute", "min", "mins"};
  return std::find(std::begin(kUnits), std::end(kUnits), w[k + 1]) != std::end(kUnits);
}

// A plea is an imperative: "je te fais suivre", "I'll pass it on", "don't tell everyone",
// "could you pass it on?", "we look forward to", "moving forward with" are not.
bool not_a_request(std::string_view previous) {
  static constexpr std::string_view kBefore[] = {
      "je", "te", "tu", "nous", "on", "il", "elle", "ils", "elles", "vous", "ne", "n", "le", "la",
      "l", "les", "leur", "lui", "me", "m", "se", "i", "ll", "we", "he", "she", "they", "you",
      "will", "would", "d", "ve", "t", "not", "already", "look", "looking", "looks", "looked",
      "move", "moving", "moved", "going", "step", "bring", "come",
      // "Never pass on virus warnings": an order not to.
      "never"};
  return std::find(std::begin(kBefore), std::end(kBefore), previous) != std::end(kBefore);
}

// "If you care about the people in your life, you'll send this to 7 of them": the plea as
// a condition of caring ("you'll" after "if" in the same sentence; not "I'll pass it on").
bool conditional_you_will(const Words& w, std::size_t verb) {
  if (verb < 3 || w[verb - 1] != "ll" || w[verb - 2] != "you") return false;
  for (std::size_t k = verb - 2; k-- > 0 && k + 15 > verb;) {
    if (w.ends_sentence(k)) return false;
    if (w[k] == "if") return true;
  }
  return false;
}

// "Vous pouvez faire suivre", "you may forward", "n'hésitez pas à transférer": leave to pass
// it on, not a plea.
bool permits(const Words& w, std::size_t verb) {
  // The word `back` places before the verb, if the clause has not begun after it.
  auto before = [&](std::size_t back) -> std::string_view {
    for (std::size_t k = 1; k <= back; ++k)
      if (verb < k || w.ends_clause(verb - k)) return {};
    return w[verb - back];
  };
  static constexpr std::string_view kMay[] = {"pouvez", "peux", "can", "may"};
  if (std::find(std::begin(kMay), std::end(kMay), before(1)) != std::end(kMay)) return true;
  return before(1) == "a" && before(2) == "pas" && before(3).starts_with("hesit");
}

bool is_infinitive(std::string_view w) {
  return w.ends_with("er") || w.ends_with("ir") || w.ends_with("re");
}

// "merci de", "n'oubliez pas de", "pensez bien de", "je vous prie de": a request with "de".
bool asks_with_de(std::string_view previous) {
  static constexpr std::string_view kAsking[] = {"merci", "oubliez", "oublie", "prie",  "pas",
                                                 "svp",   "stp",     "plait",  "suffit"};
  return std::find(std::begin(kAsking), std::end(kAsking), previous) != std::end(kAsking);
}

// Words that close "pass it on" as a clause end would: "pass it on and ...", "... or else"
// (not "send it on or before 30 November": a date).
bool plea_closer(const Words& w, std::size_t j) {
  static constexpr std::string_view kClosers[] = {"and",     "or",          "now", "today", "asap",
                                                  "quickly", "immediately", "et",  "ou",    "vite"};
  if (std::find(std::begin(kClosers), std::end(kClosers), w[j]) == std::end(kClosers)) return false;
  return w.ends_clause(j) || (w[j + 1] != "before" && w[j + 1] != "after" && w[j + 1] != "avant" &&
                              w[j + 1] != "apres");
}

// "the", "le", "la", "les", "l": an object role word that only announces what is passed.
bool is_article(std::string_view w) {
  return w == "the" || w == "le" || w == "la" || w == "les" || w == "l";
}

// "Everyone, please" / "everybody pls" just before the verb, at the start of a clause or
// after a greeting.
bool addressed_to_everybody(const Words& w, std::size_t verb) {
  if (verb < 2) return false;
  std::string_view please = w[verb - 1];
  if (please != "please" && please != "pls" && please != "plz") return false;
  std::string_view all = w[verb - 2];
  if (all != "everyone" && all != "everybody") return false;
  // ("Thanks, everyone. Please share the slides": the sentence ended.)
  if (w.ends_clause(verb - 1) || w.ends_sentence(verb - 2)) return false;
  std::size_t at = verb - 2;
  if (at == 0 || w.ends_clause(at - 1)) return true;
  std::string_view hello = w[at - 1];
  return hello == "hi" || hello == "hey" || hello == "hello";
}

// "Send 20 copies", "faites 10 copies", "envoyez des copies à 20 personnes": the luck chain's
// copies to many (five or more; "send 2 copies to accounts", "send 10 copies of the report"
// are an office's).
bool copies_to_many(const Words& w, std::size_t k, bool sends) {
  auto many = [&](std::size_t i) {
    return i < w.size() &&
           (w.is(i, Role::number_word) || (is_count(w[i]) && digits_value(w[i]).value_or(0) >= 5));
  };
  auto copies = [&](std::size_t i) {
    return i < w.size() && (w[i] == "copies" || w[i] == "copy" || w[i] == "exemplaires");
  };
  if (k < w.size() && (w[k] == "des" || w[k] == "some") && !w.ends_clause(k)) ++k;
  if (many(k) && !w.ends_clause(k) && copies(k + 1)) {
    const std::size_t c = k + 1;
    if (c + 2 < w.size() && !w.ends_clause(c) && (w[c + 1] == "of" || w[c + 1] == "de")) {
      // Copies of this letter ("of this letter", "de cette lettre"), not of the report.
      std::string_view what = w[c + 2];
      return what == "this" || what == "it" || what == "cette" || what == "ce";
    }
    // Sent on: "envoyez 20 copies et vous verrez", "send 10 copies within 96 hours" (not
    // "faites 30 copies pour la réunion", "send 30 copies to the print room").
    if (!sends) return false;
    if (w.ends_clause(c) || c + 1 >= w.size()) return true;
    std::string_view next = w[c + 1];
    return next == "and" || next == "et" || next == "within" || next == "dans" ||
           next == "before" || next == "avant";
  }
  return copies(k) && !w.ends_clause(k) && k + 2 < w.size() &&
         (w[k + 1] == "to" || w[k + 1] == "a") && !w.ends_clause(k + 1) && many(k + 2);
}

// "Tell your friends to come out to the park", "tell everyone to sign up": the audience
// told to do something, an invitation, not asked to pass the message on ("tell everyone not
// to open it", "tell your friends to forward it" are).
bool invited_to_act(const Words& w, std::size_t from) {
  static constexpr std::string_view kActs[] = {
      "come", "join",  "attend", "sign",  "bring",     "visit", "vote",     "subscribe", "rsvp",
      "meet", "enjoy", "drop",   "venir", "rejoindre", "voter", "inscrire", "participer"};
  for (std::size_t k = from; k + 1 < w.size() && k < from + kWindow; ++k) {
    if (w[k] == "to" || w[k] == "de" || w[k] == "d") {
      std::string_view act = w[k + 1];
      if (act == "s" && k + 2 < w.size()) act = w[k + 2];  // "de s'inscrire"
      return std::find(std::begin(kActs), std::end(kActs), act) != std::end(kActs);
    }
    if (w.ends_clause(k)) return false;
  }
  return false;
}

}  // namespace

ChainPleas find_chain_pleas(std::span<const std::string_view> words,
                            std::span<const std::uint64_t> hashes,
                            std::span<const std::uint8_t> clause_end) {
  const Words w(words, hashes, clause_end);
  ChainPleas found;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const Role* r = w.role(i);
    if (!r || (*r != Role::verb && *r != Role::warn_verb && *r != Role::causative)) continue;
    // A gerund is a plea only as the means: "by passing this on", "en faisant suivre".
    if (is_gerund(w[i]) &&
        (i == 0 || w.ends_clause(i - 1) || (w[i - 1] != "by" && w[i - 1] != "en")))
      continue;
    // ("d" is English "I'd", but French "merci d'envoyer" asks.)
    const bool asked_with_d = i > 1 && w[i - 1] == "d" && !w.ends_clause(i - 2) &&
                              asks_with_de(w[i - 2]) && is_infinitive(w[i]);
    // "Il vous suffit de le transférer", "merci de le faire suivre": the pronoun between.
    const bool asked_with_pronoun =
        i > 2 && (w[i - 1] == "le" || w[i - 1] == "la" || w[i - 1] == "les" || w[i - 1] == "l") &&
        (w[i - 2] == "de" || w[i - 2] == "d") && asks_with_de(w[i - 3]) && !w.ends_clause(i - 3) &&
        !w.ends_clause(i - 2) && (is_infinitive(w[i]) || *r == Role::causative);
    if (i > 0 && !w.ends_clause(i - 1) && not_a_request(w[i - 1]) && !asked_with_d &&
        !asked_with_pronoun && !conditional_you_will(w, i))
      continue;
    // "I wanted to tell everyone", "we'd like to share with all": an infinitive reports an
    // intention; "make sure to / remember to / don't forget to forward this" asks.
    if (i > 1 && w[i - 1] == "to" && !w.ends_clause(i - 2) && w[i - 2] != "sure" &&
        w[i - 2] != "remember" && w[i - 2] != "forget")
      continue;
    // "Une alerte vous demandant de prévenir tous vos contacts", "la demande de diffuser le
    // message": a French infinitive after "de" reports a plea, except after "merci de",
    // "pensez à"-style requests ("merci de faire suivre", "n'oubliez pas de transférer").
    if (i > 1 && (w[i - 1] == "de" || w[i - 1] == "d") && is_infinitive(w[i]) &&
        !w.ends_clause(i - 2) && !asks_with_de(w[i - 2]))
      continue;
    // Leave to pass it on is no plea, as "feel free to forward" is not (above).
    if (permits(w, i)) continue;
    // "Parlez-en autour de vous" asks only at the start of its clause ("vous en parlez
    // autour de vous" says what is done).
    if (w[i] == "parlez" && i > 0 && !w.ends_clause(i - 1)) continue;
    // "Envoi" is a verb only at the start of its clause (SMS spelling); "tout envoi à plus
    // de 50 personnes" is the noun.
    if (w[i] == "envoi" && (!starts_clause_or_after_so(w, i) || !sms_envoi(w, i))) continue;
    // "Copy" the noun: "we will send a copy to all families".
    if (w[i] == "copy" && i > 0 && !w.ends_clause(i - 1) &&
        (w[i - 1] == "a" || w[i - 1] == "the" || w[i - 1] == "one" || w[i - 1] == "this" ||
         w[i - 1] == "that" || w[i - 1] == "each" || w[i - 1] == "every" ||
         w.is(i - 1, Role::possessive) || w[i - 1] == "my" || w[i - 1] == "our"))
      continue;
    if (*r != Role::warn_verb && copies_to_many(w, i + 1, *r == Role::verb)) {
      ++found.mass;
      continue;
    }
    const bool warning = *r == Role::warn_verb;
    std::size_t end = i + 1;  // first word after the verb
    if (*r == Role::causative) {
      // "faites suivre", "fais-le passer", "mettez en copie".
      std::size_t j = i + 1;
      while (j < w.size() && j < i + 3 && w.is(j, Role::object) && !w.ends_clause(j - 1))
        ++j;
      if (!w.is(j, Role::causative_end) || w.ends_clause(j - 1)) continue;
      end = j + 1;
    } else if (i + 1 < w.size() &&
               (w[i + 1] == "par" || (w[i + 1] == "a" && i + 2 < w.size() && w[i + 2] == "ete"))) {
      continue;  // a participle: "le document partagé a été mis à jour", "diffusé par"
    }
    // The verb's object is the message itself ("this", "it", "ce message", "it on") or
    // nothing; then its audience, after "to" / "à" / "with" or right there.
    std::size_t j = end;
    bool particle = false;    // "it on", "this along"
    bool to_someone = false;  // "envoyez-lui cette lettre": to her
    while (j < w.size() && j < end + 4 && !w.ends_clause(j - 1) &&
           (w.is(j, Role::object) || (w[i] == "envoi" && w[j] == "sa"))) {
      if ((w[j] == "on" || w[j] == "along" || w[j] == "around" || w[j] == "round") && j > end)
        particle = true;
      if (w[j] == "lui" || w[j] == "leur") to_someone = true;
      ++j;
    }
    const bool clause_over = w.ends_clause(j - 1);
    // "à" is "a" once normalised: after an English verb it is the article ("send a mass
    // e-mail to my contacts").
    const bool addressed = !clause_over && w.is(j, Role::to) &&
                           !(w[j] == "a" && english_verb(w[i])) && !w.ends_clause(j);
    // "Mettez en copie toutes les personnes": copying someone in addresses them.
    const bool cc = *r == Role::causative && w[end - 1] == "copie";
    const bool here =
        !clause_over && !addressed && audience_starts(w, j, warning || particle || cc);
    if (((addressed && mass_audience(w, j + 1)) || (here && mass_audience(w, j))) &&
        !(warning && invited_to_act(w, addressed ? j + 1 : j))) {
      // "Parlez-en autour de vous" spreads the word, not the message: a club's or an
      // employer's notice says it as often as a chain letter.
      if (w[i] == "parlez") {
        ++found.open;
      } else {
        ++found.mass;
      }
      i = j;  // one plea, however many audience words it names
      continue;
    }
    // "EVERYONE PLEASE FORWARD", "Everybody, pls share this!": everybody is addressed and
    // asked, unless the verb names whom to send to ("everyone please forward this to Paul")
    // or passes something else on ("everyone please forward your receipts").
    const bool message_passed = j > end && !is_article(w[j - 1]);
    if (!warning && !addressed && (clause_over || message_passed) && addressed_to_everybody(w, i)) {
      ++found.mass;
      i = j;
      continue;
    }
    // No audience of everybody: "pass it on!", "faites tourner.", "fais passer, ..." naming
    // nobody, the clause ending there, is still a plea; "pass this on to Grandma", "share it
    // on Facebook", "partagez vos photos", "à vos équipes" are not.
    // "Send this on or your account gets deleted", "faites suivre et...": a conjunction or
    // an adverb of haste ends a plea that has its particle.
    // A bare "send on" followed by a deadline is one too ("send on within 13 minutes").
    const bool bare_particle =
        j == end + 1 && (w[end] == "on" || w[end] == "along" || w[end] == "round");
    if (bare_particle && !clause_over && deadline(w, j)) particle = true;
    const bool ends_here = clause_over || ((particle || *r == Role::causative) &&
                                           (plea_closer(w, j) || deadline(w, j)));
    if (warning || !ends_here) continue;
    // French: an imperative ("relayez", "diffusez", "faites tourner", "merci de faire
    // suivre"), not an infinitive or a participle ("planning à transmettre", "agenda partagé").
    const bool french = *r == Role::causative || (!english_verb(w[i]) && w[i].ends_with("ez"));
    if ((particle || french) && !to_someone) ++found.open;
  }
  return found;
}

}  // namespace facteur::filter
