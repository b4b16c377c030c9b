#include "directory/sasl.hpp"

#include <array>
#include <cstdint>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/strings.hpp"
#include "base/base64.hpp"
#include "directory/scram.hpp"

namespace facteur::directory {
namespace {

constexpr std::size_t kMaxField = 255;          // RFC 4616 §2: authzid, authcid, passwd
constexpr std::size_t kMaxScramMessage = 4096;  // client-first / client-final

SaslFailure fail(SaslError error, std::string reason) {
  return {error, std::move(reason)};
}

// Wipes a string that held a password.
void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// Shared by PLAIN and LOGIN: once name and password are known, ask for the record, then check.
class PasswordMechanism : public SaslServer {
 public:
  explicit PasswordMechanism(SaslOptions options) : options_(std::move(options)) {}
  ~PasswordMechanism() override { wipe(password_); }

  SaslStep provide_credentials(const std::optional<Credentials>& credentials) override {
    if (phase_ != Phase::need_credentials) return over();
    phase_ = Phase::over;
    const bool ok = check_password(credentials, password_, options_.decoy_cost);
    wipe(password_);
    if (!ok) return fail(SaslError::bad_credentials, "wrong password or unknown user");
    return SaslSuccess{std::move(authcid_), std::move(authzid_), {}};
  }

 protected:
  enum class Phase { start, username, password, need_credentials, over };

  SaslStep over() {
    phase_ = Phase::over;
    wipe(password_);
    return fail(SaslError::out_of_order, "the exchange is over");
  }
  SaslStep ask_credentials() {
    if (!authzid_.empty() && authzid_ != authcid_ && !options_.allow_authzid) {
      phase_ = Phase::over;
      wipe(password_);
      return fail(SaslError::not_permitted, "authorization identity differs from the user");
    }
    phase_ = Phase::need_credentials;
    return SaslNeedCredentials{authcid_, authzid_};
  }

  SaslOptions options_;
  Phase phase_ = Phase::start;
  std::string authcid_, authzid_, password_;
};

class PlainMechanism final : public PasswordMechanism {
 public:
  using PasswordMechanism::PasswordMechanism;
  SaslMechanism mechanism() const override { return SaslMechanism::plain; }

  SaslStep step(std::optional<std::string_view> response) override {
    if (phase_ == Phase::start && !response) {
      phase_ = Phase::password;  // empty challenge, the message comes next (RFC 4422 §5)
      return SaslChallenge{};
    }
    if (phase_ != Phase::start && phase_ != Phase::password) return over();
    phase_ = Phase::over;
    const std::string_view msg = response.value_or("");
    // message = [authzid] UTF8NUL authcid UTF8NUL passwd (RFC 4616 §2)
    const auto n1 = msg.find('\0');
    const auto n2 = n1 == std::string_view::npos ? n1 : msg.find('\0', n1 + 1);
    if (n2 == std::string_view::npos || msg.find('\0', n2 + 1) != std::string_view::npos)
      return fail(SaslError::malformed, "PLAIN: expected exactly two NULs");
    const std::string_view authzid = msg.substr(0, n1);
    const std::string_view authcid = msg.substr(n1 + 1, n2 - n1 - 1);
    const std::string_view passwd = msg.substr(n2 + 1);
    if (authcid.empty() || passwd.empty())
      return fail(SaslError::malformed, "PLAIN: empty user or password");
    if (authzid.size() > kMaxField || authcid.size() > kMaxField || passwd.size() > kMaxField)
      return fail(SaslError::malformed, "PLAIN: field longer than 255 octets");
    if (!valid_utf8(authzid) || !valid_utf8(authcid) || !valid_utf8(passwd))
      return fail(SaslError::malformed, "PLAIN: not UTF-8");
    authzid_ = authzid;
    authcid_ = authcid;
    password_ = passwd;
    return ask_credentials();
  }
};

class LoginMechanism final : public PasswordMechanism {
 public:
  using PasswordMechanism::PasswordMechanism;
  SaslMechanism mechanism() const override { return SaslMechanism::login; }

