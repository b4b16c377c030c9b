// Rspamd's HTTP protocol without I/O (rspamd.com/doc/developers/protocol.html, /checkv2): the
// request header fields that carry the SMTP envelope, the parsing of the JSON reply, and what a
// reply means for Facteur's own verdict in either mode of [filter.rspamd] (docs/filter.md).
// The client that sends the request is rspamd_client.hpp.
// Trust: the request carries internet input (HELO, envelope addresses), so every value is
// stripped of control characters (no header injection); the reply comes from a service the
// admin configured but is parsed as hostile: bounded size and nesting, no exceptions, every
// field type-checked.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/config.hpp"
#include "base/result.hpp"
#include "filter/verdict.hpp"
#include "proto/smtp/reply.hpp"

namespace facteur::server {

// What rspamd is told about the message besides its bytes. Empty strings are not sent.
struct RspamdEnvelope {
  std::string ip;                  // client address
  std::string helo;                // as the client sent it
  std::string mail_from;           // "" for the null reverse path
  std::vector<std::string> rcpts;  // one Rcpt field each
  std::string queue_id;            // for rspamd's logs
  std::string user;                // SASL-authenticated user, if any
  std::string hostname;            // the client's verified reverse-DNS name, if known
  std::string mta_name;            // our hostname
  std::string password;            // [filter.rspamd] password
};

inline constexpr std::size_t kRspamdMaxFieldValue = 1024;  // longer values are cut
inline constexpr std::size_t kRspamdMaxRcpts = 1000;       // further recipients are not listed

// The request's header fields besides Host/Content-Length: IP, Helo, From, Rcpt (one per
// recipient), Queue-Id, User, Hostname, MTA-Name, Password. Values have control characters
// removed and are capped at kRspamdMaxFieldValue bytes.
std::vector<std::pair<std::string, std::string>> rspamd_request_fields(const RspamdEnvelope& env);

enum class RspamdAction {
  no_action,
  greylist,
  add_header,
  rewrite_subject,
  soft_reject,
  reject,
  other,  // an action this version does not know (custom or newer): treated as no action
};
RspamdAction parse_rspamd_action(std::string_view text) noexcept;

struct RspamdSymbol {
  std::string name;
  double score = 0;
  std::string description;
};

struct RspamdReply {
  double score = 0;
  double required_score = 0;  // rspamd's reject threshold
  RspamdAction action = RspamdAction::no_action;
  std::string action_name;            // as sent (sanitised)
  std::vector<RspamdSymbol> symbols;  // highest score first
};

struct RspamdReplyLimits {
  std::size_t max_bytes = 1024 * 1024;  // the HTTP body; larger replies are refused
  std::size_t max_depth = 32;           // JSON nesting
  std::size_t max_symbols = 256;        // kept, highest scores first
  std::size_t max_name = 64;            // bytes of a symbol name (cut)
  std::size_t max_description = 120;    // bytes of a description (cut)
};

// The /checkv2 JSON object: "score" and "action" are required, "required_score" and "symbols"
// ({"NAME": {"score": N, "description": "..."}}) optional. Scores that are not finite numbers
// are refused. Errc::parse_error for anything else; never throws.
Result<RspamdReply> parse_rspamd_reply(std::string_view json, const RspamdReplyLimits& limits = {});

// One message's exchange with rspamd, as the client reports it.
struct RspamdResult {
  enum class Status { scanned, skipped, failed };
  Status status = Status::failed;
  RspamdReply reply;  // when scanned
  std::string error;  // when failed or skipped: why
  std::chrono::microseconds elapsed{0};
};

// One line for the log: "rspamd score=7.5 action=add header in 12 ms (BAYES_SPAM 5.1, …)",
// "rspamd failed after 5000 ms: …" or "rspamd skipped: …".
std::string rspamd_summary(const RspamdResult& result);

// What the result means with these settings (mode = add | replace, fail = open | tempfail).
struct RspamdEffect {
  std::optional<smtp::Reply> refuse;  // 550 5.7.1 or 451 4.7.1: store nothing
  bool junk = false;                  // every local copy goes to Junk
  // Recorded in each copy's verdict (X-Facteur-Reasons): "rspamd" with the points it adds
  // (add mode: rspamd's score, at least its required_score when it says reject; otherwise 0).
  std::optional<filter::Reason> reason;
};
RspamdEffect rspamd_effect(const RspamdResult& result, const RspamdSettings& settings);

// Adds the effect's reason to a verdict (the caller then re-decides label and action).
void add_rspamd_reason(filter::Verdict& verdict, const RspamdEffect& effect);

}  // namespace facteur::server
