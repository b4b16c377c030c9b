// Lookalike domains: IDNA "xn--" labels decoded (RFC 3492 Punycode), a confusables skeleton
// (Cyrillic/Greek letters that look Latin, full-width forms, "rn" for "m", digits for letters)
// and a bounded edit distance, to tell "paypa1.com", "xn--pypal-4ve.com" (Cyrillic "а") or
// "examp1e-bank.test" from the domains they imitate.
// Trust: sees internet input (host names of links and addresses); linear or O(n*k) time on
// labels capped at 63 bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace facteur::filter {

// The host with every "xn--" label decoded to UTF-8 by mail::punycode_decode (labels that fail
// stay as written).
std::string decode_idna_host(std::string_view host);

// The confusables skeleton of a UTF-8 label or host: letters that render like ASCII letters
// mapped to them, then "rn"->"m", "vv"->"w", "0"->"o", "1"/"i"/"|"->"l", "3"->"e", "5"->"s",
// "@"->"a"; case folded; separators '-' and '_' dropped.
std::string skeleton(std::string_view utf8);

// Optimal-string-alignment distance (insertions, deletions, substitutions, adjacent
// transpositions) of two byte strings, or max_distance + 1 when it is larger (early exit).
std::size_t bounded_edit_distance(std::string_view a, std::string_view b,
                                  std::size_t max_distance) noexcept;

// True when one label of the host (decoded, UTF-8) mixes Latin letters with Cyrillic, Greek,
// Armenian or IPA ones: "pаypal" with a Cyrillic "а", "pɑypal" with an IPA "ɑ". Browsers show such
// labels as "xn--" for this reason; real names are written in one script ("bücher", "пример").
bool mixes_scripts(std::string_view utf8_host);

// The words of UTF-8 text (runs of letters) spelt in Latin letters with Cyrillic or Greek ones
// drawn alike ("Ѕuѕpеndеd", "MеtаМаsk"), at least three letters each, in the first `max_bytes`:
// text disguised from filters and readers. A Russian or Greek word with a stray Latin letter
// is not one (it has letters no Latin one looks like), nor "5μm" (μ looks like no Latin letter).
std::size_t disguised_words(std::string_view utf8, std::size_t max_bytes = 64 * 1024);

// `utf8` with the Cyrillic and Greek letters drawn like Latin ones replaced by those.
std::string unmask_lookalike_letters(std::string_view utf8);

// True when the host contains a non-ASCII or "xn--" label.
bool is_internationalized(std::string_view host) noexcept;

}  // namespace facteur::filter
