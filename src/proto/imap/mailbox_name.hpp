// Mailbox names on the wire: modified UTF-7 (RFC 3501 §5.1.3, the IMAP4rev1 form) both ways
// with strict validation, the safety rules for names a client may create, and LIST/LSUB pattern
// matching ("*" and "%" with the hierarchy delimiter "/", RFC 9051 §6.3.9).
//
// Names inside Facteur are UTF-8 with "/" between levels and "INBOX" upper case. A client in
// IMAP4rev1 mode sends and receives modified UTF-7; after ENABLE IMAP4rev2 or UTF8=ACCEPT
// (RFC 6855) names travel as UTF-8 and "&" has no special meaning.
//
// TRUST: decodes client input. Linear time except list_match (O(pattern * name), both bounded).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace facteur::imap {

inline constexpr char kDelimiter = '/';
inline constexpr std::size_t kMaxMailboxName = 1024;  // octets of UTF-8
inline constexpr std::size_t kMaxMailboxLevels = 32;
inline constexpr std::size_t kMaxListPattern = 255;  // octets of one LIST pattern (with reference)
inline constexpr std::size_t kMaxListPatterns = 16;  // patterns in one LIST

// Modified UTF-7 -> UTF-8. Errc::parse_error for 8-bit or control bytes, an unterminated or
// badly padded "&...-" run, a run that encodes printable ASCII or is followed directly by
// another run, or an unpaired surrogate.
Result<std::string> mutf7_decode(std::string_view mutf7);

// UTF-8 -> modified UTF-7. Invalid UTF-8 sequences become U+FFFD.
std::string mutf7_encode(std::string_view utf8);

// "inbox" / "Inbox/x" -> "INBOX" / "INBOX/x"; anything else unchanged.
std::string canonical_name(std::string_view utf8);

// A name as a client may use it in any command (after decoding): non-empty, valid UTF-8, no
// control characters, at most kMaxMailboxName octets. Returns the canonical name.
Result<std::string> check_mailbox_name(std::string_view utf8);

// A name a client may create or rename to: check_mailbox_name, plus no wildcard ("*", "%"), no
// empty level (leading "/" or "//"), no "." or ".." level, at most kMaxMailboxLevels levels. One
// trailing "/" is dropped (RFC 9051 §6.3.4: it declares the intent to create children).
Result<std::string> check_new_mailbox_name(std::string_view utf8);

// The LIST pattern for a reference and a mailbox pattern (RFC 9051 §6.3.9): they are joined,
// with a "/" in between when neither supplies one.
std::string list_pattern(std::string_view reference, std::string_view pattern);

// Does `name` match `pattern`? "*" matches any run of characters, "%" any run without "/". The
// leading "INBOX" of both is compared case-insensitively.
bool list_match(std::string_view pattern, std::string_view name);

// Does any child of `name` match? (LIST-EXTENDED CHILDINFO and "%" returning a parent whose
// child matched; RFC 5258 §3.5.) True when `pattern` could match some "name/..." mailbox.
bool list_match_prefix(std::string_view pattern, std::string_view name);

}  // namespace facteur::imap
