// The typed IMAP command AST (RFC 3501 §6, RFC 9051 §6 and the extensions Facteur offers). The
// parser (parser.hpp) produces it; the protocol (protocol.hpp) hands it to the session inside a
// Request event. Mailbox names are already decoded (modified UTF-7 or UTF-8, by mode), checked
// and canonical ("INBOX"); strings are the bytes the client sent (quoted, literal or atom).
//
// TRUST: a value type; its contents came from the internet but passed the grammar and limits.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mail/date.hpp"
#include "proto/imap/sequence_set.hpp"

namespace facteur::imap {

// System flags as bits; the values equal store::FlagBits (kFlagSeen ...), \Recent aside.
using FlagBits = std::uint32_t;
inline constexpr FlagBits kSeen = 1u << 0;
inline constexpr FlagBits kAnswered = 1u << 1;
inline constexpr FlagBits kFlagged = 1u << 2;
inline constexpr FlagBits kDeleted = 1u << 3;
inline constexpr FlagBits kDraft = 1u << 4;
inline constexpr FlagBits kRecent = 1u << 5;  // SEARCH/FETCH only; never stored

struct Flags {
  FlagBits system = 0;
  std::vector<std::string> keywords;  // atoms as sent ("$Forwarded", "NonJunk"), unique
  bool operator==(const Flags&) const = default;
};

// ---- AUTHENTICATE, LOGIN, ENABLE

struct CapabilityCmd {};
struct NoopCmd {};
struct LogoutCmd {};
struct StartTlsCmd {};
struct AuthenticateCmd {
  std::string mechanism;                        // upper case
  std::optional<std::string> initial_response;  // SASL-IR (RFC 4959), base64-decoded; "=" -> ""
};
struct LoginCmd {
  std::string user;
  std::string password;
};
struct EnableCmd {
  std::vector<std::string> capabilities;  // upper case, as requested
};

// ---- mailbox commands

// SELECT/EXAMINE parameters (RFC 7162 §3.1.8, §3.2.5).
struct QresyncParams {
  std::uint32_t uid_validity = 0;
  std::uint64_t modseq = 0;
  std::optional<SequenceSet> known_uids;
  std::optional<SequenceSet> seq_match_seqs;  // known sequence match data: sequence numbers
  std::optional<SequenceSet> seq_match_uids;  //   ... and the corresponding UIDs
};
struct SelectCmd {
  std::string mailbox;
  bool read_only = false;  // EXAMINE
  bool condstore = false;  // (CONDSTORE)
  std::optional<QresyncParams> qresync;
};
struct CreateCmd {
  std::string mailbox;                   // checked with check_new_mailbox_name
  std::vector<std::string> special_use;  // (USE (\Sent ...)), RFC 6154 §3; as sent
};
struct DeleteCmd {
  std::string mailbox;
};
struct RenameCmd {
  std::string from;
  std::string to;  // checked with check_new_mailbox_name
};
struct SubscribeCmd {
  std::string mailbox;
  bool subscribe = true;  // false: UNSUBSCRIBE
};

enum class StatusItem : std::uint8_t {
  messages,
  recent,
  uidnext,
  uidvalidity,
  unseen,
  deleted,  // RFC 9051
  size,     // RFC 8438 STATUS=SIZE
  highestmodseq,
  appendlimit,  // RFC 7889
};
std::string_view to_string(StatusItem item) noexcept;

// LIST (RFC 9051 §6.3.9 with LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819, SPECIAL-USE RFC 6154)
// and LSUB (RFC 3501 §6.3.9). Patterns are full patterns: reference and pattern joined.
struct ListCmd {
  std::string reference;
  std::vector<std::string> patterns;  // list_pattern(reference, each), decoded
  bool lsub = false;
  bool delimiter_query = false;  // LIST "" "": asks for the hierarchy delimiter only
  bool extended = false;         // selection or return options, or a pattern list: RFC 5258 syntax
  // Selection options.
  bool select_subscribed = false;
  bool select_remote = false;
  bool select_recursive_match = false;
  bool select_special_use = false;
  // Return options.
  bool return_subscribed = false;
  bool return_children = false;
  bool return_special_use = false;
  std::optional<std::vector<StatusItem>> return_status;
};
struct NamespaceCmd {};
struct StatusCmd {
  std::string mailbox;
  std::vector<StatusItem> items;
};
// APPEND is streamed (AppendBegin/AppendChunk/AppendEnd events), never a Request.
struct AppendMessage {
  Flags flags;
  std::optional<mail::DateTime> date;
  std::uint64_t size = 0;  // literal octets
  bool binary = false;     // literal8 ~{n} (RFC 3516 §4.4)
  bool utf8 = false;       // UTF8 (~{n}) data extension (RFC 6855 §4)
  bool synchronizing = true;
};

struct IdleCmd {};
struct CheckCmd {};
struct CloseCmd {};
struct UnselectCmd {};
struct ExpungeCmd {
  std::optional<SequenceSet> uids;  // UID EXPUNGE (RFC 4315 §2.1)
};

// ---- SEARCH (RFC 3501 §6.4.4, RFC 9051 §6.4.4, RFC 7162 MODSEQ, RFC 8514 SAVEDATE)

struct SearchKey {
  enum class Kind : std::uint8_t {
    all,
    and_,  // children all match (a parenthesised list, or keys side by side)
    or_,   // children[0] or children[1]
    not_,  // children[0] does not
    sequence_set,
    uid,
    answered,
    deleted,
    draft,
    flagged,
    seen,
    recent,
    new_,
    old,
    unanswered,
    undeleted,
    undraft,
    unflagged,
    unseen,
    keyword,    // text: the keyword
    unkeyword,  // text: the keyword
    bcc,        // text: the substring
    body,
    cc,
    from,
    subject,
    text,
    to,
    header,  // field: the field name (as sent), text: the substring ("" = field present)
    before,  // date: internal date, disregarding time and zone
    on,
    since,
    sent_before,  // date: the Date: header
    sent_on,
    sent_since,
    saved_before,  // RFC 8514
    saved_on,
    saved_since,
    saved_date_supported,
    larger,   // number: RFC822.SIZE
    smaller,  // number
    modseq,   // number: mod-sequence (>=); field/text: optional entry name/type (ignored)
    older,    // number: seconds (RFC 5032 WITHIN)
    younger,  // number: seconds
  };
  Kind kind = Kind::all;
  std::string field;
  std::string text;
  std::uint64_t number = 0;
  std::chrono::sys_days date{};
  SequenceSet set;
  std::vector<SearchKey> children;
};

// ESEARCH return options (RFC 4731, RFC 5182 SAVE, RFC 9051 §6.4.4).
struct SearchReturn {
  bool min = false;
  bool max = false;
  bool all = false;
  bool count = false;
  bool save = false;
  bool empty() const { return !min && !max && !all && !count && !save; }
};

struct SearchCmd {
  bool uid = false;
  std::optional<std::string> charset;   // upper case; only US-ASCII and UTF-8 pass the parser
  std::optional<SearchReturn> returns;  // RETURN (...) given: answer with ESEARCH
  SearchKey key;                        // the top-level keys ANDed (Kind::and_)
};

// SORT (RFC 5256 §3).
enum class SortKey : std::uint8_t { arrival, cc, date, from, size, subject, to };
struct SortCriterion {
  SortKey key = SortKey::arrival;
  bool reverse = false;
  bool operator==(const SortCriterion&) const = default;
};
struct SortCmd {
  bool uid = false;
  std::vector<SortCriterion> criteria;
  std::string charset;  // upper case
  SearchKey key;
};
enum class ThreadAlgorithm : std::uint8_t { ordered_subject, references };
struct ThreadCmd {
  bool uid = false;
  ThreadAlgorithm algorithm = ThreadAlgorithm::references;
  std::string charset;
  SearchKey key;
};

// ---- FETCH (RFC 3501 §6.4.5, RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162, RFC 8514)

// BODY[<section>]: the part path and which text of it.
struct Section {
  enum class Text : std::uint8_t { all, header, header_fields, header_fields_not, text, mime };
  std::vector<std::uint32_t> part;  // empty: the whole message
  Text text = Text::all;
  std::vector<std::string> fields;  // HEADER.FIELDS (...) names, as sent
  bool operator==(const Section&) const = default;
};

struct FetchItem {
  enum class Kind : std::uint8_t {
    envelope,
    flags,
    internal_date,
    rfc822,         // = BODY[] (sets \Seen)
    rfc822_header,  // = BODY.PEEK[HEADER]
    rfc822_size,
    rfc822_text,  // = BODY[TEXT]
    body,         // BODY: the non-extensible BODYSTRUCTURE
    body_structure,
    uid,
    modseq,     // RFC 7162
    save_date,  // RFC 8514
    body_section,
    binary,       // RFC 3516 BINARY[part]<partial>
    binary_size,  // RFC 3516 BINARY.SIZE[part]
  };
  Kind kind = Kind::flags;
  bool peek = false;  // .PEEK: does not set \Seen
  Section section;    // body_section, binary, binary_size (part only)
  std::optional<std::pair<std::uint64_t, std::uint64_t>> partial;  // <origin.count>
  bool operator==(const FetchItem&) const = default;
};

struct FetchCmd {
  bool uid = false;
  SequenceSet set;
  std::vector<FetchItem> items;  // macros expanded; UID added for UID FETCH (RFC 9051 §6.4.9)
  std::optional<std::uint64_t> changed_since;  // (CHANGEDSINCE n), RFC 7162 §3.1.4
  bool vanished = false;                       // (VANISHED), RFC 7162 §3.2.6; UID FETCH only
  // Derived: true when some item without .PEEK reads the body (BODY[...], RFC822, RFC822.TEXT,
  // BINARY[...]): the session sets \Seen (RFC 9051 §6.4.5) unless the mailbox is read-only.
  bool sets_seen = false;
};

// STORE (RFC 9051 §6.4.6, RFC 7162 §3.1.3).
enum class StoreMode : std::uint8_t { replace, add, remove };
struct StoreCmd {
  bool uid = false;
  SequenceSet set;
  std::optional<std::uint64_t> unchanged_since;
  StoreMode mode = StoreMode::replace;
  bool silent = false;
  Flags flags;
};

// COPY and MOVE (RFC 6851).
struct CopyCmd {
  bool uid = false;
  bool move = false;
  SequenceSet set;
  std::string mailbox;
};

// ID (RFC 2971): NIL or field/value pairs (values may be NIL).
struct IdCmd {
  std::vector<std::pair<std::string, std::optional<std::string>>> fields;
};

// QUOTA (RFC 9208).
struct GetQuotaCmd {
  std::string root;
};
struct GetQuotaRootCmd {
  std::string mailbox;
};
struct SetQuotaCmd {
  std::string root;
  std::vector<std::pair<std::string, std::uint64_t>> limits;  // resource name upper case
};

// COMPRESS (RFC 4978).
struct CompressCmd {
  std::string mechanism;  // upper case
};

using Command =
    std::variant<CapabilityCmd, NoopCmd, LogoutCmd, StartTlsCmd, AuthenticateCmd, LoginCmd,
                 EnableCmd, SelectCmd, CreateCmd, DeleteCmd, RenameCmd, SubscribeCmd, ListCmd,
                 NamespaceCmd, StatusCmd, IdleCmd, CheckCmd, CloseCmd, UnselectCmd, ExpungeCmd,
                 SearchCmd, SortCmd, ThreadCmd, FetchCmd, StoreCmd, CopyCmd, IdCmd, GetQuotaCmd,
                 GetQuotaRootCmd, SetQuotaCmd, CompressCmd>;

// The command name as a client would write it ("UID FETCH", "EXAMINE", "LSUB"...).
std::string_view command_name(const Command& command);

}  // namespace facteur::imap
