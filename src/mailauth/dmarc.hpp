// DMARC (RFC 7489): policy record discovery (§6.6.3), identifier alignment (§3.1) of the SPF
// and DKIM results with the RFC 5322.From domain, and the policy to apply (p / sp / pct, §6.6.4).
// Trust: the From domain and the records are internet input; lookups are bounded (at most two
// TXT queries per message).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dns/resolver.hpp"
#include "mail/header.hpp"
#include "mailauth/auth_result.hpp"
#include "mailauth/public_suffix.hpp"

namespace facteur::mailauth {

enum class DmarcPolicy : std::uint8_t { none, quarantine, reject };
enum class Alignment : std::uint8_t { relaxed, strict };

std::string_view to_string(DmarcPolicy policy) noexcept;

struct DmarcRecord {
  DmarcPolicy policy = DmarcPolicy::none;         // p=
  std::optional<DmarcPolicy> subdomain_policy;    // sp=
  Alignment dkim_alignment = Alignment::relaxed;  // adkim=
  Alignment spf_alignment = Alignment::relaxed;   // aspf=
  unsigned percent = 100;                         // pct=
  std::vector<std::string> aggregate_reports;     // rua=
  std::vector<std::string> failure_reports;       // ruf=
  std::string failure_options = "0";              // fo=
};

// §6.3: "v=DMARC1" first; p= required (a record with rua= and a bad or missing p= counts as
// p=none, §6.6.3). Errc::parse_error otherwise.
Result<DmarcRecord> parse_dmarc_record(std::string_view txt);

// The domain of the single author of a message (§6.6.1): the From field must hold mailboxes of
// exactly one domain. Errc::parse_error otherwise (the caller reports permerror).
Result<std::string> author_domain(const mail::Header& header);

struct DmarcInput {
  std::string from_domain;
  AuthResult spf = AuthResult::none;  // for the MAIL FROM identity (or HELO for <>)
  std::string spf_domain;             // the domain SPF checked
  struct Dkim {
    AuthResult result = AuthResult::none;
    std::string domain;  // d=
  };
  std::vector<Dkim> dkim;
};

struct DmarcOutcome {
  AuthResult result = AuthResult::none;  // none, pass, fail, temperror, permerror
  std::string from_domain;
  std::string record_domain;  // where the record was found ("" when none)
  std::optional<DmarcRecord> record;
  DmarcPolicy policy = DmarcPolicy::none;       // published policy for this domain (p or sp)
  DmarcPolicy disposition = DmarcPolicy::none;  // what to do: policy on fail, after pct
  bool spf_aligned = false;
  bool dkim_aligned = false;
  std::string reason;
};

// Alignment of two domains under a mode (§3.1.1, §3.1.2).
bool aligned(std::string_view a, std::string_view b, Alignment mode,
             const PublicSuffixList& psl = PublicSuffixList::system());

// Evaluates DMARC for a message. `percent_roll` returns 0..99 for pct= sampling (default:
// random). The DNS work is the record discovery; the rest is pure.
net::awaitable<DmarcOutcome> check_dmarc(dns::Resolver& resolver, DmarcInput input,
                                         std::function<unsigned()> percent_roll = {},
                                         const PublicSuffixList* psl = nullptr);

}  // namespace facteur::mailauth