  SaslStep step(std::optional<std::string_view> response) override {
    switch (phase_) {
      case Phase::start:
        if (!response || response->empty()) {
          phase_ = Phase::username;
          return SaslChallenge{"Username:"};
        }
        return take_username(*response);
      case Phase::username:
        return take_username(response.value_or(""));
      case Phase::password: {
        const std::string_view pw = response.value_or("");
        if (pw.empty() || pw.size() > kMaxField || !valid_utf8(pw)) {
          phase_ = Phase::over;
          return fail(SaslError::malformed, "LOGIN: bad password field");
        }
        password_ = pw;
        return ask_credentials();
      }
      case Phase::need_credentials:
      case Phase::over:
        break;
    }
    return over();
  }

 private:
  SaslStep take_username(std::string_view name) {
    if (name.empty() || name.size() > kMaxField || !valid_utf8(name) ||
        name.find('\0') != std::string_view::npos) {
      phase_ = Phase::over;
      return fail(SaslError::malformed, "LOGIN: bad user name");
    }
    authcid_ = name;
    phase_ = Phase::password;
    return SaslChallenge{"Password:"};
  }
};

// saslname (RFC 5802 §7): "=2C" is ',', "=3D" is '=', no other '=' and no bare ','.
std::optional<std::string> decode_saslname(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ',') return std::nullopt;
    if (s[i] != '=') {
      out += s[i];
      continue;
    }
    if (s.substr(i + 1, 2) == "2C")
      out += ',';
    else if (s.substr(i + 1, 2) == "3D")
      out += '=';
    else
      return std::nullopt;
    i += 2;
  }
  if (out.empty() || !valid_utf8(out) || out.find('\0') != std::string::npos) return std::nullopt;
  return out;
}

// A per-process secret so decoy salts for unknown users are stable (asking twice gives the same
// salt, like for a real account) yet unpredictable from outside.
const std::string& decoy_secret() {
  static const std::string secret = [] {
    std::string s(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), int(s.size())) != 1)
      s = "facteur-decoy";  // still consistent; only the unpredictability is lost
    return s;
  }();
  return secret;
}

class ScramMechanism final : public SaslServer {
 public:
  explicit ScramMechanism(SaslOptions options) : options_(std::move(options)) {}
  SaslMechanism mechanism() const override { return SaslMechanism::scram_sha_256; }

  SaslStep step(std::optional<std::string_view> response) override {
    switch (phase_) {
      case Phase::start:
        if (!response) {
          phase_ = Phase::client_first;
          return SaslChallenge{};  // SCRAM is client-first: ask for it with an empty challenge
        }
        return client_first(*response);
      case Phase::client_first:
        return client_first(response.value_or(""));
      case Phase::client_final:
        return client_final(response.value_or(""));
      case Phase::final_ack:
        phase_ = Phase::over;
        if (response && !response->empty())
          return fail(SaslError::malformed, "SCRAM: expected an empty response");
        return SaslSuccess{std::move(authcid_), std::move(authzid_), {}};
      case Phase::need_credentials:
      case Phase::over:
        break;
    }
    phase_ = Phase::over;
    return fail(SaslError::out_of_order, "the exchange is over");
  }

