// The one-call parse used at delivery: header, MIME tree, IMAP ENVELOPE / BODYSTRUCTURE /
// BODY text, the storable part map, and the few header values every caller wants decoded.
// RFCs: those of header.hpp, mime.hpp, envelope.hpp and bodystructure.hpp.
// Trust: sees internet input (every delivered message); linear time, bounded by Limits.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mail/address.hpp"
#include "mail/bodystructure.hpp"
#include "mail/date.hpp"
#include "mail/mime.hpp"
#include "mail/part_map.hpp"

namespace facteur::mail {

struct Limits {
  MimeLimits mime;  // depth 100, 10,000 parts, 10,000 fields / 1 MiB per field per header
  BodyStructureOptions bodystructure;
};

struct ParsedMessage {
  std::string_view bytes;  // the message; must outlive this object (tree and header point in)
  MimeTree tree;
  std::string envelope;       // IMAP ENVELOPE text
  std::string bodystructure;  // IMAP BODYSTRUCTURE text (with extension data)
  std::string body;           // IMAP BODY text (no extension data)
  PartMap part_map;           // store part_map.serialize() next to the message

  // Quick accessors, filled at parse time.
  std::string subject;           // RFC 2047 decoded, unfolded, UTF-8; "" when absent
  std::optional<Mailbox> from;   // first mailbox of From:
  std::string message_id;        // first Message-ID without its angle brackets
  std::optional<DateTime> date;  // Date:, when it parses

  const Header& header() const noexcept { return tree.root().header; }
};

// Parses `bytes` once. Never fails: a message that is not MIME is one text/plain part.
// Give it CRLF line ends (see to_crlf) so that IMAP sizes are those of what FETCH returns.
ParsedMessage parse_message(std::string_view bytes, const Limits& limits = {});

// Bare LF (and lone CR) line ends made CRLF, as IMAP and SMTP want them; input that is
// already CRLF comes back unchanged.
std::string to_crlf(std::string_view bytes);

// "<id@host>" -> "id@host": the first msg-id of a Message-ID / In-Reply-To style value.
std::string first_message_id(std::string_view raw_value);

}  // namespace facteur::mail
