// Writing IMAP responses (RFC 9051 §7, RFC 3501 §7): tagged and untagged status responses with
// response codes, mailbox data (LIST, STATUS, FLAGS, EXISTS...), message data (EXPUNGE,
// VANISHED, FETCH) and the extension responses (ESEARCH, SORT, THREAD, QUOTA, ID, ENABLED,
// NAMESPACE). Everything appends to one std::string; a FETCH of 20,000 messages costs no
// allocation per message beyond the buffer's growth.
//
// Strings are quoted when that is safe and literals otherwise; 8-bit text is quoted only for a
// UTF-8 client (IMAP4rev2 or UTF8=ACCEPT). Mailbox names are modified UTF-7 for IMAP4rev1
// clients and UTF-8 otherwise.
//
// TRUST: writes internet-derived bytes (header values, mailbox names, client tags) into
// responses; never lets CR, LF or NUL into a quoted string or a status text.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/imap/command.hpp"

namespace facteur::imap {

enum class Outcome : std::uint8_t { ok, no, bad };
std::string_view to_string(Outcome outcome) noexcept;  // "OK", "NO", "BAD"

// Response codes (RFC 9051 §7.1, RFC 4315, RFC 7162, RFC 4978...): the text between brackets.
namespace code {
std::string uidnext(std::uint32_t uid_next);
std::string uidvalidity(std::uint32_t uid_validity);
std::string unseen(std::uint32_t seq);
std::string highestmodseq(std::uint64_t modseq);
std::string appenduid(std::uint32_t uid_validity, std::span<const std::uint32_t> uids);
std::string copyuid(std::uint32_t uid_validity, std::span<const std::uint32_t> from,
                    std::span<const std::uint32_t> to);
std::string modified(std::span<const std::uint32_t> numbers);  // RFC 7162 §3.1.3
std::string permanentflags(FlagBits system, std::span<const std::string> keywords,
                           bool new_keywords);
std::string capability(std::string_view capabilities);
inline constexpr std::string_view kReadOnly = "READ-ONLY";
inline constexpr std::string_view kReadWrite = "READ-WRITE";
inline constexpr std::string_view kTryCreate = "TRYCREATE";
inline constexpr std::string_view kTooBig = "TOOBIG";
inline constexpr std::string_view kLimit = "LIMIT";
inline constexpr std::string_view kOverQuota = "OVERQUOTA";
inline constexpr std::string_view kNonExistent = "NONEXISTENT";
inline constexpr std::string_view kAlreadyExists = "ALREADYEXISTS";
inline constexpr std::string_view kCannot = "CANNOT";
inline constexpr std::string_view kInUse = "INUSE";
inline constexpr std::string_view kNoPerm = "NOPERM";
inline constexpr std::string_view kServerBug = "SERVERBUG";
inline constexpr std::string_view kUnavailable = "UNAVAILABLE";
inline constexpr std::string_view kAuthenticationFailed = "AUTHENTICATIONFAILED";
inline constexpr std::string_view kNoModSeq = "NOMODSEQ";
inline constexpr std::string_view kClosed = "CLOSED";
inline constexpr std::string_view kExpungeIssued = "EXPUNGEISSUED";
inline constexpr std::string_view kUidNotSticky = "UIDNOTSTICKY";
}  // namespace code

// One attribute/value of a STATUS response.
struct StatusValue {
  StatusItem item;
  std::uint64_t value = 0;
};

// A resource line of a QUOTA response (RFC 9208 §5.1): name, usage, limit.
struct QuotaResource {
  std::string_view name;  // "STORAGE" (in KiB) or "MESSAGE"
  std::uint64_t usage = 0;
  std::uint64_t limit = 0;
};

// Appends `s` as an IMAP string: quoted when it has no CR, LF or NUL, is at most 1000 octets
// and is 7-bit (or valid UTF-8 and `utf8`); a literal {n} otherwise.
void append_string(std::string& out, std::string_view s, bool utf8);
// The flag list "(\Seen $Forwarded)"; `recent` adds \Recent.
void append_flags(std::string& out, FlagBits system, std::span<const std::string> keywords);
// The section name as FETCH responses name it: "BODY[1.2.HEADER.FIELDS (A B)]<10>".
void append_item_name(std::string& out, const FetchItem& item);

class FetchWriter;

class ResponseWriter {
 public:
  // `utf8`: the client accepts UTF-8 (IMAP4rev2 or UTF8=ACCEPT enabled).
  ResponseWriter(std::string& out, bool utf8) : out_(&out), utf8_(utf8) {}

  std::string& buffer() const { return *out_; }
  bool utf8() const { return utf8_; }

  // "tag OK [code] text" (code without brackets; "" for none). Text is sanitised.
  void tagged(std::string_view tag, Outcome outcome, std::string_view code, std::string_view text);
  // "* OK [code] text"; kind is OK, NO, BAD, BYE or PREAUTH.
  void status(std::string_view kind, std::string_view code, std::string_view text);
  // "* " + raw + CRLF: for data this writer has no helper for (the caller is responsible).
  void untagged(std::string_view raw);

