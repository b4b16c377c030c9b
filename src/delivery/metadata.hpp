// The metadata computed once per message at delivery and cached by the store, so IMAP FETCH and
// SEARCH never re-parse the message: ENVELOPE, BODYSTRUCTURE, the MIME part tree, threading
// keys and the decoded text for the full-text index.
#pragma once

#include <optional>
#include <string_view>

#include "store/store.hpp"

namespace facteur::delivery {

struct ParsedForStore {
  store::MessageMetadata metadata;
  std::optional<store::SearchText> search_text;
};

// Never fails: a message the parser cannot make sense of still gets usable (if minimal) metadata.
ParsedForStore build_metadata(std::string_view message);

}  // namespace facteur::delivery
