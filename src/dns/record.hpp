// DNS vocabulary shared by the wire codec, the resolvers and their users: record types, record
// data and the outcome of a lookup.
// RFCs: 1035 (A, NS, CNAME, SOA, PTR, MX, TXT), 3596 (AAAA), 6698 (TLSA), 2308 (negative TTL).
// Trust: values here come from DNS answers, i.e. from the internet; consumers must not trust them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace facteur::dns {

enum class RType : std::uint16_t {
  a = 1,
  ns = 2,
  cname = 5,
  soa = 6,
  ptr = 12,
  mx = 15,
  txt = 16,
  aaaa = 28,
  opt = 41,
  tlsa = 52,
};

std::string_view to_string(RType type) noexcept;  // "A", "MX"...; "TYPE<n>" is not produced

struct NameData {  // CNAME, PTR, NS
  std::string name;
};
struct MxData {
  std::uint16_t preference = 0;
  std::string exchange;  // "" for the root (null MX, RFC 7505)
};
struct TxtData {
  std::vector<std::string> strings;  // the <character-string>s, in order
  std::string joined() const;        // concatenated without separators (RFC 7208 §3.3)
};
struct TlsaData {
  std::uint8_t usage = 0;
  std::uint8_t selector = 0;
  std::uint8_t matching_type = 0;
  std::string association;  // raw bytes
};
struct SoaData {
  std::string mname;
  std::string rname;
  std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};
struct RawData {  // any other type: the RDATA bytes
  std::string bytes;
};

using RData = std::variant<RawData, boost::asio::ip::address_v4, boost::asio::ip::address_v6,
                           NameData, MxData, TxtData, TlsaData, SoaData>;

struct Record {
  std::string name;  // owner, presentation form without the final dot, case as received
  std::uint16_t type = 0;
  std::uint16_t rclass = 1;
  std::uint32_t ttl = 0;
  RData data;
};

// What a lookup ended with. SPF (RFC 7208 §5, §4.6.4) and MX routing (RFC 5321 §5.1) treat
// "the name does not exist", "it exists without such records" and "ask again later" apart.
enum class Status : std::uint8_t {
  ok,            // records of the asked type were found
  nxdomain,      // RCODE 3: the name does not exist
  no_data,       // the name exists, no record of that type
  temp_failure,  // SERVFAIL, REFUSED, timeout, unreachable or broken servers
  bad_name,      // the name cannot be queried (empty label, label > 63, name > 253)
};

std::string_view to_string(Status status) noexcept;

struct Answer {
  Status status = Status::temp_failure;
  std::vector<Record> records;  // of the asked type, owned by canonical_name
  std::string canonical_name;   // the name after following CNAMEs
  std::uint32_t ttl = 0;        // smallest TTL of the records, or the negative-caching TTL
  std::string detail;           // why it failed ("timeout", "SERVFAIL from 10.0.0.1:53"...)
  // DNSSEC-validated (RFC 4035 §3.2.3, RFC 6840 §5.7): the resolver set the AD bit on every
  // response of the CNAME chain AND it is one whose AD bit we trust (ResolverOptions::trust_ad).
  // Holds for negative answers too (a secure denial of existence). DANE (RFC 7672) relies on it.
  bool secure = false;

  bool ok() const noexcept { return status == Status::ok; }
  // Does the name exist but have nothing? (SPF counts both as "void lookups".)
  bool empty() const noexcept { return status == Status::nxdomain || status == Status::no_data; }
};

// Typed views of an answer's records (records of other types are skipped).
std::vector<boost::asio::ip::address> addresses(const Answer& answer);  // A and AAAA
std::vector<MxData> mx_records(const Answer& answer);
std::vector<std::string> txt_strings(const Answer& answer);  // each TXT record joined
std::vector<std::string> names(const Answer& answer);        // PTR, CNAME, NS targets
std::vector<TlsaData> tlsa_records(const Answer& answer);

// "4.3.2.1.in-addr.arpa" / nibble form under "ip6.arpa" (RFC 3596 §2.5).
std::string reverse_name(const boost::asio::ip::address& address);

// Case-insensitive comparison of names, a final dot ignored on either side.
bool names_equal(std::string_view a, std::string_view b) noexcept;
// Lower-cased, final dot removed: the key of caches and zones.
std::string normalize_name(std::string_view name);

}  // namespace facteur::dns
