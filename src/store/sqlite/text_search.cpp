#include "store/sqlite/text_search.hpp"

#include <algorithm>

namespace facteur::store::sqlite {
namespace {

constexpr std::size_t kMaxTerms = 12;  // more trigrams narrow little more and cost a lookup each

std::string_view column_of(TextField field) {
  switch (field) {
    case TextField::from:
      return "from_addr";
    case TextField::to:
      return "to_addr";
    case TextField::cc:
      return "cc";
    case TextField::bcc:
      return "bcc";
    case TextField::subject:
      return "subject";
    case TextField::headers:
      return "headers";
    case TextField::body:
      return "body";
    case TextField::any:
      break;
  }
  return {};
}

// Byte offsets of each UTF-8 character of `s`, plus s.size(); empty when `s` is not valid UTF-8.
std::vector<std::size_t> char_starts(std::string_view s) {
  std::vector<std::size_t> out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size() || c == 0) return {};
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return {};
    out.push_back(i);
    i += n;
  }
  out.push_back(s.size());
  return out;
}

}  // namespace

std::string fts_query(TextField field, std::string_view needle) {
  auto starts = char_starts(needle);
  if (starts.size() < 4) return {};  // fewer than 3 characters
  const std::size_t chars = starts.size() - 1;
  // Trigrams at 0, 3, 6...: every character of the needle is covered once; the last one is
  // added when the needle's length is not a multiple of 3.
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i + 3 <= chars; i += 3)
    at.push_back(i);
  if (at.back() + 3 < chars) at.push_back(chars - 3);
  if (at.size() > kMaxTerms) {
    std::vector<std::size_t> sampled;
    for (std::size_t k = 0; k < kMaxTerms; ++k)
      sampled.push_back(at[k * (at.size() - 1) / (kMaxTerms - 1)]);
    at = std::move(sampled);
  }
  std::string q;
  auto column = column_of(field);
  if (!column.empty()) {
    q += '{';
    q += column;
    q += "} : (";
  }
  for (std::size_t k = 0; k < at.size(); ++k) {
    if (k > 0) q += " AND ";
    q += '"';
    for (char c : needle.substr(starts[at[k]], starts[at[k] + 3] - starts[at[k]])) {
      if (c == '"') q += '"';
      q += c;
    }
    q += '"';
  }
  if (!column.empty()) q += ')';
  return q;
}

Result<std::vector<Uid>> load_search_candidates(Connection& db, MailboxId mailbox, TextField field,
                                                std::string_view needle) {
  std::string query = fts_query(field, needle);
  auto stmt = query.empty()
                  ? db.prepare("SELECT uid FROM message WHERE mailbox_id = ?1 ORDER BY uid")
                  // The FTS query runs once (MATERIALIZED); CROSS JOIN keeps SQLite from
                  // walking the whole mailbox: cost follows the hits, not the mailbox size.
                  : db.prepare(
                        "WITH hits(id) AS MATERIALIZED (SELECT rowid FROM blob_text"
                        " WHERE blob_text MATCH ?2)"
                        " SELECT m.uid FROM hits CROSS JOIN email e ON e.blob_id = hits.id"
                        " CROSS JOIN message m ON m.email_id = e.id WHERE m.mailbox_id = ?1"
                        " UNION"
                        " SELECT m.uid FROM blob b CROSS JOIN email e ON e.blob_id = b.id"
                        " CROSS JOIN message m ON m.email_id = e.id"
                        " WHERE b.text_indexed = 0 AND m.mailbox_id = ?1"
                        " ORDER BY 1");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, std::int64_t{mailbox});
  if (!query.empty()) stmt->bind(2, query);
  std::vector<Uid> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(static_cast<Uid>(stmt->int64(0)));
  }
  return out;
}

Result<std::vector<std::optional<SearchText>>> load_search_texts(Connection& db, MailboxId mailbox,
                                                                 std::span<const Uid> uids) {
  std::vector<std::optional<SearchText>> out;
  out.reserve(uids.size());
  for (Uid uid : uids) {
    auto stmt = db.prepare(
        "SELECT t.from_addr, t.to_addr, t.cc, t.bcc, t.subject, t.headers, t.body"
        " FROM message m JOIN email e ON e.id = m.email_id JOIN blob_text t ON t.rowid ="
        " e.blob_id WHERE m.mailbox_id = ? AND m.uid = ?");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind_all(mailbox, uid);
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) {
      out.emplace_back();
      continue;
    }
    SearchText t;
    t.from = stmt->text(0);
    t.to = stmt->text(1);
    t.cc = stmt->text(2);
    t.bcc = stmt->text(3);
    t.subject = stmt->text(4);
    t.headers = stmt->text(5);
    t.body = stmt->text(6);
    out.emplace_back(std::move(t));
  }
  return out;
}

}  // namespace facteur::store::sqlite
