#include "queue/dns_records.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"
#include "mailauth/dkim_key.hpp"

namespace facteur::queue {

std::string quote_txt(std::string_view text) {
  std::string out;
  do {
    auto piece = text.substr(0, 255);
    text.remove_prefix(piece.size());
    if (!out.empty()) out += ' ';
    out += '"';
    for (char c : piece) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  } while (!text.empty());
  return out;
}

namespace {

std::string fqdn(std::string_view name) {
  std::string out = to_lower(name);
  if (!out.ends_with('.')) out += '.';
  return out;
}

std::string hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes)
    out += fmt::format("{:02x}", c);
  return out;
}

}  // namespace

std::string format_dns_records(const DnsRecordsInput& in) {
  const std::string d = fqdn(in.domain);
  const std::string host = fqdn(in.hostname);
  const std::string domain = to_lower(in.domain);
  std::string out;
  auto line = [&out](std::string_view name, std::string_view type, std::string_view data) {
    out += fmt::format("{} {} {}\n", name, type, data);
  };
  out += fmt::format("; DNS records for {} (zone-file style). {} needs its own A/AAAA records\n",
                     domain, host);
  out += "; and a PTR record for each address that matches it.\n\n";

  out += "; Mail exchanger (RFC 5321 §5.1)\n";
  line(d, "MX", fmt::format("10 {}", host));

  out += "\n; SPF (RFC 7208): only the MX hosts send for this domain\n";
  line(d, "TXT", quote_txt("v=spf1 mx -all"));

  out += "\n; DKIM public keys (RFC 6376 §3.6.2.1)\n";
  if (in.dkim.empty())
    out += fmt::format("; none yet: run `facteur dkim generate --config FILE {}`\n", domain);
  for (const auto& key : in.dkim)
    line(fmt::format("{}._domainkey.{}", key.selector, d), "TXT", quote_txt(key.txt));

  out += "\n; DMARC (RFC 7489 §6.1): aggregate reports to postmaster\n";
  line(fmt::format("_dmarc.{}", d), "TXT",
       quote_txt(fmt::format("v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:postmaster@{}",
                             domain)));

  // The policy's id changes whenever the policy does (RFC 8461 §3.1).
  std::string policy = fmt::format(
      "version: STSv1\r\nmode: testing\r\nmx: {}\r\nmax_age: 604800\r\n", to_lower(in.hostname));
  std::string id = hex(mailauth::sha256(policy)).substr(0, 20);
  out += "\n; MTA-STS (RFC 8461 §3): serve this policy as\n";
  out += fmt::format(";   https://mta-sts.{}/.well-known/mta-sts.txt\n", domain);
  for (std::string_view rest = policy; !rest.empty();) {
    auto end = rest.find("\r\n");
    out += fmt::format(";     {}\n", rest.substr(0, end));
    rest.remove_prefix(end + 2);
  }
  out += "; (switch mode to enforce once reports look clean, and change the id with it)\n";
  line(fmt::format("_mta-sts.{}", d), "TXT", quote_txt(fmt::format("v=STSv1; id={}", id)));
  line(fmt::format("mta-sts.{}", d), "CNAME", host);

  out += "\n; SMTP TLS reporting (RFC 8460 §3)\n";
  line(fmt::format("_smtp._tls.{}", d), "TXT",
       quote_txt(fmt::format("v=TLSRPTv1; rua=mailto:postmaster@{}", domain)));

  out += "\n; Mail client service records (RFC 6186 §3, RFC 8314 §5.1: implicit TLS preferred)\n";
  auto srv = [&](std::string_view service, int priority, std::optional<std::uint16_t> port) {
    if (port)
      line(fmt::format("_{}._tcp.{}", service, d), "SRV",
           fmt::format("{} 1 {} {}", priority, *port, host));
    else
      line(fmt::format("_{}._tcp.{}", service, d), "SRV", "0 0 0 .");
  };
  srv("submissions", 0, in.submissions);
  srv("submission", 10, in.submission);
  srv("imaps", 0, in.imaps);
  srv("imap", 10, in.imap);
  srv("pop3s", 20, in.pop3s);
  srv("pop3", 30, in.pop3);

  out += "\n; Client autoconfiguration (Thunderbird autoconfig, Outlook autodiscover)\n";
  line(fmt::format("autoconfig.{}", d), "CNAME", host);
  line(fmt::format("autodiscover.{}", d), "CNAME", host);
  line(fmt::format("_autodiscover._tcp.{}", d), "SRV", fmt::format("0 1 443 {}", host));
  return out;
}

}  // namespace facteur::queue