  void capability(std::string_view capabilities);           // "* CAPABILITY IMAP4rev1 ..."
  void enabled(std::span<const std::string> capabilities);  // "* ENABLED ..." (RFC 5161)
  void exists(std::uint32_t n);
  void recent(std::uint32_t n);  // IMAP4rev1 only
  void expunge(std::uint32_t seq);
  // "* VANISHED [(EARLIER) ]1:3,5" (RFC 7162 §3.2.10); nothing when `uids` is empty.
  void vanished(std::span<const std::uint32_t> uids, bool earlier);
  // "* FLAGS (\Answered \Flagged \Deleted \Seen \Draft kw...)"
  void flags(FlagBits system, std::span<const std::string> keywords);
  // "* LIST (attrs) "/" name[ extended]" or "* LSUB ...". `attributes` e.g. "\HasNoChildren
  // \Sent"; `extended` the raw extended data ("("CHILDINFO" ("SUBSCRIBED"))") or "".
  void list(std::string_view attributes, std::string_view mailbox, bool lsub = false,
            std::string_view extended = {});
  // "* STATUS name (MESSAGES 3 UIDNEXT 9)"
  void status_data(std::string_view mailbox, std::span<const StatusValue> values);
  // Mailbox name as an IMAP string, mUTF-7 encoded for rev1 clients.
  void append_mailbox(std::string& out, std::string_view utf8_name) const;

  // IMAP4rev1 "* SEARCH 2 3 6[ (MODSEQ n)]" (RFC 3501 §7.2.5, RFC 7162 §3.1.5).
  void search(std::span<const std::uint32_t> numbers, std::optional<std::uint64_t> modseq = {});
  // "* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [COUNT n] [ALL set] [MODSEQ n]" (RFC 4731 §3.1,
  // RFC 9051 §7.3.4). `numbers` ascending. With only SAVE requested nothing is written
  // (RFC 5182 §2.1), unless `always` (IMAP4rev2 SEARCH without RETURN).
  void esearch(std::string_view tag, bool uid, const SearchReturn& returns,
               std::span<const std::uint32_t> numbers, std::optional<std::uint64_t> modseq = {});
  // The answer to SEARCH / UID SEARCH: ESEARCH when RETURN was given or the client is in
  // IMAP4rev2 mode (RFC 9051 §6.4.4: no RETURN means RETURN (ALL)), else "* SEARCH".
  // `numbers` ascending (sequence numbers, or UIDs for UID SEARCH).
  void search_results(std::string_view tag, const SearchCmd& search,
                      std::span<const std::uint32_t> numbers, std::optional<std::uint64_t> modseq,
                      bool rev2);
  // "* SORT 2 3 6" (RFC 5256 §4)
  void sort(std::span<const std::uint32_t> numbers);
  // "* THREAD (2)(3 6 (4 23)(44 7 96))": `threads` is already formatted (thread.hpp).
  void thread(std::string_view threads);
  // "* NAMESPACE (("" "/")) NIL NIL" — Facteur's single personal namespace.
  void namespace_personal();
  // "* ID ("name" "Facteur" ...)" or "* ID NIL".
  void id(std::span<const std::pair<std::string_view, std::string_view>> fields);
  // "* QUOTA root (STORAGE 10 512)" and "* QUOTAROOT mailbox root..."
  void quota(std::string_view root, std::span<const QuotaResource> resources);
  void quota_root(std::string_view mailbox, std::span<const std::string_view> roots);

  // Starts "* seq FETCH (": add items, then finish().
  FetchWriter fetch(std::uint32_t seq);

 private:
  std::string* out_;
  bool utf8_;
};

// Builds one FETCH response in place. Items are written in the order the calls come.
class FetchWriter {
 public:
  FetchWriter(std::string& out, bool utf8, std::uint32_t seq);

  void uid(std::uint32_t uid);
  void flags(FlagBits system, std::span<const std::string> keywords);
  void internal_date(std::int64_t unix_seconds, int offset_minutes = 0);
  void rfc822_size(std::uint64_t size);
  void modseq(std::uint64_t modseq);                 // "MODSEQ (n)"
  void save_date(std::optional<std::int64_t> unix);  // "SAVEDATE "..."" or "SAVEDATE NIL"
  // Precomputed wire forms (store::MessageMetadata).
  void envelope(std::string_view wire);
  void body_structure(std::string_view wire);
  void body(std::string_view wire);
  // A section's content: "BODY[1]<0> {n}CRLF<data>"; BINARY with NUL uses literal8 "~{n}".
  // `data` is the part already cut to the partial range (see fetch.hpp).
  void section(const FetchItem& item, std::string_view data);
  // The same, but only the announcement "BODY[] {n}\r\n": the caller appends exactly `size`
  // octets itself (streaming big messages). `binary`: use "~{n}".
  void section_announce(const FetchItem& item, std::uint64_t size, bool binary = false);
  void section_nil(const FetchItem& item);
  void binary_size(const FetchItem& item, std::uint64_t size);  // "BINARY.SIZE[1] 42"
  void finish();                                                // ")\r\n"

  std::string& buffer() { return *out_; }

 private:
  void sep();
  std::string* out_;
  bool utf8_;
  bool first_ = true;
};

}  // namespace facteur::imap
