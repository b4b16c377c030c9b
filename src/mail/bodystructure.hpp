// IMAP BODYSTRUCTURE and BODY (RFC 3501 §7.4.2, RFC 9051 §7.5.2) of a parsed MIME tree, as
// ready-to-send IMAP text, computed once at delivery. The output follows Dovecot's choices
// where the RFCs leave room (type and parameter case as written, "charset" "us-ascii" added to
// text parts without one, RFC 2231 parameters joined into one "name*" value, a multipart
// without parts shown with one empty text/plain part), so clients see what they know.
// Deliberate differences: an unusable Content-Type is shown as the RFC 2045 §5.2 default
// text/plain (Dovecot shows the broken type), and parts cut by MimeLimits are shown as
// application/octet-stream.
// Sizes and line counts are of the bytes parsed: give the parser the message as it will be
// served (CRLF line ends).
// Trust: sees internet input through the tree; output is linear in the tree size.
#pragma once

#include <string>

#include "mail/mime.hpp"

namespace facteur::mail {

struct BodyStructureOptions {
  // RFC 9051 shows message/global like message/rfc822 (envelope, body, lines); RFC 3501
  // clients only know "MESSAGE" "RFC822" in that form, so by default (IMAP4rev1, as
  // Dovecot) message/global is shown as a basic body.
  bool global_as_message = false;
};

// BODYSTRUCTURE, with extension data (body-ext-1part / body-ext-mpart).
std::string build_bodystructure(const MimeTree& tree, const BodyStructureOptions& options = {});
// BODY: the same without extension data.
std::string build_body(const MimeTree& tree, const BodyStructureOptions& options = {});

}  // namespace facteur::mail