  SaslStep provide_credentials(const std::optional<Credentials>& credentials) override {
    if (phase_ != Phase::need_credentials) {
      phase_ = Phase::over;
      return fail(SaslError::out_of_order, "credentials were not asked for");
    }
    std::optional<ScramCredentials> record;
    if (credentials && !credentials->scram_sha256.empty()) {
      if (auto parsed = parse_scram_credentials(credentials->scram_sha256)) record = *parsed;
    }
    if (record) {
      creds_ = std::move(*record);
    } else {
      // No account or no SCRAM keys: a made-up record that no proof matches.
      decoy_ = true;
      creds_.salt = scram::hmac(decoy_secret(), authcid_).substr(0, 16);
      creds_.iterations = kDefaultScramIterations;
      creds_.stored_key = scram::hmac(decoy_secret(), "stored" + authcid_);
      creds_.server_key = scram::hmac(decoy_secret(), "server" + authcid_);
    }
    std::string server_nonce = options_.fixed_server_nonce;
    if (server_nonce.empty()) {
      std::string raw(18, '\0');
      if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), int(raw.size())) != 1) {
        phase_ = Phase::over;
        return fail(SaslError::out_of_order, "RAND_bytes failed");
      }
      server_nonce = base64_encode(raw);  // 24 printable characters, never ','
    }
    nonce_ = client_nonce_ + server_nonce;
    server_first_ = "r=" + nonce_ + ",s=" + base64_encode(creds_.salt) +
                    ",i=" + std::to_string(creds_.iterations);
    phase_ = Phase::client_final;
    return SaslChallenge{server_first_};
  }

 private:
  enum class Phase { start, client_first, need_credentials, client_final, final_ack, over };

  SaslStep client_first(std::string_view msg) {
    phase_ = Phase::over;
    if (msg.size() > kMaxScramMessage) return fail(SaslError::malformed, "SCRAM: too long");
    // gs2-header = gs2-cbind-flag "," [authzid] ","
    if (msg.starts_with("p="))
      return fail(SaslError::not_permitted, "SCRAM: channel binding not supported");
    if (!msg.starts_with("n,") && !msg.starts_with("y,"))
      return fail(SaslError::malformed, "SCRAM: bad gs2 header");
    const auto comma = msg.find(',', 2);
    if (comma == std::string_view::npos) return fail(SaslError::malformed, "SCRAM: bad gs2 header");
    const std::string_view authzid_field = msg.substr(2, comma - 2);
    if (!authzid_field.empty()) {
      if (!authzid_field.starts_with("a=")) return fail(SaslError::malformed, "SCRAM: bad authzid");
      auto az = decode_saslname(authzid_field.substr(2));
      if (!az) return fail(SaslError::malformed, "SCRAM: bad authzid");
      authzid_ = std::move(*az);
    }
    gs2_header_ = msg.substr(0, comma + 1);
    client_first_bare_ = msg.substr(comma + 1);

    std::string_view bare = client_first_bare_;
    if (bare.starts_with("m="))
      return fail(SaslError::not_permitted, "SCRAM: mandatory extension not supported");
    if (!bare.starts_with("n=")) return fail(SaslError::malformed, "SCRAM: missing user name");
    const auto c1 = bare.find(',');
    if (c1 == std::string_view::npos) return fail(SaslError::malformed, "SCRAM: missing nonce");
    auto user = decode_saslname(bare.substr(2, c1 - 2));
    if (!user || user->size() > kMaxField)
      return fail(SaslError::malformed, "SCRAM: bad user name");
    bare.remove_prefix(c1 + 1);
    if (!bare.starts_with("r=")) return fail(SaslError::malformed, "SCRAM: missing nonce");
    const auto c2 = bare.find(',');
    const std::string_view nonce = bare.substr(2, c2 == std::string_view::npos ? c2 : c2 - 2);
    if (nonce.empty()) return fail(SaslError::malformed, "SCRAM: empty nonce");
    for (char c : nonce)
      if (c < 0x21 || c > 0x7e) return fail(SaslError::malformed, "SCRAM: bad nonce");
    // Anything after the nonce is an optional extension: ignored (RFC 5802 §5.1).
    authcid_ = std::move(*user);
    client_nonce_ = nonce;
    if (!authzid_.empty() && authzid_ != authcid_ && !options_.allow_authzid)
      return fail(SaslError::not_permitted, "authorization identity differs from the user");
    phase_ = Phase::need_credentials;
    return SaslNeedCredentials{authcid_, authzid_};
  }

  SaslStep client_final(std::string_view msg) {
    phase_ = Phase::over;
    if (msg.size() > kMaxScramMessage) return fail(SaslError::malformed, "SCRAM: too long");
    // client-final-message = "c=" b64 "," "r=" nonce ["," extensions] "," "p=" b64
    const auto proof_at = msg.rfind(",p=");
    if (proof_at == std::string_view::npos)
      return fail(SaslError::malformed, "SCRAM: missing proof");
    const std::string_view without_proof = msg.substr(0, proof_at);
    const std::string_view proof_b64 = msg.substr(proof_at + 3);
    if (!without_proof.starts_with("c="))
      return fail(SaslError::malformed, "SCRAM: missing channel binding");
    const auto c1 = without_proof.find(',');
    if (c1 == std::string_view::npos) return fail(SaslError::malformed, "SCRAM: missing nonce");
    auto binding = base64_decode(without_proof.substr(2, c1 - 2));
    if (!binding) return fail(SaslError::malformed, "SCRAM: bad channel binding");
    std::string_view rest = without_proof.substr(c1 + 1);
    if (!rest.starts_with("r=")) return fail(SaslError::malformed, "SCRAM: missing nonce");
    const auto c2 = rest.find(',');
    const std::string_view nonce = rest.substr(2, c2 == std::string_view::npos ? c2 : c2 - 2);
    if (nonce != nonce_) return fail(SaslError::malformed, "SCRAM: nonce mismatch");
    // "n"/"y" carry no binding data: c= must repeat the gs2 header exactly (RFC 5802 §7).
    if (*binding != gs2_header_)
      return fail(SaslError::malformed, "SCRAM: channel binding mismatch");
    auto proof = base64_decode(proof_b64);
    if (!proof || proof->size() != creds_.stored_key.size())
      return fail(SaslError::malformed, "SCRAM: bad proof");

    std::string auth_message = client_first_bare_;
    auth_message += ',';
    auth_message += server_first_;
    auth_message += ',';
    auth_message += without_proof;
    const std::string signature = scram::hmac(creds_.stored_key, auth_message);
    std::string client_key(proof->size(), '\0');
    for (std::size_t i = 0; i < client_key.size(); ++i)
      client_key[i] = char(std::uint8_t((*proof)[i]) ^ std::uint8_t(signature[i]));
    const std::string stored = scram::h(client_key);
    OPENSSL_cleanse(client_key.data(), client_key.size());
    const bool match = stored.size() == creds_.stored_key.size() &&
                       CRYPTO_memcmp(stored.data(), creds_.stored_key.data(), stored.size()) == 0;
    if (!match || decoy_) return fail(SaslError::bad_credentials, "SCRAM: invalid proof");

    std::string server_final = "v=" + base64_encode(scram::hmac(creds_.server_key, auth_message));
    if (options_.success_data_as_challenge) {
      phase_ = Phase::final_ack;
      return SaslChallenge{std::move(server_final)};
    }
    return SaslSuccess{std::move(authcid_), std::move(authzid_), std::move(server_final)};
  }

  SaslOptions options_;
  Phase phase_ = Phase::start;
  std::string authcid_, authzid_;
  std::string gs2_header_, client_first_bare_, client_nonce_, nonce_, server_first_;
  ScramCredentials creds_;
  bool decoy_ = false;
};

}  // namespace

