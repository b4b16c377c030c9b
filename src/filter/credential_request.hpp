// Credentials asked for by reply ("reply to this e-mail with your user name and password",
// "merci de nous communiquer votre identifiant et votre code confidentiel"): the phishing that
// needs no link. Over normalised words with their clause ends (text_norm.hpp).
// Trust: sees internet input; constant work per verb of replying, linear in the text.
#pragma once

#include <optional>
#include <string>

#include "filter/text_norm.hpp"

namespace facteur::filter {

// The kinds of credentials asked for ("a password, a user name"), or nullopt. With
// `need_secret`, identity and bank numbers alone do not make the request (an employer or an
// accountant asks for them too); a sender impersonating a brand passes false.
std::optional<std::string> asks_for_credentials(const NormalizedText& text, bool need_secret);

}  // namespace facteur::filter
