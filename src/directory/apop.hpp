// APOP (RFC 1939 §7): the client proves it knows the shared secret by sending
// MD5(timestamp + secret) in lower-case hex, the timestamp being the "<...>" of the greeting.
// MD5 is weak and the server must keep the secret in clear, so APOP is opt-in per account
// (Credentials::apop_secret).
//
// TRUST: hex_digest is client input; compared in constant time.
#pragma once

#include <string>
#include <string_view>

namespace facteur::directory {

// True when hex_digest (32 hex digits, either case) is MD5(timestamp + secret).
bool apop_digest_matches(std::string_view timestamp, std::string_view secret,
                         std::string_view hex_digest);

// MD5(timestamp + secret) in lower-case hex (what a client sends; for tests and tools).
std::string apop_digest(std::string_view timestamp, std::string_view secret);

}  // namespace facteur::directory
