// Server-side SASL mechanisms (RFC 4422) as sans-I/O state machines, shared by POP3 (RFC 5034),
// IMAP and SMTP submission:
//   PLAIN          RFC 4616: [authzid] NUL authcid NUL passwd, each at most 255 octets of UTF-8
//   LOGIN          draft-murchison-sasl-login: "Username:" / "Password:" challenges; an initial
//                  response is the user name (what Outlook, Thunderbird, Apple Mail send)
//   SCRAM-SHA-256  RFC 5802 + RFC 7677, without channel binding: gs2 flag "n" or "y" (we do not
//                  advertise -PLUS), "p=" refused; nonce from RAND_bytes; extensions ignored,
//                  mandatory ones ("m=") refused
// Payloads are raw bytes: the protocol layer does the base64 framing ("+ " lines, "=", "*").
//
// Driving one exchange:
//   auto mech = make_sasl_server(SaslMechanism::scram_sha_256, options);
//   SaslStep s = mech->step(initial_response);          // nullopt: the client sent none
//   loop on s:
//     SaslChallenge       -> send it; s = mech->step(client_response)
//     SaslNeedCredentials -> look the account up (store); s = mech->provide_credentials(record
//                            or nullopt when unknown) -- on the worker pool: PLAIN/LOGIN run
//                            Argon2 there
//     SaslSuccess         -> authenticated as authcid (authzid: see SaslOptions::allow_authzid)
//     SaslFailure         -> reject (bad_credentials counts as a failed login)
// Unknown accounts look like known ones: PLAIN/LOGIN run a decoy Argon2; SCRAM carries on with a
// salt derived from the name with a per-process secret and fails at the proof.
//
// TRUST: every payload is hostile client input; sizes are capped, parsing is linear, secrets are
// compared in constant time and the password is wiped once checked.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "directory/credentials.hpp"
#include "directory/password_hash.hpp"

namespace facteur::directory {

enum class SaslMechanism { plain, login, scram_sha_256 };

// "PLAIN", "LOGIN", "SCRAM-SHA-256", any case; nullopt for anything else.
std::optional<SaslMechanism> parse_sasl_mechanism(std::string_view name);
std::string_view to_string(SaslMechanism mechanism);  // upper case, as advertised
bool is_plaintext(SaslMechanism mechanism);           // PLAIN, LOGIN: TLS (or loopback) only

struct SaslOptions {
  Argon2Params decoy_cost;     // cost of the decoy check for unknown users: the configured cost
  bool allow_authzid = false;  // accept an authzid other than the authcid (proxy login)
  // POP3 (RFC 5034), SMTP (RFC 4954) and IMAP4rev1 cannot carry data with the success reply: the
  // SCRAM server-final message then goes out as one more challenge, answered by an empty
  // response. false: it comes back in SaslSuccess::additional_data instead.
  bool success_data_as_challenge = true;
  std::string fixed_server_nonce;  // tests only: SCRAM server nonce instead of a random one
};

struct SaslChallenge {
  std::string data;  // raw bytes (may be empty)
};
struct SaslNeedCredentials {
  std::string authcid;  // whose record to look up
  std::string authzid;  // "" when the client asked for none
};
struct SaslSuccess {
  std::string authcid;
  std::string authzid;          // "" or, with allow_authzid, the identity to act as
  std::string additional_data;  // only with success_data_as_challenge = false
};
enum class SaslError {
  malformed,        // the client broke the mechanism's syntax
  bad_credentials,  // wrong password / proof (or unknown account)
  not_permitted,    // authzid refused, channel binding or extension not supported
  out_of_order,     // step() or provide_credentials() called when not expected
};
struct SaslFailure {
  SaslError error;
  std::string reason;  // for the logs, never for the client
};
using SaslStep = std::variant<SaslChallenge, SaslNeedCredentials, SaslSuccess, SaslFailure>;

class SaslServer {
 public:
  virtual ~SaslServer() = default;
  virtual SaslMechanism mechanism() const = 0;
  // First call: the initial response (nullopt when none was sent); then each client response.
  virtual SaslStep step(std::optional<std::string_view> response) = 0;
  // The answer to SaslNeedCredentials: the account's record, nullopt if there is no such account.
  virtual SaslStep provide_credentials(const std::optional<Credentials>& credentials) = 0;
};

std::unique_ptr<SaslServer> make_sasl_server(SaslMechanism mechanism, SaslOptions options = {});

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace facteur::directory
