#include "mailauth/dkim_key.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/strings.hpp"
#include "mailauth/tag_list.hpp"

namespace facteur::mailauth {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
struct BioDeleter {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::vector<std::string> colon_list(std::string_view value) {
  std::vector<std::string> out;
  for (auto item : split(value, ':')) {
    auto trimmed = remove_fws(item);
    if (!trimmed.empty()) out.push_back(to_lower(trimmed));
  }
  return out;
}

}  // namespace

void PkeyDeleter::operator()(evp_pkey_st* key) const noexcept {
  EVP_PKEY_free(key);
}

std::string_view to_string(DkimAlgorithm algorithm) noexcept {
  switch (algorithm) {
    case DkimAlgorithm::rsa_sha256:
      return "rsa-sha256";
    case DkimAlgorithm::ed25519_sha256:
      return "ed25519-sha256";
    case DkimAlgorithm::rsa_sha1:
      return "rsa-sha1";
  }
  return "?";
}

std::string sha256(std::string_view data) {
  return digest(EVP_sha256(), data);
}
std::string sha1(std::string_view data) {
  return digest(EVP_sha1(), data);
}

std::optional<std::string> decode_base64_tag(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after padding
    int v = base64_value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | unsigned(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if (padding > 2 || bits >= 6) return std::nullopt;
  return out;
}

std::string encode_base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(data),
                          static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<DkimPrivateKey> DkimPrivateKey::load(std::string_view text) {
  DkimPrivateKey key;
  if (text.find("-----BEGIN") != std::string_view::npos) {
    Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    key.key_.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  } else if (auto raw = decode_base64_tag(text); raw && raw->size() == 32) {
    key.key_.reset(
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(*raw), raw->size()));
  }
  if (!key.key_) return make_error(Errc::parse_error, "dkim: unreadable private key");
  switch (EVP_PKEY_get_base_id(key.key_.get())) {
    case EVP_PKEY_RSA:
      key.algorithm_ = DkimAlgorithm::rsa_sha256;
      break;
    case EVP_PKEY_ED25519:
      key.algorithm_ = DkimAlgorithm::ed25519_sha256;
      break;
    default:
      return make_error(Errc::invalid_argument, "dkim: key is neither RSA nor Ed25519");
  }
  key.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(key.key_.get()));
  if (key.algorithm_ == DkimAlgorithm::rsa_sha256 && key.bits_ < 1024) {
    return make_error(Errc::invalid_argument, "dkim: RSA keys need at least 1024 bits");
  }
  return key;
}

std::string DkimPrivateKey::public_key_base64() const {
  if (algorithm_ == DkimAlgorithm::ed25519_sha256) {
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    EVP_PKEY_get_raw_public_key(key_.get(), raw, &len);
    return encode_base64(std::string_view(reinterpret_cast<char*>(raw), len));
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key_.get(), &der);
  std::string out = encode_base64(std::string_view(reinterpret_cast<char*>(der), std::size_t(len)));
  OPENSSL_free(der);
  return out;
}

std::string DkimPrivateKey::dns_record() const {
  return fmt::format("v=DKIM1; k={}; p={}",
                     algorithm_ == DkimAlgorithm::ed25519_sha256 ? "ed25519" : "rsa",
                     public_key_base64());
}

Result<std::string> DkimPrivateKey::sign(std::string_view data) const {
  MdCtx ctx(EVP_MD_CTX_new());
  std::string hashed;
  const EVP_MD* md = EVP_sha256();
  if (algorithm_ == DkimAlgorithm::ed25519_sha256) {
    hashed = sha256(data);
    data = hashed;
    md = nullptr;  // PureEdDSA over the digest
  }
  std::size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, bytes(data), data.size()) != 1) {
    return make_error(Errc::internal, "dkim: signing failed");
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     bytes(data), data.size()) != 1) {
    return make_error(Errc::internal, "dkim: signing failed");
  }
  signature.resize(len);
  return signature;
}

