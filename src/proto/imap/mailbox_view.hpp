// MailboxView: one session's view of its selected mailbox (sequence number -> UID) and the
// rules for untagged updates (RFC 3501 §7.4.1 / §5.5, RFC 9051 §7.5.1, RFC 7162 §3.2.10).
// The session tells it what changed in the store (added, expunged, flags changed, in any order,
// at any time); the view keeps the client's numbering until the changes may be announced, and
// flush() writes exactly the updates allowed at that moment: never EXPUNGE while a FETCH,
// STORE or SEARCH with sequence numbers is answered, EXPUNGE before EXISTS so the numbers
// stay consistent, VANISHED instead of EXPUNGE after ENABLE QRESYNC.
//
// TRUST: no client input; the session's data. flush() is O(view + changes).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "proto/imap/command.hpp"
#include "proto/imap/response.hpp"

namespace facteur::imap {

// The flags of one message after a change.
struct FlagState {
  std::uint32_t uid = 0;
  std::uint64_t modseq = 0;
  FlagBits flags = 0;
  std::vector<std::string> keywords;
};

class MailboxView {
 public:
  // When updates may go out (RFC 9051 §7.5.1).
  enum class Moment {
    any,         // NOOP, IDLE, CHECK, UID commands, most others: everything pending
    no_expunge,  // FETCH, STORE, SEARCH, SORT, THREAD with sequence numbers: EXISTS, FETCH only
  };
  static Moment moment_for(const Command& command);

  struct FlushOptions {
    bool qresync = false;    // VANISHED instead of EXPUNGE (RFC 7162 §3.2.10)
    bool condstore = false;  // MODSEQ in FETCH updates (RFC 7162 §3.1.4)
    bool rev1 = true;        // IMAP4rev1: "* n RECENT" after EXISTS
  };

  // SELECT/EXAMINE: the mailbox's UIDs ascending. Messages with uid >= recent_from_uid are
  // \Recent for this session (0: none are).
  void reset(std::vector<std::uint32_t> uids, std::uint64_t highest_modseq = 0,
             std::uint32_t recent_from_uid = 0);
  void clear();  // CLOSE/UNSELECT

  std::uint32_t exists() const { return std::uint32_t(uids_.size()); }
  std::span<const std::uint32_t> uids() const { return uids_; }
  std::optional<std::uint32_t> seq_of(std::uint32_t uid) const;  // 1-based
  std::uint32_t uid_of(std::uint32_t seq) const;                 // 0 when out of range
  std::uint32_t recent_count() const;
  bool is_recent(std::uint32_t uid) const;
  // The highest MODSEQ the session has fetched changes up to (for store queries).
  std::uint64_t highest_modseq() const { return highest_modseq_; }
  void set_highest_modseq(std::uint64_t m) { highest_modseq_ = std::max(highest_modseq_, m); }
  // The highest UID the view knows (announced or pending): new messages are above it.
  std::uint32_t last_uid() const;

  // A command's set resolved against the client's view (announced messages only), "$" included:
  // 0-based indexes into uids(), ascending. Sequence numbers out of range or "*" on an empty
  // view: Errc::invalid_argument (answer BAD, RFC 9051 §6.4). UID sets ignore missing UIDs.
  Result<std::vector<std::uint32_t>> resolve(const SequenceSet& set, bool uid) const;

  // SEARCHRES (RFC 5182): the saved result as UIDs; expunged ones drop out at flush().
  void save(std::vector<std::uint32_t> uids);
  std::span<const std::uint32_t> saved() const { return saved_; }

  // Store changes.
  void added(std::span<const std::uint32_t> uids);     // new messages (UIDs above last_uid())
  void expunged(std::span<const std::uint32_t> uids);  // gone from the store
  void flags_changed(FlagState state);                 // ignored for messages not in view

  bool has_pending() const;
  // Writes the updates allowed at `moment`, in a safe order: EXPUNGE/VANISHED, EXISTS
  // [RECENT], then FETCH (FLAGS...) for messages still in view. Returns true if anything was
  // written. Expunges wait (and keep their sequence numbers) while moment is no_expunge.
  // Call it only while a command is in progress (before its tagged response, or during IDLE):
  // no untagged EXPUNGE may go out when none is (RFC 9051 §7.5.1).
  bool flush(ResponseWriter& writer, Moment moment, const FlushOptions& options);

 private:
  std::vector<std::uint32_t> uids_;
  std::vector<std::uint32_t> pending_new_;
  std::set<std::uint32_t> pending_expunged_;
  std::map<std::uint32_t, FlagState> pending_flags_;
  std::vector<std::uint32_t> saved_;
  std::uint64_t highest_modseq_ = 0;
  std::uint32_t recent_from_ = 0;
};

// QRESYNC (RFC 7162 §3.2.5.2, §3.2.6): of the UIDs expunged since the client's mod-sequence
// (store: expunged_since), those inside `set` — the known-uids of SELECT (QRESYNC ...), or the
// UID set of UID FETCH (VANISHED) — ascending, for "* VANISHED (EARLIER) ...". `star` is what
// "*" means (the highest UID the mailbox ever had, uid_next - 1). No set: all of them.
std::vector<std::uint32_t> vanished_within(const std::optional<SequenceSet>& set,
                                           std::span<const std::uint32_t> expunged_since,
                                           std::uint32_t star);

// The untagged data a successful SELECT/EXAMINE sends (RFC 9051 §6.3.2, RFC 3501 §6.3.1,
// RFC 7162 §3.1.2): FLAGS, EXISTS, [RECENT, OK [UNSEEN n] — rev1], OK [PERMANENTFLAGS],
// OK [UIDVALIDITY], OK [UIDNEXT], OK [HIGHESTMODSEQ] or [NOMODSEQ], and LIST (rev2).
struct SelectInfo {
  std::string mailbox;  // UTF-8
  std::uint32_t exists = 0;
  std::uint32_t recent = 0;
  std::uint32_t first_unseen = 0;  // sequence number, 0: none
  std::uint32_t uid_validity = 0;
  std::uint32_t uid_next = 0;
  std::uint64_t highest_modseq = 0;   // 0: NOMODSEQ
  std::vector<std::string> keywords;  // keywords in use (FLAGS, PERMANENTFLAGS)
  bool read_only = false;
  bool rev1 = true;
  bool condstore = false;       // CONDSTORE enabled or SELECT (CONDSTORE): HIGHESTMODSEQ
  std::string list_attributes;  // rev2 LIST attributes, e.g. "\HasNoChildren \Sent"
};
void write_select(ResponseWriter& writer, const SelectInfo& info);

}  // namespace facteur::imap
