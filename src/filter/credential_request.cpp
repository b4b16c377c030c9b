#include "filter/credential_request.hpp"

#include <algorithm>
#include <span>
#include <string_view>
#include <vector>

#include "filter/phrases.hpp"

namespace facteur::filter {
namespace {

// What a credential thief asks to be sent back, by kind: two kinds or more make the request.
const PhraseMatcher& credential_data() {
  static const PhraseMatcher m = [] {
    PhraseMatcher p;
    p.add_all({"password", "passcode", "mot de passe", "mdp"}, 0);
    p.add_all({"pin", "pin code", "code pin", "code secret", "code confidentiel"}, 1);
    p.add_all({"card number", "numero de carte", "numero de votre carte"}, 2);
    p.add_all({"cvv", "cvv2", "card security code", "cryptogramme"}, 3);
    p.add_all({"expiry date", "expiration date", "date d expiration"}, 4);
    p.add_all({"social security number", "ssn", "date of birth", "date de naissance",
               "numero de securite sociale"},
              5);
    p.add_all({"routing number", "account number", "iban", "numero de compte"}, 6);
    p.add_all({"username", "user name", "user id", "userid", "login", "email address",
               "e mail address", "identifiant", "identifiants", "nom d utilisateur", "adresse mail",
               "adresse email", "adresse e mail"},
              7);
    p.add_all({"recovery phrase", "seed phrase", "phrase secrete", "phrase de recuperation"}, 8);
    return p;
  }();
  return m;
}

// Verbs of replying, and verbs of sending that ask for a reply only with "us"/"back"/"nous"
// beside them ("send us your", "veuillez nous communiquer"; "we will send you your user name"
// is not a request). Before them, words that make the sentence a warning or a report ("we
// will never ask you to reply", "the mail asks you to reply with").
constexpr std::string_view kReplyVerbs[] = {"reply",    "respond",  "repondez",
                                            "repondre", "renvoyez", "retournez"};
constexpr std::string_view kSendVerbs[] = {
    "send",        "provide",  "submit",      "email",       "mail",
    "envoyez",     "envoyer",  "communiquez", "communiquer", "transmettez",
    "transmettre", "indiquez", "indiquer",    "fournissez",  "fournir"};
constexpr std::string_view kToUs[] = {"us", "back", "me", "nous", "moi"};
constexpr std::string_view kPlease[] = {"please", "kindly", "veuillez"};
constexpr std::string_view kNotARequest[] = {"never", "not",     "t",         "jamais",   "ne",
                                             "n",     "pas",     "aucun",     "asks",     "asking",
                                             "asked", "demande", "demandant", "demandent"};

template <std::size_t N>
bool one_of(std::string_view w, const std::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), w) != std::end(list);
}

// A list number ("1." ends no sentence).
bool list_number(std::string_view w) {
  return !w.empty() && w.size() <= 2 &&
         std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct CredentialKinds {
  int kinds = 0;
  bool secret = false;  // a password, a PIN, a card and its code, a recovery phrase
  std::string what;
};

CredentialKinds credential_kinds(const std::vector<int>& hits) {
  static constexpr std::string_view kKinds[] = {
      "a password",           "a PIN",          "a card number",
      "a card security code", "an expiry date", "identity numbers",
      "account numbers",      "a user name",    "a wallet's recovery phrase"};
  CredentialKinds k;
  for (std::size_t g = 0; g < hits.size(); ++g) {
    if (hits[g] == 0) continue;
    if (k.kinds++ > 0) k.what += ", ";
    k.what += kKinds[g];
  }
  k.secret =
      hits.size() > 8 && (hits[0] > 0 || hits[1] > 0 || hits[2] > 0 || hits[3] > 0 || hits[8] > 0);
  return k;
}

}  // namespace

// The kinds of credentials the text asks to be sent by reply ("reply with your user name and
// password"), or nullopt: a verb of replying, or of sending with "us"/"back"/"please" beside
// it, followed in its sentence by two kinds of credential data or more within 15 words (30 in
// a list opened by a colon), one of them a secret when `need_secret` (identity and bank numbers
// alone are what an employer or an accountant asks for), with no negation or report before
// the verb or between it and the data ("we will never ask you to reply with", "the mail asks
// you to reply with", "reply to this e-mail. We will never ask for your password").
std::optional<std::string> asks_for_credentials(const NormalizedText& t, bool need_secret) {
  // The whole text first: most mail names fewer than two kinds and skips the verb scan.
  std::vector<int> hits;
  credential_data().match(t, hits);
  CredentialKinds all = credential_kinds(hits);
  if (all.kinds < 2 || (need_secret && !all.secret)) return std::nullopt;

  const auto& w = t.words;
  const auto& ends = t.clause_end;
  auto stop_at = [&](std::size_t k) { return k < ends.size() ? ends[k] : std::uint8_t{0}; };
  for (std::size_t i = 0; i < w.size(); ++i) {
    bool asks = one_of(w[i], kReplyVerbs);
    if (!asks && one_of(w[i], kSendVerbs))
      asks = (i + 1 < w.size() && one_of(w[i + 1], kToUs)) ||
             (i > 0 && (w[i - 1] == "nous" || one_of(w[i - 1], kPlease)));
    if (!asks) continue;
    bool refused = false;
    for (std::size_t k = i; k > 0 && i - k < 6 && !refused; --k) {
      if (stop_at(k - 1) >= 2) break;
      refused = one_of(w[k - 1], kNotARequest);
    }
    if (refused) continue;
    // The window: up to 15 words, to the end of the sentence, unless a colon opened a list:
    // then up to 30 words, whatever the items end with.
    std::size_t end = std::min(w.size(), i + 16);
    bool list = false;
    auto open_list = [&] {
      list = true;
      end = std::min(w.size(), i + 31);
    };
    if (stop_at(i) == 3) open_list();
    if (stop_at(i) == 2) continue;
    for (std::size_t k = i + 1; k < end; ++k) {
      if (stop_at(k) == 3 && !list) open_list();
      if (stop_at(k) == 2 && !list && !list_number(w[k])) {
        end = k + 1;
        break;
      }
    }
    // A negation between the verb and the first credential word refuses the request; one
    // after it does not ("reply with your password so as not to lose your mail").
    std::vector<int> near, rest;
    auto data_starts_at = [&](std::size_t k) {  // patterns have at most 4 words
      std::size_t n = std::min<std::size_t>(4, end - k);
      credential_data().match(std::span(w).subspan(k, n), near);
      credential_data().match(std::span(w).subspan(k + 1, n - 1), rest);
      for (std::size_t g = 0; g < near.size(); ++g)
        if (near[g] > (g < rest.size() ? rest[g] : 0)) return true;
      return false;
    };
    for (std::size_t k = i + 1; k < end && !refused; ++k) {
      refused = one_of(w[k], kNotARequest);
      if (!refused && data_starts_at(k)) break;
    }
    if (refused) continue;
    credential_data().match(std::span(w).subspan(i + 1, end - (i + 1)), near);
    CredentialKinds asked = credential_kinds(near);
    if (asked.kinds >= 2 && (asked.secret || !need_secret)) return asked.what;
  }
  return std::nullopt;
}

}  // namespace facteur::filter
