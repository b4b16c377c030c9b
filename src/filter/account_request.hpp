// Requests to act on one's account and threats to it, read as a small grammar rather than a
// list of fixed phrases: "verify your FSA ID", "renew your library access", "confirm your
// account records", "validez vos coordonnées", "your borrowing privileges ... have been
// suspended", "votre carte a été bloquée". Phishing asks one or the other in endless wordings;
// the fixed list (phishing_check.cpp) misses most of them.
// Trust: sees internet input (normalised message words); linear in the words, a bounded
// look-ahead per verb or noun.
#pragma once

#include "filter/text_norm.hpp"

namespace facteur::filter {

// How many requests or threats the text makes (capped at 3): a verb of verifying or renewing
// followed by "your"/"votre" and an account noun within five words ("verify your Microsoft 365
// email account"); an account noun within four words after "your"/"votre" followed in its
// clause by an auxiliary and a participle of suspension or closure ("has been suspended",
// "sera bloqué", "is on hold"); or such a participle before them ("we have suspended your
// account"). Not counted: after "never"/"jamais" or a negation, in a sentence that warns about
// such mail ("beware", "méfiez-vous", "arnaque"), under a condition ("if your card is blocked,
// call us"), or nouns of anything ("your booking details", "your order ID": those only right
// after the possessive).
int account_requests(const NormalizedText& text);

}  // namespace facteur::filter
