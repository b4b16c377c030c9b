#include "filter/account_request.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace facteur::filter {
namespace {

// Imperatives and infinitives (French has both: "vérifiez", "vérifier").
constexpr std::string_view kActVerbs[] = {
    "verify",      "confirm",    "update",      "validate",     "renew",        "reactivate",
    "restore",     "unlock",     "unblock",     "prove",        "authenticate", "reconfirm",
    "reverify",    "verifier",   "verifiez",    "confirmer",    "confirmez",    "valider",
    "validez",     "renouveler", "renouvelez",  "reactiver",    "reactivez",    "debloquer",
    "debloquez",   "retablir",   "retablissez", "authentifier", "authentifiez", "regulariser",
    "regularisez", "actualiser", "actualisez"};
constexpr std::string_view kYour[] = {"your", "votre", "vos", "ton", "ta", "tes"};
// What is yours at the bank, the shop or the mail provider. Not "profile", "preferences" or
// "subscription": every newsletter asks to update or confirm those.
constexpr std::string_view kAccountNouns[] = {
    "account", "accounts", "identity",     "access",      "information", "informations",
    "details", "records",  "id",           "credentials", "password",    "mailbox",
    "card",    "billing",  "payment",      "login",       "membership",  "privileges",
    "compte",  "comptes",  "identite",     "acces",       "coordonnees", "donnees",
    "carte",   "paiement", "identifiants", "messagerie",  "boite",       "dossier"};
constexpr std::string_view kClosure[] = {
    "suspended", "suspension", "deactivated", "deactivation", "locked",     "limited",
    "closed",    "terminated", "disabled",    "blocked",      "restricted", "expired",
    "cancelled", "canceled",   "frozen",      "suspendu",     "suspendue",  "suspendus",
    "bloque",    "bloquee",    "bloques",     "desactive",    "desactivee", "desactivation",
    "ferme",     "fermee",     "cloture",     "cloturee",     "restreint",  "restreinte",
    "expire",    "expiree",    "supprime",    "supprimee",    "gele",       "gelee"};
// Before a verb or noun in the same sentence: the request is a warning or a report.
constexpr std::string_view kNegations[] = {"never", "not", "t",     "jamais", "ne",
                                           "n",     "pas", "aucun", "no"};

template <std::size_t N>
bool one_of(std::string_view w, const std::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), w) != std::end(list);
}

}  // namespace

int account_requests(const NormalizedText& t) {
  const auto& w = t.words;
  const auto& ends = t.clause_end;
  auto stop_at = [&](std::size_t k) { return k < ends.size() ? ends[k] : std::uint8_t{0}; };
  auto negated_before = [&](std::size_t i) {
    for (std::size_t k = i; k > 0 && i - k < 6; --k) {
      if (stop_at(k - 1) >= 2) return false;
      if (one_of(w[k - 1], kNegations)) return true;
    }
    return false;
  };
  int found = 0;
  for (std::size_t i = 0; i + 1 < w.size() && found < 3; ++i) {
    if (one_of(w[i], kActVerbs)) {
      // "verify your (FSA | online banking)? account": the possessive right after the verb.
      if (stop_at(i) != 0 || !one_of(w[i + 1], kYour)) continue;
      bool noun = false;
      for (std::size_t k = i + 2; k < w.size() && k < i + 5 && !noun; ++k) {
        noun = one_of(w[k], kAccountNouns);
        if (stop_at(k) != 0) break;
      }
      if (noun && !negated_before(i)) ++found, i += 2;
    } else if (one_of(w[i], kYour)) {
      // "your (borrowing)? privileges (and e-journal access)? have been suspended", "votre
      // carte a été bloquée": an account noun within three words, then a word of closure in
      // the same clause within eight.
      std::size_t noun = 0;
      for (std::size_t k = i + 1; k < w.size() && k < i + 4 && noun == 0; ++k) {
        if (one_of(w[k], kAccountNouns)) noun = k;
        if (stop_at(k) != 0) break;
      }
      if (noun == 0 || stop_at(noun) != 0) continue;
      bool closed = false;
      for (std::size_t k = noun + 1; k < w.size() && k < noun + 9 && !closed; ++k) {
        if (one_of(w[k], kNegations)) break;  // "your account is not suspended"
        closed = one_of(w[k], kClosure);
        if (stop_at(k) != 0) break;
      }
      if (closed && !negated_before(i)) ++found, i = noun;
    }
  }
  return found;
}

}  // namespace facteur::filter
