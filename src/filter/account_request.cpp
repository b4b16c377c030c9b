#include "filter/account_request.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <string_view>

namespace facteur::filter {
namespace {

// Imperatives and infinitives (French has both: "vérifiez", "vérifier"); "mettre à jour" is
// read at its "jour".
constexpr std::string_view kActVerbs[] = {
    "verify",      "confirm",    "update",      "validate",     "renew",        "reactivate",
    "restore",     "unlock",     "unblock",     "prove",        "authenticate", "reconfirm",
    "reverify",    "verifier",   "verifiez",    "confirmer",    "confirmez",    "valider",
    "validez",     "renouveler", "renouvelez",  "reactiver",    "reactivez",    "debloquer",
    "debloquez",   "retablir",   "retablissez", "authentifier", "authentifiez", "regulariser",
    "regularisez", "actualiser", "actualisez"};
constexpr std::string_view kUpdateFr[] = {"mettre", "mettez", "mets", "mise"};  // ... a jour

// What is yours at the bank, the shop or the mail provider, by language of the possessive.
// Not "profile", "preferences", "subscription" or "membership": every newsletter and
// association asks to update, confirm or renew those; not "login" ("your login attempts").
constexpr std::string_view kYourEn[] = {"your"};
constexpr std::string_view kNounsEn[] = {"account",     "accounts", "identity",   "access",
                                         "information", "details",  "records",    "id",
                                         "credentials", "password", "mailbox",    "card",
                                         "billing",     "payment",  "privileges", "wallet"};
constexpr std::string_view kYourFr[] = {"votre", "vos", "ton", "ta", "tes"};
constexpr std::string_view kNounsFr[] = {"compte",       "comptes",      "identite",   "acces",
                                         "informations", "coordonnees",  "carte",      "paiement",
                                         "identifiant",  "identifiants", "messagerie", "boite",
                                         "dossier",      "espace"};
// Nouns that name a part of anything ("your booking details", "your order ID"): only right
// after the possessive.
constexpr std::string_view kAdjacentOnly[] = {"information",  "details", "records", "id",
                                              "informations", "dossier", "espace"};

// Participles of closing or suspending, after an auxiliary ("has been suspended", "sera
// bloqué") or, in the active voice, before the possessive ("we have suspended your account").
// Not expiry (cards and passwords expire in the bank's own notices) nor cancellation
// (payments and orders are cancelled and refunded).
constexpr std::string_view kClosure[] = {
    "suspended", "deactivated", "locked",   "limited",   "closed",     "terminated", "disabled",
    "blocked",   "restricted",  "frozen",   "deleted",   "revoked",    "suspendu",   "suspendue",
    "suspendus", "bloque",      "bloquee",  "bloques",   "desactive",  "desactivee", "ferme",
    "fermee",    "cloture",     "cloturee", "restreint", "restreinte", "supprime",   "supprimee",
    "gele",      "gelee",       "revoque",  "revoquee",  "limite",     "limitee"};
constexpr std::string_view kAuxiliaries[] = {
    "is",  "are",  "was", "were", "be",     "been", "being", "has", "have", "will",
    "est", "sont", "ete", "sera", "seront", "etre", "a",     "va",  "vont", "fut"};
// "limited to 3 projects", "access is restricted to authorised staff", "limited time".
constexpr std::string_view kNotAThreatAfter[] = {"to", "time", "edition",  "offer",     "a",
                                                 "au", "aux",  "quantity", "quantities"};
// Where a threat's clause turns to something else ("is closed while ...", "et ...").
constexpr std::string_view kClauseTurns[] = {"and", "while",   "when",    "after", "but",
                                             "or",  "et",      "pendant", "que",   "mais",
                                             "ou",  "lorsque", "quand"};
// A threat under a condition is advice ("if your card is blocked, call us").
constexpr std::string_view kConditions[] = {"if",    "si",      "when", "unless",
                                            "quand", "lorsque", "case"};
constexpr std::string_view kNegations[] = {"not", "t", "ne", "n", "pas", "no"};
constexpr std::string_view kNever[] = {"never", "jamais"};
// The sentence warns about such requests or reports one ("beware of mails asking you to
// verify your account", "méfiez-vous des messages vous demandant de valider vos identifiants").
constexpr std::string_view kWarnings[] = {
    "beware",   "wary",      "mefiez",   "mefier",     "mefiance",    "arnaque",
    "arnaques", "scam",      "scams",    "phishing",   "hameconnage", "fraudsters",
    "escrocs",  "fraudeurs", "claiming", "pretending", "pretendant",  "pretendent"};

template <std::size_t N>
bool one_of(std::string_view w, const std::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), w) != std::end(list);
}

}  // namespace