std::optional<SaslMechanism> parse_sasl_mechanism(std::string_view name) {
  if (iequals(name, "PLAIN")) return SaslMechanism::plain;
  if (iequals(name, "LOGIN")) return SaslMechanism::login;
  if (iequals(name, "SCRAM-SHA-256")) return SaslMechanism::scram_sha_256;
  return std::nullopt;
}

std::string_view to_string(SaslMechanism mechanism) {
  switch (mechanism) {
    case SaslMechanism::plain:
      return "PLAIN";
    case SaslMechanism::login:
      return "LOGIN";
    case SaslMechanism::scram_sha_256:
      return "SCRAM-SHA-256";
  }
  return "PLAIN";
}

bool is_plaintext(SaslMechanism mechanism) {
  return mechanism == SaslMechanism::plain || mechanism == SaslMechanism::login;
}

std::unique_ptr<SaslServer> make_sasl_server(SaslMechanism mechanism, SaslOptions options) {
  switch (mechanism) {
    case SaslMechanism::plain:
      return std::make_unique<PlainMechanism>(std::move(options));
    case SaslMechanism::login:
      return std::make_unique<LoginMechanism>(std::move(options));
    case SaslMechanism::scram_sha_256:
      return std::make_unique<ScramMechanism>(std::move(options));
  }
  return nullptr;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0, min = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

}  // namespace facteur::directory
