// SMTP envelope values handed to the session: paths (RFC 5321 §4.1.2) and the MAIL/RCPT
// parameters of SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), DSN (RFC 3461) and
// AUTH (RFC 4954 §5).
// Everything here was already validated by the protocol; values are decoded (xtext, quoting).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mail/address.hpp"

namespace facteur::smtp {

// An envelope address: mail::Path (null path <>, <Postmaster>, source routes dropped, quoted
// local parts unquoted, address literals kept with their brackets). See src/mail/address.hpp.
using Path = mail::Path;

enum class Body { unspecified, seven_bit, eight_bit_mime };
enum class DsnRet { unspecified, full, headers };

struct MailParams {
  std::optional<std::uint64_t> size;  // SIZE= (declared, already checked against the limit)
  Body body = Body::unspecified;      // BODY=
  bool smtputf8 = false;              // SMTPUTF8
  DsnRet ret = DsnRet::unspecified;   // RET=
  std::optional<std::string> envid;   // ENVID=, xtext-decoded
  // AUTH= (RFC 4954 §5), xtext-decoded: an addr-spec or "<>" (submitter unknown). The server
  // protocol turns it into "<>" when the connection is not authenticated (§5: an untrusted
  // client's value must be treated as AUTH=<>); trusting an authenticated client's value is the
  // session's call.
  std::optional<std::string> auth;
};

// NOTIFY= bits (RFC 3461 §4.1); `never` is exclusive.
enum DsnNotify : unsigned {
  kNotifyNone = 0,  // parameter absent
  kNotifyNever = 1,
  kNotifySuccess = 2,
  kNotifyFailure = 4,
  kNotifyDelay = 8,
};

struct OriginalRecipient {  // ORCPT= (RFC 3461 §4.2)
  std::string addr_type;    // "rfc822" or "utf-8" (lower-cased)
  std::string address;      // xtext-decoded
};

struct RcptParams {
  unsigned notify = kNotifyNone;  // DsnNotify bits
  std::optional<OriginalRecipient> orcpt;
};

}  // namespace facteur::smtp
