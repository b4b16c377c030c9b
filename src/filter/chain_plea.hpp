// The plea every chain letter makes — pass this on to everybody — found by its shape rather
// than by fixed phrases, since each hoax words it anew: a verb of passing on ("forward",
// "send", "share", "pass", "warn", "envoyez", "relayez", "faites suivre", "prévenez"...) with,
// a few words further, a mass audience ("everyone you know", "all the people you care about",
// "seven people", "tous vos contacts", "neuf personnes", "autour de vous"); or a bare "pass it
// on" / "faites circuler" naming nobody. A named audience ("to Grandma", "to the others", "to
// your team", "à vos équipes") is how people forward mail to each other, and is no plea.
// English and French, over normalised words and their clause ends (text_norm.hpp).
// Trust: sees internet input; linear in the number of words (a fixed window per verb).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "filter/text_norm.hpp"

namespace facteur::filter {

struct ChainPleas {
  int mass = 0;  // to everybody, to a number of people
  int open = 0;  // "pass it on", "faites passer": to nobody in particular
};

// `hashes` are the words' token_hash and `clause_end` marks the words that end a clause
// (NormalizedText::hashes, clause_end); without clause ends a text is one clause.
ChainPleas find_chain_pleas(std::span<const std::string_view> words,
                            std::span<const std::uint64_t> hashes,
                            std::span<const std::uint8_t> clause_end);

inline ChainPleas find_chain_pleas(const NormalizedText& text) {
  return find_chain_pleas(text.words, text.hashes, text.clause_end);
}

}  // namespace facteur::filter
