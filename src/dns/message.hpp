// DNS wire format: building queries and parsing responses (no I/O).
// RFCs: 1035 §4 (messages, name compression), 6891 (EDNS0 OPT in queries), 3225 (DO bit),
// 3596, 6698.
// Trust: parses bytes received from the network (resolvers, possibly spoofed); bounded by
// MessageLimits, linear in the packet size, compression loops are cut.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dns/record.hpp"

namespace facteur::dns {

enum class Rcode : std::uint8_t {
  noerror = 0,
  formerr = 1,
  servfail = 2,
  nxdomain = 3,
  notimp = 4,
  refused = 5,
};

struct MessageHeader {
  std::uint16_t id = 0;
  bool qr = false, aa = false, tc = false, rd = false, ra = false, ad = false;
  std::uint8_t opcode = 0;
  std::uint8_t rcode = 0;
};

struct Question {
  std::string name;
  std::uint16_t type = 0;
  std::uint16_t qclass = 1;
};

struct Message {
  MessageHeader header;
  std::vector<Question> questions;
  std::vector<Record> answers;
  std::vector<Record> authority;
  std::vector<Record> additional;
};

struct MessageLimits {
  std::size_t max_records = 1024;          // over all sections; more is a parse error
  std::size_t max_compression_jumps = 32;  // pointers followed for one name
};

// Parses a whole DNS message. Errc::parse_error for anything malformed (truncated sections,
// bad pointers, loops, RDATA that does not fit its type).
Result<Message> parse_message(std::string_view packet, const MessageLimits& limits = {});

// Checks a query name: labels of 1..63 bytes, 253 bytes in all; one final dot allowed.
bool is_queryable_name(std::string_view name) noexcept;

// A standard query with RD set and an EDNS0 OPT record advertising `udp_payload` bytes
// (0: no OPT). `dnssec_ok` sets the DO bit of the OPT record (RFC 3225 §3, which needs the OPT
// record) and the AD bit of the header (RFC 6840 §5.7: asks the resolver to report validation).
// Errc::invalid_argument when the name is not queryable.
Result<std::string> build_query(std::uint16_t id, std::string_view name, RType type,
                                std::uint16_t udp_payload = 1232, bool dnssec_ok = false);

// Is the DO bit set in the message's OPT record (RFC 3225)? For tests and fake servers.
bool dnssec_ok(const Message& message) noexcept;

// A response builder for tests and fake servers: encodes a full message without compression.
std::string encode_message(const Message& message);

}  // namespace facteur::dns
