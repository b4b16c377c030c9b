// The IMAP command parser: one command's wire bytes (lines and the literals between them) ->
// the typed AST of command.hpp. It also answers, for a command cut right after a literal
// announcement "{n}\r\n", whether everything so far is acceptable (so the protocol may send the
// "+" continuation request, RFC 9051 §7.5) and whether that literal is APPEND's message (which
// the protocol streams instead of buffering).
//
// Grammar: RFC 9051 §9 (with the RFC 3501 commands LSUB, CHECK and the RECENT keys), RFC 7888
// literals "{n+}", RFC 3516 literal8 "~{n}" (APPEND only), RFC 4959 SASL-IR, RFC 5161 ENABLE,
// RFC 7162 (CONDSTORE/QRESYNC parameters and modifiers), RFC 6154 CREATE USE, RFC 5258/5819 LIST,
// RFC 4731/5182 ESEARCH RETURN and "$", RFC 5256 SORT/THREAD, RFC 6851 MOVE, RFC 4315 UID
// EXPUNGE, RFC 2971 ID, RFC 9208 QUOTA, RFC 4978 COMPRESS, RFC 3502 MULTIAPPEND, RFC 6855 UTF8.
//
// TRUST: parses internet input. Recursion is bounded by ParserOptions::max_depth, list lengths
// by max_items; time is linear in the input. Sizes of lines and literals are the protocol's
// job (it calls the parser only with bounded input).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "proto/imap/command.hpp"

namespace facteur::imap {

struct ParserOptions {
  bool utf8 = false;               // mailbox names are UTF-8 (IMAP4rev2, UTF8=ACCEPT), not mUTF-7
  std::size_t max_depth = 64;      // nested parentheses / NOT / OR in SEARCH
  std::size_t max_items = 10'000;  // elements of one list (flags, fetch items, search keys...)
};

struct ParseResult {
  enum class Kind {
    complete,        // `command` is set
    need_literal,    // the input ends with a literal announcement that may be accepted
    append_message,  // the input ends with APPEND's message literal: `mailbox`, `message`
    append_done,     // parse_append_rest: the APPEND command ends here
    error,           // `error` (and maybe `code`): answer tagged BAD, or NO when `no`
  };
  Kind kind = Kind::error;
  std::string tag;   // "" when not even the tag could be read (answer "* BAD")
  std::string name;  // upper-case command name ("UID FETCH"), when known
  std::optional<Command> command;
  // APPEND (append_message).
  std::string mailbox;
  AppendMessage message;
  // error
  std::string error;
  std::string code;  // response code without brackets ("CANNOT", "NONEXISTENT", "CLIENTBUG")
  bool no = false;   // NO rather than BAD (the syntax was fine, the value is refused)
};

// Parses one command. `wire` holds the command from its tag up to and including its final line
// break, with every literal's bytes in place; or a prefix ending just after "{n}\r\n" (then the
// result is need_literal or append_message, or error if the prefix is already wrong).
ParseResult parse_command(std::string_view wire, const ParserOptions& options);

// After APPEND's message literal: parses what follows it, `rest` being the bytes up to a line
// break or the next literal announcement. `utf8_wrapped`: the message was "UTF8 (~{n}" and a
// ")" must come first. Gives append_done (CRLF), append_message (another MULTIAPPEND message;
// `message` set) or error.
ParseResult parse_append_rest(std::string_view rest, bool utf8_wrapped,
                              const ParserOptions& options);

// The literal announced at the end of a line (the bytes before its CR LF): "{12}", "{12+}",
// "~{12}". nullopt when the line does not end with one. size saturates at UINT64_MAX.
struct LiteralMarker {
  std::uint64_t size = 0;
  bool synchronizing = true;
  bool binary = false;
  bool overflow = false;  // more than 20 digits or above 2^64-1
};
std::optional<LiteralMarker> literal_at_end(std::string_view line);

// Strict base64 (RFC 4648 §4, padded) as AUTHENTICATE responses use it; "" is valid (empty).
bool is_base64(std::string_view text) noexcept;

// The tag at the start of a line, if it is a valid tag ("" otherwise).
std::string_view tag_of(std::string_view line);

}  // namespace facteur::imap
