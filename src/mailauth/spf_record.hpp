// SPF record syntax (RFC 7208 §4.5, §4.6, §5, §6, §12 ABNF) and the macro language (§7).
// Sans-I/O: parsing and expansion only; spf.hpp evaluates.
// Trust: parses TXT records from the internet and expands macros with client-supplied values
// (MAIL FROM, HELO); linear, output bounded (§7.3: names cut to 253 bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "base/result.hpp"

namespace facteur::mailauth {

enum class SpfQualifier : char { pass = '+', fail = '-', softfail = '~', neutral = '?' };
enum class SpfMechanismKind : std::uint8_t { all, include, a, mx, ptr, ip4, ip6, exists };

struct SpfMechanism {
  SpfQualifier qualifier = SpfQualifier::pass;
  SpfMechanismKind kind = SpfMechanismKind::all;
  std::string domain_spec;           // unexpanded; "" = the current domain (a, mx, ptr)
  boost::asio::ip::address network;  // ip4 / ip6
  unsigned cidr4 = 32;               // ip4, a, mx
  unsigned cidr6 = 128;              // ip6, a, mx
  std::string term;                  // as written, for reasons
};

struct SpfModifier {
  std::string name;
  std::string value;
};

struct SpfRecord {
  std::vector<SpfMechanism> mechanisms;
  std::optional<std::string> redirect;     // domain-spec
  std::optional<std::string> explanation;  // exp= domain-spec
  std::vector<SpfModifier> unknown;        // other modifiers (ignored, §6)
};

struct SpfRecordLimits {
  std::size_t max_terms = 256;
};

// True when a TXT string is an SPF record: "v=spf1" (any case) then a space or the end (§4.5).
bool is_spf_record(std::string_view txt) noexcept;

// Parses a whole record (every term is checked, even after "all": §4.6). Errc::parse_error
// for any syntax error (check_host() answers permerror).
Result<SpfRecord> parse_spf_record(std::string_view text, const SpfRecordLimits& limits = {});

// Syntax of macro-string (§7.1); explanation strings also allow c, r and t.
bool is_valid_macro_string(std::string_view text, bool explanation) noexcept;
// domain-spec = macro-string domain-end (§7.1).
bool is_valid_domain_spec(std::string_view text) noexcept;

// The values macros expand to (§7.3).
struct MacroContext {
  std::string sender;                      // s: "local@domain"
  std::string local_part;                  // l
  std::string sender_domain;               // o
  std::string domain;                      // d: the current domain
  boost::asio::ip::address ip;             // i, c, v
  std::string validated_name = "unknown";  // p (computed by the caller when used)
  std::string helo;                        // h
  std::string receiver = "unknown";        // r
  std::int64_t timestamp = 0;              // t
};

// Does the string use the p macro (which needs DNS to compute)?
bool uses_p_macro(std::string_view text) noexcept;

// Expands a macro-string. For domain use (explanation = false) a trailing dot is dropped and
// names longer than 253 bytes lose labels on the left (§7.3). Errc::parse_error on bad syntax.
Result<std::string> expand_macros(std::string_view text, const MacroContext& context,
                                  bool explanation);

}  // namespace facteur::mailauth
