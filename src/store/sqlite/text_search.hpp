// Full-text search over the FTS5 table blob_text (trigram tokenizer, see schema.cpp step 3):
// the candidate query for a substring and the stored text that confirms a candidate.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace facteur::store::sqlite {

// The FTS5 query that narrows `field` to rows holding every sampled trigram of `needle`
// ("{body} : (\"hel\" AND \"lo \")"); "" when the index cannot narrow the needle (fewer than 3
// characters, or not valid UTF-8).
std::string fts_query(TextField field, std::string_view needle);

Result<std::vector<Uid>> load_search_candidates(Connection& db, MailboxId mailbox, TextField field,
                                                std::string_view needle);
Result<std::vector<std::optional<SearchText>>> load_search_texts(Connection& db, MailboxId mailbox,
                                                                 std::span<const Uid> uids);

}  // namespace facteur::store::sqlite
