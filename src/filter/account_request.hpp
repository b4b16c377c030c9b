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
// followed by "your"/"votre" and an account noun within three words, or an account noun after
// "your"/"votre" followed in its clause by a word of suspension or closure within six words;
// none counted after a negation or a report ("we will never ask you to verify your password",
// "ne ... jamais").
int account_requests(const NormalizedText& text);

}  // namespace facteur::filter
