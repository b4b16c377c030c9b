// Fuzzes the directory's SASL servers (PLAIN, LOGIN, SCRAM-SHA-256) and the parsers of stored
// records (PHC strings, SCRAM records). Input: byte 0 picks the mechanism and options, byte 1 how
// credentials are answered; the rest is a list of client responses separated by "\xff\xfe\xfd"
// (a response of exactly "\xfc" stands for "no response"). Checks, besides ASan/UBSan: steps
// follow the protocol (no challenge after an end), parse/format round trips, nothing succeeds
// without the right secret.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/base64.hpp"
#include "directory/apop.hpp"
#include "directory/credentials.hpp"
#include "directory/password_hash.hpp"
#include "directory/sasl.hpp"
#include "directory/scram.hpp"

using namespace facteur::directory;

namespace {

#define require(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "invariant failed line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

constexpr Argon2Params kCheap{8, 1, 1};

const Credentials& account() {
  static const Credentials c = [] {
    CredentialOptions o;
    o.argon2 = kCheap;
    o.scram_iterations = 4096;
    return make_credentials("pencil", o).value();
  }();
  return c;
}

void parsers(std::string_view text) {
  if (auto phc = parse_phc(text)) {
    auto again = parse_phc(format_phc(*phc));
    require(again.has_value());
    require(again->salt == phc->salt && again->hash == phc->hash);
    require(again->params.memory_kib == phc->params.memory_kib);
    require(again->params.iterations == phc->params.iterations);
    require(again->params.parallelism == phc->params.parallelism);
    require(again->type == phc->type && again->version == phc->version);
  }
  if (auto rec = parse_scram_credentials(text)) {
    auto again = parse_scram_credentials(serialize(*rec));
    require(again.has_value() && again->stored_key == rec->stored_key);
  }
  if (auto bytes = facteur::base64_decode(text)) require(facteur::base64_encode(*bytes) == text);
  (void)apop_digest_matches("<1.2@x>", "secret", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t opt = data[0], cred = data[1];
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  parsers(rest);

  SaslOptions so;
  so.decoy_cost = kCheap;
  so.allow_authzid = opt & 4;
  so.success_data_as_challenge = opt & 8;
  if (opt & 16) so.fixed_server_nonce = "fixed";
  const auto mech = static_cast<SaslMechanism>((opt & 3) % 3);
  auto server = make_sasl_server(mech, so);
  require(server && server->mechanism() == mech);

  bool over = false;
  int credential_calls = 0;
  auto handle = [&](SaslStep step) {
    for (;;) {
      if (auto* need = std::get_if<SaslNeedCredentials>(&step)) {
        require(!over);
        require(!need->authcid.empty());
        ++credential_calls;
        std::optional<Credentials> c;
        if (cred & 1) c = account();
        if ((cred & 2) && c) c->scram_sha256 = "SCRAM-SHA-256$1:AAAA$broken";
        if ((cred & 4) && c) c->password_hash = "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$AAAA";
        step = server->provide_credentials(c);
        continue;
      }
      if (auto* ok = std::get_if<SaslSuccess>(&step)) {
        require(!over);
        over = true;
        // Only the real password of the real account can get here: the fuzzer may find
        // "pencil", never a proof for a decoy.
        require(cred & 1);
        require(so.allow_authzid || ok->authzid.empty() || ok->authzid == ok->authcid);
      } else if (std::holds_alternative<SaslFailure>(step)) {
        over = true;
      } else if (std::holds_alternative<SaslChallenge>(step)) {
        require(!over);
      }
      return;
    }
  };

  constexpr std::string_view kSep = "\xff\xfe\xfd";
  while (true) {
    const auto end = rest.find(kSep);
    const std::string_view msg = rest.substr(0, end);
    const bool none = msg == "\xfc";
    if (over) {
      // After the end every call is refused.
      require(std::holds_alternative<SaslFailure>(server->step(msg)));
      break;
    }
    handle(server->step(none ? std::nullopt : std::optional<std::string_view>(msg)));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + kSep.size());
  }
  require(credential_calls <= 1);
  return 0;
}
