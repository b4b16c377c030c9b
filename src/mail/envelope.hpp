// IMAP ENVELOPE (RFC 3501 §7.4.2, RFC 9051 §7.5.2) of a message or of a message/rfc822 part,
// as ready-to-send IMAP text. Strings are raw header text (unfolded, RFC 2047 words left for
// the client, as Dovecot and UW do); 8-bit text goes out as literals.
// Trust: sees internet input (header fields); linear in the header size.
#pragma once

#include <string>

#include "mail/address.hpp"
#include "mail/header.hpp"

namespace facteur::mail {

// "(date subject from sender reply-to to cc bcc in-reply-to message-id)". Sender and
// Reply-To default to From when absent or empty; groups become the NIL-host start and end
// markers; a mailbox without a domain gets the host "MISSING_DOMAIN" (as Dovecot), so that
// it cannot be mistaken for a group marker.
std::string build_envelope(const Header& header);

// The empty envelope, ten NILs (message/rfc822 parts we do not parse into).
inline constexpr std::string_view kEmptyEnvelope = "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";

// One address list in ENVELOPE form: "((name adl mailbox host)...)" or NIL when empty.
void append_envelope_addresses(std::string& out, const AddressList& list);

}  // namespace facteur::mail
