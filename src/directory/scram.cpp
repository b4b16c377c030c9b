#include "directory/scram.hpp"

#include <utility>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "base/base64.hpp"

namespace facteur::directory {
namespace scram {

std::string h(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       reinterpret_cast<unsigned char*>(out.data()), &len);
  out.resize(len);
  return out;
}

std::string hi(std::string_view password, std::string_view salt, std::uint32_t iterations) {
  // Hi() is PBKDF2 with HMAC-SHA-256 and dkLen = 32 (RFC 5802 §2.2).
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    return {};
  return out;
}

}  // namespace scram

Result<ScramCredentials> make_scram_credentials(std::string_view password, std::uint32_t iterations,
                                                std::string_view salt) {
  if (iterations < 1 || iterations > kMaxScramIterations)
    return make_error(Errc::invalid_argument, "SCRAM: iteration count out of range");
  if (salt.empty() || salt.size() > 64)
    return make_error(Errc::invalid_argument, "SCRAM: salt length out of range");
  if (password.size() > 4096)  // OpenSSL takes an int; nobody types more
    return make_error(Errc::invalid_argument, "SCRAM: password too long");
  const std::string salted = scram::hi(password, salt, iterations);
  if (salted.empty()) return make_error(Errc::internal, "SCRAM: PBKDF2 failed");
  ScramCredentials c;
  c.salt = std::string(salt);
  c.iterations = iterations;
  c.stored_key = scram::h(scram::hmac(salted, "Client Key"));
  c.server_key = scram::hmac(salted, "Server Key");
  return c;
}

Result<ScramCredentials> make_scram_credentials(std::string_view password,
                                                std::uint32_t iterations) {
  std::string salt(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), int(salt.size())) != 1)
    return make_error(Errc::internal, "RAND_bytes failed");
  return make_scram_credentials(password, iterations, salt);
}

std::string serialize(const ScramCredentials& c) {
  return "SCRAM-SHA-256$" + std::to_string(c.iterations) + ":" + base64_encode(c.salt) + "$" +
         base64_encode(c.stored_key) + ":" + base64_encode(c.server_key);
}

Result<ScramCredentials> parse_scram_credentials(std::string_view text) {
  auto bad = [](const char* what) {
    return make_error(Errc::parse_error, std::string("SCRAM record: ") + what);
  };
  constexpr std::string_view kPrefix = "SCRAM-SHA-256$";
  if (text.size() > 512) return bad("too long");
  if (!text.starts_with(kPrefix)) return bad("not SCRAM-SHA-256");
  text.remove_prefix(kPrefix.size());
  const auto dollar = text.find('$');
  if (dollar == std::string_view::npos) return bad("missing keys");
  std::string_view params = text.substr(0, dollar);
  std::string_view keys = text.substr(dollar + 1);
  const auto c1 = params.find(':');
  const auto c2 = keys.find(':');
  if (c1 == std::string_view::npos || c2 == std::string_view::npos) return bad("missing ':'");

  std::string_view digits = params.substr(0, c1);
  if (digits.empty() || digits.size() > 8) return bad("bad iteration count");
  std::uint32_t iterations = 0;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return bad("bad iteration count");
    iterations = iterations * 10 + std::uint32_t(ch - '0');
  }
  if (iterations < 1 || iterations > kMaxScramIterations) return bad("bad iteration count");

  auto salt = base64_decode(params.substr(c1 + 1));
  auto stored = base64_decode(keys.substr(0, c2));
  auto server = base64_decode(keys.substr(c2 + 1));
  if (!salt || salt->empty() || salt->size() > 64) return bad("bad salt");
  if (!stored || stored->size() != SHA256_DIGEST_LENGTH || !server ||
      server->size() != SHA256_DIGEST_LENGTH)
    return bad("bad keys");
  ScramCredentials c;
  c.salt = std::move(*salt);
  c.iterations = iterations;
  c.stored_key = std::move(*stored);
  c.server_key = std::move(*server);
  return c;
}

}  // namespace facteur::directory
