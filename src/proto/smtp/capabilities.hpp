// What a server's EHLO reply offers (RFC 5321 §4.1.1.1), as the SMTP client needs it: SIZE
// (RFC 1870), PIPELINING (RFC 2920), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), STARTTLS
// (RFC 3207), DSN (RFC 3461), CHUNKING (RFC 3030), ENHANCEDSTATUSCODES (RFC 2034), AUTH
// (RFC 4954; also the old "AUTH=" form some servers still send).
// TRUST: parses a remote server's reply; never fails, bounded by the reply reader's limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace facteur::smtp {

struct Capabilities {
  bool esmtp = false;  // the server answered EHLO (false after the HELO fallback)
  bool pipelining = false;
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  bool starttls = false;
  bool dsn = false;
  bool chunking = false;
  bool enhanced_status_codes = false;
  std::optional<std::uint64_t> size;  // SIZE offered; 0 or no number: no fixed limit
  std::vector<std::string> auth;      // SASL mechanisms, upper case

  bool has_auth(std::string_view mechanism) const;
};

// From the text of a 250 reply to EHLO (lines joined by '\n'; the first is the greeting).
Capabilities parse_capabilities(std::string_view ehlo_text);

}  // namespace facteur::smtp
