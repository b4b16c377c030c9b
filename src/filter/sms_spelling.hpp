// Text-message spelling ("plz tell evry1 on ur list", "envoi a tt tes contacts ds les 10
// min") written out as the words the hoax detector's phrases and plea grammar know ("please
// tell everyone on your list", "à tous tes contacts dans les 10 min"). Chain letters passed
// between teenagers are written so; a word's meaning is not guessed beyond a fixed table.
// Trust: sees internet input (normalised words); linear in the number of words.
#pragma once

#include <optional>

#include "filter/text_norm.hpp"

namespace facteur::filter {

// The words with each SMS spelling replaced by its word; nullopt when there is none (the
// caller keeps the text it has). Clause ends are kept.
std::optional<NormalizedText> spell_out_sms(const NormalizedText& text);

}  // namespace facteur::filter
