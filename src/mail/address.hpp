// E-mail addresses in their three roles:
//  - SMTP envelope paths (RFC 5321 §4.1.2, §4.1.3, §4.5.3.1; RFC 6531 for UTF-8), for MAIL/RCPT;
//  - address lists of header fields (RFC 5322 §3.4 and the obsolete syntax of §4.4; RFC 6532
//    raw UTF-8; RFC 2047 display names), for ENVELOPE, filters and replies;
//  - a diagnostic classifier of addr-specs in the categories of the isemail suite.
// Trust: sees internet input (SMTP commands, header fields of any message). Linear time; no
// recursion; parse_address_list never fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.hpp"

namespace facteur::mail {

// ---------------------------------------------------------------------------------------------
// SMTP paths (RFC 5321)

struct PathOptions {
  bool smtputf8 = false;            // RFC 6531: UTF-8 local parts and domains allowed
  bool require_brackets = false;    // false: "MAIL FROM:a@b" is accepted, as Postfix does
  std::size_t max_local_part = 64;  // §4.5.3.1.1
  std::size_t max_domain = 255;     // §4.5.3.1.2
  std::size_t max_path = 256;       // §4.5.3.1.3, brackets included
};

struct Path {
  std::string local_part;  // unquoted: `a b` for <"a b"@example.com>; "Postmaster" for <Postmaster>
  std::string domain;      // as written; a literal keeps its brackets: "[192.0.2.1]"
  bool is_null = false;    // reverse path <>
  bool is_postmaster = false;      // forward path <Postmaster> without a domain (§4.1.1.3)
  bool is_domain_literal = false;  // domain is "[...]" (§4.1.3)
  bool had_source_route = false;   // "<@a,@b:user@c>": the route was dropped (App. C)
  bool is_utf8 = false;            // contains non-ASCII (needs SMTPUTF8 on the wire)

  // Canonical addr-spec "local@domain", the local part re-quoted when it is not a dot-atom;
  // "" for the null path, "Postmaster" for <Postmaster>.
  std::string to_string() const;
  // to_string() in angle brackets: "<local@domain>", "<>".
  std::string to_path() const;
  // Key for comparisons and lookups: to_string() with the domain lower-cased (ASCII), the local
  // part as is (RFC 5321 §2.4: only the receiving host may fold its case).
  std::string canonical() const;
};

// Parse the argument of MAIL FROM: / RCPT TO: without the ESMTP parameters ("<a@b>", "<>", or
// "a@b" when brackets are optional). Source routes are accepted and dropped.
// Errors:
//  - Errc::parse_error: bad syntax; the message reads well after "501 5.1.3 " / "553 5.1.3 ";
//  - Errc::limit_exceeded: a length limit of §4.5.3.1 (local part, domain or path too long);
//  - Errc::invalid_argument: non-ASCII while !options.smtputf8 (RFC 6531 §3.3: 553 5.6.7).
Result<Path> parse_reverse_path(std::string_view text, const PathOptions& options = {});
Result<Path> parse_forward_path(std::string_view text, const PathOptions& options = {});

// Domain comparison: ASCII case-insensitive; address literals compared as written.
bool domain_equals(std::string_view a, std::string_view b) noexcept;

// Syntax checks shared with other modules (no DNS).
bool is_valid_domain_name(std::string_view domain, bool allow_utf8 = false) noexcept;  // §4.1.2
bool is_valid_address_literal(std::string_view literal) noexcept;  // "[...]" of §4.1.3
bool is_dot_atom(std::string_view text, bool allow_utf8 = true) noexcept;

// Quotes a local part for the wire when it is not a dot-atom (RFC 5321 §4.1.2 Quoted-string).
std::string quote_local_part(std::string_view local_part);

// ---------------------------------------------------------------------------------------------
// Header address lists (RFC 5322 §3.4, §4.4)

struct Mailbox {
  // Display name as written with quotes, backslashes and comments' parentheses removed and runs
  // of whitespace folded into one space; encoded words are NOT decoded (IMAP ENVELOPE wants
  // this). For `a@b (Name)` the comment becomes the name.
  std::string display_name_raw;
  std::string display_name;  // display_name_raw with RFC 2047 decoded, UTF-8
  std::string local_part;    // unquoted
  std::string domain;        // as written (literals keep brackets); "" when missing
  std::string route;         // obsolete source route "@a,@b" (ENVELOPE adl), "" when none