Result<DkimKeyPair> generate_dkim_key(DkimAlgorithm algorithm, unsigned rsa_bits) {
  Pkey key;
  if (algorithm == DkimAlgorithm::ed25519_sha256) {
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  } else if (algorithm == DkimAlgorithm::rsa_sha256) {
    if (rsa_bits < 1024 || rsa_bits > 8192) {
      return make_error(Errc::invalid_argument, "dkim: RSA keys are 1024 to 8192 bits");
    }
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits)));
  } else {
    return make_error(Errc::invalid_argument, "dkim: cannot generate rsa-sha1 keys (RFC 8301)");
  }
  if (!key) return make_error(Errc::internal, "dkim: key generation failed");
  Bio bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return make_error(Errc::internal, "dkim: cannot write the private key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  DkimKeyPair pair;
  pair.private_pem.assign(data, static_cast<std::size_t>(len));
  auto loaded = DkimPrivateKey::load(pair.private_pem);
  if (!loaded) return std::unexpected(loaded.error());
  pair.dns_record = loaded->dns_record();
  return pair;
}

Result<DkimKeyRecord> parse_dkim_key_record(std::string_view txt) {
  auto tags = parse_tag_list(txt);
  if (!tags) return make_error(Errc::parse_error, "key record: " + tags.error().message);
  DkimKeyRecord record;
  if (auto v = find_tag(*tags, "v"); v && *v != "DKIM1") {
    return make_error(Errc::parse_error, "key record: v= is not DKIM1");
  }
  if (auto k = find_tag(*tags, "k")) record.key_type = to_lower(*k);
  if (auto h = find_tag(*tags, "h")) record.hashes = colon_list(*h);
  if (auto s = find_tag(*tags, "s")) {
    record.services = colon_list(*s);
  } else {
    record.services = {"*"};
  }
  if (auto t = find_tag(*tags, "t")) {
    for (const auto& flag : colon_list(*t)) {
      if (flag == "y") record.testing = true;
      if (flag == "s") record.strict_identity = true;
    }
  }
  auto p = find_tag(*tags, "p");
  if (!p) return make_error(Errc::parse_error, "key record: no p= tag");
  auto decoded = decode_base64_tag(*p);
  if (!decoded) return make_error(Errc::parse_error, "key record: p= is not base64");
  record.public_key = std::move(*decoded);
  return record;
}

Result<Pkey> load_public_key(const DkimKeyRecord& record) {
  Pkey key;
  const auto& p = record.public_key;
  if (record.key_type == "ed25519") {
    if (p.size() != 32) return make_error(Errc::parse_error, "ed25519 key is not 32 bytes");
    key.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(p), p.size()));
  } else if (record.key_type == "rsa") {
    const unsigned char* in = bytes(p);
    key.reset(d2i_PUBKEY(nullptr, &in, static_cast<long>(p.size())));
    if (!key) {
      in = bytes(p);  // some publish the PKCS#1 RSAPublicKey alone
      key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &in, static_cast<long>(p.size())));
    }
    if (key && EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) key.reset();
  } else {
    return make_error(Errc::parse_error, fmt::format("unknown key type k={}", record.key_type));
  }
  if (!key) return make_error(Errc::parse_error, "public key does not decode");
  return key;
}

unsigned key_bits(const Pkey& key) {
  return static_cast<unsigned>(EVP_PKEY_get_bits(key.get()));
}

bool verify_signature(const Pkey& key, DkimAlgorithm algorithm, std::string_view data,
                      std::string_view signature) {
  MdCtx ctx(EVP_MD_CTX_new());
  std::string hashed;
  const EVP_MD* md = nullptr;
  const int type = EVP_PKEY_get_base_id(key.get());
  switch (algorithm) {
    case DkimAlgorithm::ed25519_sha256:
      if (type != EVP_PKEY_ED25519) return false;
      hashed = sha256(data);
      data = hashed;
      break;
    case DkimAlgorithm::rsa_sha256:
      if (type != EVP_PKEY_RSA) return false;
      md = EVP_sha256();
      break;
    case DkimAlgorithm::rsa_sha1:
      if (type != EVP_PKEY_RSA) return false;
      md = EVP_sha1();
      break;
  }
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(data),
                          data.size()) == 1;
}

}  // namespace facteur::mailauth
