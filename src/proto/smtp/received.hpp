// The Received: trace field an SMTP server prepends (RFC 5321 §4.4), with the WITH protocol
// names of RFC 3848 (ESMTPA, ESMTPS, ESMTPSA) and RFC 6531 §3.7.3 (UTF8SMTP, UTF8SMTPS, ...).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace facteur::smtp {

struct ReceivedInfo {
  std::string helo;           // the client's EHLO/HELO argument (client-controlled: sanitised)
  std::string reverse_dns;    // the client's verified host name; "" when unknown
  std::string ip;             // "192.0.2.1" or "2001:db8::1" (written [IPv6:...])
  std::string by;             // our host name
  std::string protocol;       // received_protocol(): "ESMTPS"...
  std::string id;             // queue id; "" to omit
  std::string for_recipient;  // the address when there is exactly one recipient; "" to omit
  std::chrono::system_clock::time_point date;
  int utc_offset_minutes = 0;  // the zone written in the date
};

// "SMTP", "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA", "UTF8SMTP", "UTF8SMTPS", "UTF8SMTPA",
// "UTF8SMTPSA" (UTF8 only with EHLO).
std::string_view received_protocol(bool esmtp, bool tls, bool authenticated, bool smtputf8);

// The whole field, "Received: from ...\r\n" folded at clause boundaries (lines <= 78 bytes
// unless one token is longer), ready to be prepended to the message.
std::string format_received(const ReceivedInfo& info);

}  // namespace facteur::smtp
