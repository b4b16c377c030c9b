// SEARCH evaluation (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162 MODSEQ, RFC 8514 SAVED*,
// RFC 5032 OLDER/YOUNGER, RFC 5182 "$"): a compiled search program tested against per-message
// data the session supplies. Flags, sizes, dates, UIDs and sequence numbers are checked here;
// text keys (FROM, SUBJECT, HEADER, BODY, TEXT...) are asked of a SearchText the session
// implements (decoded headers, the FTS index...). Cheap keys are tested before text keys in an
// AND so the expensive ones run only when needed.
//
// TRUST: the program came from the client (parsed, depth-bounded); evaluation is linear in its
// size per message.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/imap/command.hpp"

namespace facteur::imap {

// One message as the session describes it.
struct SearchMessage {
  std::uint32_t seq = 0;
  std::uint32_t uid = 0;
  FlagBits flags = 0;  // kRecent set when the message is recent for this session
  std::span<const std::string> keywords;
  std::uint64_t size = 0;
  std::int64_t internal_date = 0;  // unix seconds
  std::int64_t sent_date = 0;      // Date: header, unix seconds; 0 when absent (never matches)
  std::int64_t save_date = 0;      // unix seconds; 0 when unknown (SAVED* never match)
  std::uint64_t modseq = 0;
};

// Text matching, implemented by the session. `needle` is the client's string; matching should
// be a case-insensitive substring test (contains_icase helps). Field names are as sent.
class SearchText {
 public:
  virtual ~SearchText() = default;
  // A header field contains `needle` ("" : the field is present). FROM/TO/CC/BCC/SUBJECT come
  // here with those field names.
  virtual bool header(std::string_view field, std::string_view needle) = 0;
  virtual bool body(std::string_view needle) = 0;  // the body (decoded text)
  virtual bool text(std::string_view needle) = 0;  // header or body
};

struct SearchContext {
  std::uint32_t exists = 0;                   // messages in the view ("*" for sequence sets)
  std::uint32_t max_uid = 0;                  // highest UID in the view ("*" for UID sets)
  std::span<const std::uint32_t> saved_uids;  // the $ result as UIDs, ascending (RFC 5182)
  std::int64_t now = 0;                       // unix seconds, for OLDER/YOUNGER
  int zone_offset_minutes = 0;  // the server's zone for "disregarding time and timezone" dates
};

class SearchProgram {
 public:
  // Copies what it needs of `key`: the program does not refer to it afterwards.
  SearchProgram(const SearchKey& key, const SearchContext& context);
  ~SearchProgram();
  SearchProgram(SearchProgram&&) noexcept;
  SearchProgram& operator=(SearchProgram&&) noexcept;

  // `text` may be null when needs_text() is false.
  bool matches(const SearchMessage& message, SearchText* text) const;
  bool needs_text() const;   // some key asks the SearchText
  bool uses_modseq() const;  // a MODSEQ key: the response carries (MODSEQ n), RFC 7162 §3.1.5

 private:
  struct Node;
  std::unique_ptr<SearchKey> key_;  // owned copy; nodes point into it
  std::unique_ptr<Node> root_;
  SearchContext context_;
  bool needs_text_ = false;
  bool uses_modseq_ = false;
};

// What SEARCH RETURN (SAVE ...) saves (RFC 5182 §2.1): with MIN and/or MAX and neither ALL nor
// COUNT, only those; otherwise every match. `uids` ascending.
std::vector<std::uint32_t> saved_result(const SearchReturn& returns,
                                        std::span<const std::uint32_t> uids);

// ASCII case-insensitive substring test (UTF-8 bytes compared as they are).
bool contains_icase(std::string_view haystack, std::string_view needle) noexcept;

}  // namespace facteur::imap
