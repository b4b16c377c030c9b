#include "delivery/metadata.hpp"

namespace facteur::delivery {

ParsedForStore build_metadata(std::string_view /*message*/) {
  // Filled from the mail library's one-pass parse once it lands (ENVELOPE, BODYSTRUCTURE...).
  return {};
}

}  // namespace facteur::delivery