  // "local@domain" (local part re-quoted when needed); "local" when the domain is missing.
  std::string address() const;
  bool empty() const noexcept { return local_part.empty() && domain.empty(); }
};

struct Group {
  std::string display_name_raw;  // as for Mailbox
  std::string display_name;      // decoded
  std::vector<Mailbox> members;
};

using AddressItem = std::variant<Mailbox, Group>;

struct AddressList {
  std::vector<AddressItem> items;

  // Every mailbox, group members included, in order.
  std::vector<const Mailbox*> mailboxes() const;
  bool empty() const noexcept { return items.empty(); }
};

struct AddressLimits {
  std::size_t max_mailboxes = 10000;  // further items are dropped
};

// Best-effort parse of an address-list / mailbox-list header value (From, To, Cc, Bcc,
// Reply-To, Resent-*...). The value may still be folded. Never fails: junk that cannot be a
// mailbox is skipped; missing commas, unbalanced quotes/comments/brackets and the obsolete
// forms (obs-route, obs-local-part, obs-domain, empty list elements) are tolerated.
AddressList parse_address_list(std::string_view raw_value, const AddressLimits& limits = {});

// For single-mailbox fields (Sender:, and From: when one is expected): the first mailbox found
// (a group's first member if need be). Errc::parse_error when there is none.
Result<Mailbox> parse_mailbox(std::string_view raw_value);

// ---------------------------------------------------------------------------------------------
// Address diagnosis in the categories of the isemail suite (D. Sayers, v3): how usable an
// addr-spec is, from VALID to ERR. No DNS: DNS-dependent results (DNSWARN) are never returned.

enum class AddressCategory : std::uint8_t {
  valid = 1,
  dnswarn = 7,
  rfc5321 = 15,  // valid for SMTP, unusual elements
  cfws = 31,     // valid in a message, not in an envelope
  deprecated = 63,
  rfc5322 = 127,  // only valid by the broad RFC 5322 grammar
  error = 255,
};

enum class AddressDiagnosisCode : std::uint8_t {
  valid = 0,
  dnswarn_no_mx_record = 5,
  dnswarn_no_record = 6,
  rfc5321_tld = 9,
  rfc5321_tld_numeric = 10,
  rfc5321_quoted_string = 11,
  rfc5321_address_literal = 12,
  rfc5321_ipv6_deprecated = 13,  // category: deprecated
  cfws_comment = 17,
  cfws_fws = 18,
  deprec_local_part = 33,
  deprec_fws = 34,
  deprec_qtext = 35,
  deprec_qp = 36,
  deprec_comment = 37,
  deprec_ctext = 38,
  deprec_cfws_near_at = 49,
  rfc5322_domain = 65,
  rfc5322_too_long = 66,
  rfc5322_local_too_long = 67,
  rfc5322_domain_too_long = 68,
  rfc5322_label_too_long = 69,
  rfc5322_domain_literal = 70,
  rfc5322_domlit_obsdtext = 71,
  rfc5322_ipv6_grpcount = 72,
  rfc5322_ipv6_2x2xcolon = 73,
  rfc5322_ipv6_badchar = 74,
  rfc5322_ipv6_maxgrps = 75,
  rfc5322_ipv6_colonstrt = 76,
  rfc5322_ipv6_colonend = 77,
  err_expecting_dtext = 129,
  err_nolocalpart = 130,
  err_nodomain = 131,
  err_consecutivedots = 132,
  err_atext_after_cfws = 133,
  err_atext_after_qs = 134,
  err_atext_after_domlit = 135,
  err_expecting_qpair = 136,
  err_expecting_atext = 137,
  err_expecting_qtext = 138,
  err_expecting_ctext = 139,
  err_backslashend = 140,
  err_dot_start = 141,
  err_dot_end = 142,
  err_domainhyphenstart = 143,
  err_domainhyphenend = 144,
  err_unclosedquotedstr = 145,
  err_unclosedcomment = 146,
  err_uncloseddomlit = 147,
  err_fws_crlf_x2 = 148,
  err_fws_crlf_end = 149,
  err_cr_no_lf = 150,
};

struct AddressDiagnosis {
  AddressCategory category = AddressCategory::valid;
  AddressDiagnosisCode code = AddressDiagnosisCode::valid;  // the most severe finding
};

AddressDiagnosis validate_addr_spec(std::string_view address) noexcept;
AddressCategory category_of(AddressDiagnosisCode code) noexcept;
// "ISEMAIL_VALID_CATEGORY", "ISEMAIL_ERR" ... and "ISEMAIL_VALID", "ISEMAIL_ERR_NODOMAIN" ...
std::string_view to_string(AddressCategory category) noexcept;
std::string_view to_string(AddressDiagnosisCode code) noexcept;

}  // namespace facteur::mail
