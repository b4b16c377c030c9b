// The DNS records a Facteur domain publishes, zone-file style (`facteur dns-records`): MX
// (RFC 5321 §5.1), SPF (RFC 7208), DKIM keys (RFC 6376 §3.6.2.1), DMARC (RFC 7489), MTA-STS
// (RFC 8461 §3.1) and TLS reporting (RFC 8460), SRV records for mail clients (RFC 6186, RFC 8314
// §5.1) and the autoconfig/autodiscover names clients probe. Pure formatting, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace facteur::queue {

struct DkimRecord {
  std::string selector;
  std::string txt;  // "v=DKIM1; k=rsa; p=..."
};

struct DnsRecordsInput {
  std::string domain;    // the mail domain
  std::string hostname;  // our host: MX target, SRV targets
  std::vector<DkimRecord> dkim;
  // Client ports as listened on (the first address of each role); nullopt: role off, its SRV
  // record says "not offered" (target ".", RFC 6186 §4).
  std::optional<std::uint16_t> submission, submissions, imap, imaps, pop3, pop3s;
};

// One record per line ("name. TYPE data"), with ';' comments; TXT data longer than 255 octets is
// split into several strings (RFC 1035 §3.3.14).
std::string format_dns_records(const DnsRecordsInput& input);

// "text" as one or more quoted <character-string>s of at most 255 octets.
std::string quote_txt(std::string_view text);

}  // namespace facteur::queue