int account_requests(const NormalizedText& t) {
  const auto& w = t.words;
  const auto& ends = t.clause_end;
  auto stop_at = [&](std::size_t k) { return k < ends.size() ? ends[k] : std::uint8_t{0}; };
  // The first word of the sentence (strength 2) or of the clause (strength 1) holding `i`.
  auto start_of = [&](std::size_t i, std::uint8_t strength) {
    std::size_t k = i;
    while (k > 0 && stop_at(k - 1) < strength)
      --k;
    return k;
  };
  // "never"/"jamais" before `i` in its sentence, a warning anywhere in it; another negation within
  // six words of its clause, unless a condition just before it ("if you do not update your
  // payment information": a threat, not a denial).
  auto refused = [&](std::size_t i) {
    std::size_t sentence = start_of(i, 2), clause = start_of(i, 1);
    for (std::size_t k = sentence; k < i; ++k)
      if (one_of(w[k], kNever)) return true;
    for (std::size_t k = sentence; k < w.size(); ++k) {
      if (one_of(w[k], kWarnings)) return true;
      if (k >= i && stop_at(k) >= 2) break;
    }
    for (std::size_t k = std::max(clause, i >= 6 ? i - 6 : 0); k < i; ++k) {
      if (!one_of(w[k], kNegations)) continue;
      bool conditional = false;
      for (std::size_t c = k >= 3 ? k - 3 : 0; c < k && c >= clause; ++c)
        conditional = conditional || one_of(w[c], kConditions);
      if (!conditional) return true;
    }
    return false;
  };
  // The account noun after the possessive at `i`, within `reach` words, or 0.
  auto noun_after = [&](std::size_t i, std::size_t reach) -> std::size_t {
    const bool fr = one_of(w[i], kYourFr);
    if (!fr && !one_of(w[i], kYourEn)) return 0;
    for (std::size_t k = i + 1; k < w.size() && k <= i + reach; ++k) {
      bool noun = fr ? one_of(w[k], kNounsFr) : one_of(w[k], kNounsEn);
      if (noun && (k == i + 1 || !one_of(w[k], kAdjacentOnly))) return k;
      if (stop_at(k) != 0) break;
    }
    return 0;
  };
  auto is_verb = [&](std::size_t i) {
    if (one_of(w[i], kActVerbs)) return true;
    return w[i] == "jour" && i >= 2 && w[i - 1] == "a" && one_of(w[i - 2], kUpdateFr);
  };
  // A participle of closure at `k` that threatens: after an auxiliary within two words, not
  // followed by "to"/"time"/... ("limited to 3 projects").
  auto threatens = [&](std::size_t k) {
    const bool on_hold = w[k] == "hold" && k > 0 && w[k - 1] == "on";  // "is on hold"
    if (on_hold) return k >= 2 && one_of(w[k - 2], kAuxiliaries);
    if (!one_of(w[k], kClosure)) return false;
    if (k + 1 < w.size() && stop_at(k) == 0 && one_of(w[k + 1], kNotAThreatAfter)) return false;
    for (std::size_t a = k >= 2 ? k - 2 : 0; a < k; ++a)
      if (one_of(w[a], kAuxiliaries)) return true;
    return false;
  };

  int found = 0;
  for (std::size_t i = 0; i + 1 < w.size() && found < 3; ++i) {
    if (stop_at(i) != 0) continue;
    if (is_verb(i)) {
      // "verify your (Microsoft 365 email)? account": the possessive right after the verb.
      std::size_t noun = noun_after(i + 1, 5);
      if (noun != 0 && !refused(i)) ++found, i = noun;
    } else if (one_of(w[i], kClosure)) {
      // Active voice: "we have temporarily suspended your account", "avons suspendu votre
      // compte".
      std::size_t noun = noun_after(i + 1, 3);
      if (noun != 0 && !refused(i)) ++found, i = noun;
    } else if (std::size_t noun = noun_after(i, 4); noun != 0 && stop_at(noun) == 0) {
      // "your (Microsoft Office 365)? account will be deactivated", "votre carte a été
      // bloquée", "your account is on hold": a
      // participle of closure in the same clause within eight words, the clause not a
      // condition ("if your card is blocked, call us").
      std::size_t clause = start_of(i, 1);
      bool conditional = false;
      for (std::size_t c = clause; c < i; ++c)
        conditional = conditional || one_of(w[c], kConditions);
      if (conditional) {
        i = noun;
        continue;
      }
      std::size_t closed = 0;
      for (std::size_t k = noun + 1; k < w.size() && k < noun + 9 && closed == 0; ++k) {
        if (one_of(w[k], kNegations) || one_of(w[k], kClauseTurns)) break;
        if (threatens(k)) closed = k;
        if (stop_at(k) != 0) break;
      }
      if (closed != 0 && !refused(i)) {
        ++found;
        i = closed;
      } else {
        i = noun;
      }
    }
  }
  return found;
}

}  // namespace facteur::filter
