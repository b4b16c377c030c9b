// The claims of hoaxes that have circulated by mail for years, in any wording: the PIN typed
// backwards that calls the police, Mars as large as the full moon, mobile numbers handed to
// telemarketers, a kidney stolen in a hotel bathtub... Most hoaxes in circulation are
// variants of a few dozen such stories (the catalogues of hoax-busting sites list them), and
// a new telling keeps the story's few key notions while its words change. Each story is
// known by those notions (two or three), each said in several ways in English and French;
// all of them must be in the text. No notion is the story on its own, and together they are the
// story's own wording, not its topic's: the notices and corrections on the real danger share
// the topic. A story is evidence, never a verdict: the hoax check counts it only in a forward
// that asks to be passed on.
// Trust: sees internet input (normalised words); linear in the number of words.
#pragma once

#include <optional>
#include <string_view>

#include "filter/text_norm.hpp"

namespace facteur::filter {

// The story the text tells ("the PIN typed backwards at a cash machine"), if it is a known
// hoax's; the subject counts with the body.
std::optional<std::string_view> known_hoax_claim(const NormalizedText& body,
                                                 const NormalizedText& subject);

}  // namespace facteur::filter
