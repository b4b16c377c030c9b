// MIME header values: Content-Type and Content-Disposition with their parameters, and
// Content-Language. Parameters follow RFC 2045 §5.1 and RFC 2231 (continuations, charset and
// language, percent-encoding), and decode RFC 2047 words inside values leniently, as mailers
// send them in file names although RFC 2047 §5 forbids it.
// RFCs: 2045 §5, 2046, 2183 (Content-Disposition), 2231, 3282 (Content-Language).
// Trust: sees internet input; linear in the field size (n log n in the parameter count).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace facteur::mail {

struct MimeParam {
  std::string name;       // as written, without the RFC 2231 "*N" / "*" suffixes
  std::string value;      // decoded: percent-decoding and charset (RFC 2231), RFC 2047 words
  std::string charset;    // RFC 2231 charset of the value ("" when none was given)
  std::string language;   // RFC 2231 language tag ("" when none)
  bool extended = false;  // sent as an RFC 2231 ext-value ("name*=...")
  bool rfc2231 = false;   // written with RFC 2231 syntax (ext-value or continuations)
  // The parameter as IMAP BODYSTRUCTURE shows it: quotes removed, continuations joined. For
  // extended parameters the name is followed by '*' and the value stays percent-encoded with
  // its "charset'language'" prefix, so it is 7-bit and a client can decode it (as Dovecot does).
  std::string wire_name;
  std::string wire_value;
};

using MimeParams = std::vector<MimeParam>;

// The value of a parameter by name (case-insensitive), or nullptr. When a message has both a
// plain and an RFC 2231 form (filename="a" and filename*=...), the RFC 2231 one wins.
const MimeParam* find_param(const MimeParams& params, std::string_view name) noexcept;

struct ContentType {
  std::string type;     // as written ("" when the field is missing or unusable)
  std::string subtype;  // as written ("" when absent)
  MimeParams params;

  // RFC 2045 §5.2: a usable field needs both a type and a subtype.
  bool valid() const noexcept { return !type.empty() && !subtype.empty(); }
  bool is(std::string_view t, std::string_view s) const noexcept;
  bool is_type(std::string_view t) const noexcept;
  const MimeParam* param(std::string_view name) const noexcept { return find_param(params, name); }
  // Decoded value of a parameter, "" when absent.
  std::string_view param_value(std::string_view name) const noexcept;
};

struct ContentDisposition {
  std::string type;  // "inline", "attachment", ... as written; "" when missing
  MimeParams params;

  const MimeParam* param(std::string_view name) const noexcept { return find_param(params, name); }
};

struct ParamLimits {
  std::size_t max_params = 1000;     // parameters kept per field (after that: ignored)
  std::size_t max_segment = 10'000;  // highest RFC 2231 continuation number accepted
};

// Parses a Content-Type field value (raw, folding allowed). Comments and whitespace are
// skipped everywhere; a missing ';' between parameters is tolerated; a subtype may contain '/'.
ContentType parse_content_type(std::string_view raw, const ParamLimits& limits = {});

// Parses a Content-Disposition field value (RFC 2183).
ContentDisposition parse_content_disposition(std::string_view raw, const ParamLimits& limits = {});

// The parameters alone, starting at the first ';' of `raw` or at its start.
MimeParams parse_params(std::string_view raw, const ParamLimits& limits = {});

// Content-Language (RFC 3282): the language tags, comments removed.
std::vector<std::string> parse_content_language(std::string_view raw);

// RFC 2231 §4 percent-decoding ("%41" -> "A"); malformed escapes are kept as they are.
std::string percent_decode(std::string_view s);

}  // namespace facteur::mail
