// Authentication-Results header fields (RFC 8601): formatting the SPF, DKIM, DMARC and ARC
// outcomes of a message, and parsing such fields (tests, and trusting our own upstream hops).
// Trust: parse_authentication_results() reads fields written by anyone; linear, bounded by
// AuthResultsLimits. Formatting quotes whatever came from the message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "mailauth/arc.hpp"
#include "mailauth/auth_result.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/dmarc.hpp"
#include "mailauth/spf.hpp"

namespace facteur::mailauth {

struct AuthProperty {
  std::string ptype;     // smtp, header, body, policy
  std::string property;  // mailfrom, helo, d, s, b, from...
  std::string value;
};

struct MethodResult {
  std::string method;  // spf, dkim, dmarc, arc...
  AuthResult result = AuthResult::none;
  std::string reason;   // reason= (quoted when written)
  std::string comment;  // a comment after the result, without parentheses
  std::vector<AuthProperty> properties;
};

struct AuthenticationResults {
  std::string authserv_id;
  std::vector<MethodResult> results;  // empty: "none" (nothing was checked)
};

// The field value (after "Authentication-Results:"), folded at the result boundaries.
std::string format_authentication_results_value(const AuthenticationResults& results);
// The whole field with its name and final CRLF, ready to prepend.
std::string format_authentication_results(const AuthenticationResults& results);

struct AuthResultsLimits {
  std::size_t max_results = 64;
  std::size_t max_properties = 16;  // per result
};

// Errc::parse_error on malformed input.
Result<AuthenticationResults> parse_authentication_results(std::string_view value,
                                                           const AuthResultsLimits& limits = {});

// One result per outcome, with the properties RFC 8601 §2.7 and RFC 7601 registries name.
MethodResult spf_result(const SpfOutcome& outcome, bool helo_identity = false);
MethodResult dkim_result(const DkimVerdict& verdict);
std::vector<MethodResult> dkim_results(const std::vector<DkimVerdict>& verdicts);  // none if empty
MethodResult dmarc_result(const DmarcOutcome& outcome);
MethodResult arc_result(const ArcOutcome& outcome);

}  // namespace facteur::mailauth
