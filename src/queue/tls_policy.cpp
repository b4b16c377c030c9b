#include "queue/tls_policy.hpp"

#include <fmt/format.h>

namespace facteur::queue {

std::string_view to_string(TlsLevel level) noexcept {
  switch (level) {
    case TlsLevel::opportunistic:
      return "opportunistic";
    case TlsLevel::encrypt:
      return "encrypt";
    case TlsLevel::dane:
      return "dane";
    case TlsLevel::pkix:
      return "pkix";
    case TlsLevel::unreachable:
      return "unreachable";
  }
  return "?";
}

std::string tlsa_name(std::string_view host, std::uint16_t port) {
  if (host.ends_with('.')) host.remove_suffix(1);
  return fmt::format("_{}._tcp.{}", port, host);
}

bool usable_for_smtp(const dns::TlsaData& r) noexcept {
  if (r.usage != kDaneTa && r.usage != kDaneEe) return false;
  if (r.selector > 1) return false;  // 0: full certificate, 1: SubjectPublicKeyInfo
  switch (r.matching_type) {
    case 0:
      return !r.association.empty();
    case 1:
      return r.association.size() == 32;  // SHA2-256
    case 2:
      return r.association.size() == 64;  // SHA2-512
    default:
      return false;
  }
}

bool dane_applies(bool mx_secure, bool addresses_secure) noexcept {
  return mx_secure && addresses_secure;
}

HostTlsPolicy dane_policy(const dns::Answer& tlsa) {
  HostTlsPolicy p;
  switch (tlsa.status) {
    case dns::Status::temp_failure:
    case dns::Status::bad_name:
      p.level = TlsLevel::unreachable;
      p.reason = fmt::format("DANE: TLSA lookup failed ({})",
                             tlsa.detail.empty() ? "no answer" : tlsa.detail);
      return p;
    case dns::Status::nxdomain:
    case dns::Status::no_data:
      p.reason = "no TLSA records";
      return p;
    case dns::Status::ok:
      break;
  }
  if (!tlsa.secure) {
    p.reason = "TLSA records not DNSSEC-validated";
    return p;
  }
  for (const auto& r : dns::tlsa_records(tlsa)) {
    if (usable_for_smtp(r)) p.tlsa.push_back(r);
  }
  if (p.tlsa.empty()) {
    p.level = TlsLevel::encrypt;
    p.reason = "DANE: only unusable TLSA records; TLS required without authentication";
    return p;
  }
  p.level = TlsLevel::dane;
  p.reason = fmt::format("DANE: {} usable TLSA record(s)", p.tlsa.size());
  return p;
}

HostTlsPolicy combine(HostTlsPolicy dane, HostTlsPolicy sts) {
  if (dane.level != TlsLevel::opportunistic) return dane;
  return sts;
}

}  // namespace facteur::queue
