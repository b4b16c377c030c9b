// SMTP envelope values handed to the session: paths (RFC 5321 §4.1.2) and the MAIL/RCPT
// parameters of SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531) and DSN (RFC 3461).
// Everything here was already validated by the protocol; values are decoded (xtext, quoting).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace facteur::smtp {

// An envelope address. The null reverse-path "<>" has both parts empty; "<Postmaster>" (RCPT
// only, RFC 5321 §4.1.1.3) has local_part "Postmaster" and an empty domain. Source routes are
// parsed and dropped (RFC 5321 §C).
struct Path {
  std::string local_part;  // without quoting: "a b" for <"a b"@example.com>
  std::string domain;      // as sent; an address literal keeps its brackets: "[192.0.2.1]"

  bool is_null() const { return local_part.empty() && domain.empty(); }
  bool is_postmaster() const;  // <Postmaster> or postmaster@domain (case-insensitive local part)
  // "local@domain", the local part quoted again when it is not a dot-atom; "" for the null
  // path, "Postmaster" for <Postmaster>.
  std::string address() const;
};

enum class Body { unspecified, seven_bit, eight_bit_mime };
enum class DsnRet { unspecified, full, headers };

struct MailParams {
  std::optional<std::uint64_t> size;  // SIZE= (declared, already checked against the limit)
  Body body = Body::unspecified;      // BODY=
  bool smtputf8 = false;              // SMTPUTF8
  DsnRet ret = DsnRet::unspecified;   // RET=
  std::optional<std::string> envid;   // ENVID=, xtext-decoded
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
