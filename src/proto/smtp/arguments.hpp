// Argument syntax of MAIL and RCPT (RFC 5321 §4.1.1.2, §4.1.1.3, §4.1.2) and their parameters:
// SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET/ENVID/NOTIFY/ORCPT (RFC 3461),
// AUTH (RFC 4954 §5).
// Errors come back as the reply to send. Internal to the SMTP server.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/smtp/envelope.hpp"
#include "proto/smtp/reply.hpp"

namespace facteur::smtp {

struct EsmtpParam {
  std::string_view keyword;
  std::optional<std::string_view> value;
};

struct PathArgument {
  std::string_view path;  // "<...>", brackets included
  std::vector<EsmtpParam> params;
};

// Splits "FROM:<path> [params]" (prefix "FROM:" or "TO:", case-insensitive). Spaces after the
// colon are tolerated, as Postfix does.
std::expected<PathArgument, Reply> parse_path_argument(std::string_view args,
                                                       std::string_view prefix);

struct MailParamContext {
  bool esmtp;                      // parameters only exist after EHLO
  std::uint64_t max_message_size;  // SIZE= above it: 552 5.3.4
  bool auth = false;               // AUTH is advertised: the AUTH= parameter is known
};
std::expected<MailParams, Reply> parse_mail_params(const std::vector<EsmtpParam>& params,
                                                   const MailParamContext& context);
std::expected<RcptParams, Reply> parse_rcpt_params(const std::vector<EsmtpParam>& params,
                                                   bool esmtp);

// xtext (RFC 3461 §4): "+HH" escapes; nullopt when malformed.
std::optional<std::string> decode_xtext(std::string_view text);
// The reverse: '+', '=' and bytes outside 0x21-0x7E become "+HH" (upper-case hex).
std::string encode_xtext(std::string_view text);

// The path of MAIL (reverse) or RCPT (forward). Non-ASCII without SMTPUTF8: 553 5.6.7.
enum class PathKind { reverse, forward };
std::expected<Path, Reply> parse_path(std::string_view text, PathKind kind, bool smtputf8);

}  // namespace facteur::smtp
