#include "directory/apop.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/strings.hpp"

namespace facteur::directory {

std::string apop_digest(std::string_view timestamp, std::string_view secret) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_md5(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, timestamp.data(), timestamp.size()) == 1 &&
            EVP_DigestUpdate(ctx, secret.data(), secret.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, md, &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

bool apop_digest_matches(std::string_view timestamp, std::string_view secret,
                         std::string_view hex_digest) {
  if (hex_digest.size() != 32) return false;
  const std::string expected = apop_digest(timestamp, secret);
  if (expected.size() != 32) return false;
  char given[32];
  for (std::size_t i = 0; i < 32; ++i)
    given[i] = ascii_lower(hex_digest[i]);
  return CRYPTO_memcmp(given, expected.data(), 32) == 0;
}

}  // namespace facteur::directory
