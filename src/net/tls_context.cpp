#include "net/tls_context.hpp"

#include <cstdio>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace facteur::net {
namespace {

namespace ssl = boost::asio::ssl;

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

// Opens `path` for writing with the given mode, refusing to follow an existing file's permissions.
std::unique_ptr<FILE, FileCloser> create_private(const std::filesystem::path& path, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return nullptr;
  ::fchmod(fd, mode);
  return std::unique_ptr<FILE, FileCloser>(::fdopen(fd, "w"));
}

Status generate(const TlsFiles& files, const std::string& hostname) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) return make_error(Errc::internal, "EC key generation failed: " + openssl_error());
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1)
    return make_error(Errc::internal, "RAND_bytes failed");
  serial[0] &= 0x7f;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(serial, sizeof serial, nullptr),
                                                 BN_free);
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 825);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Facteur self-signed"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(hostname.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);

  std::string san = fmt::format("DNS:{}", hostname);
  if (hostname != "localhost") san += ",DNS:localhost";
  san += ",IP:127.0.0.1,IP:::1";
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, san.c_str()},
                            std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            std::pair{NID_ext_key_usage, "serverAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) return make_error(Errc::internal, "X509 extension failed: " + openssl_error());
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    return make_error(Errc::internal, "X509 signing failed: " + openssl_error());

  // Write both under temporary names, then rename: a crash never leaves a half-written pair.
  auto key_tmp = files.key;
  key_tmp += ".tmp";
  auto cert_tmp = files.cert;
  cert_tmp += ".tmp";
  {
    auto f = create_private(key_tmp, 0600);
    if (!f || PEM_write_PrivateKey(f.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
      return make_error(Errc::io_error, "cannot write " + key_tmp.string());
  }
  {
    auto f = create_private(cert_tmp, 0644);
    if (!f || PEM_write_X509(f.get(), cert.get()) != 1)
      return make_error(Errc::io_error, "cannot write " + cert_tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(key_tmp, files.key, ec);
  if (!ec) std::filesystem::rename(cert_tmp, files.cert, ec);
  if (ec) return make_error(Errc::io_error, "cannot install TLS files: " + ec.message());
  return {};
}

}  // namespace

Result<TlsFiles> ensure_self_signed(const std::filesystem::path& dir, const std::string& hostname) {
  TlsFiles files{dir / "tls" / "cert.pem", dir / "tls" / "key.pem"};
  std::error_code ec;
  if (std::filesystem::exists(files.cert, ec) && std::filesystem::exists(files.key, ec))
    return files;
  std::filesystem::create_directories(dir / "tls", ec);
  if (ec)
    return make_error(Errc::io_error,
                      fmt::format("cannot create {}: {}", (dir / "tls").string(), ec.message()));
  if (auto st = generate(files, hostname); !st) return std::unexpected(st.error());
  return files;
}

Result<std::shared_ptr<ssl::context>> make_server_tls_context(const TlsFiles& files) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // TLS 1.2: forward-secret AEAD suites only (TLS 1.3 suites are all fine by default).
  SSL_CTX_set_cipher_list(native,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  // Sessions are cached so reconnecting clients skip the full handshake.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_SERVER);
  static const unsigned char kSessionContext[] = "facteur";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  if (SSL_CTX_use_certificate_chain_file(native, files.cert.c_str()) != 1)
    return make_error(Errc::invalid_argument,
                      fmt::format("TLS certificate {}: {}", files.cert.string(), openssl_error()));
  if (SSL_CTX_use_PrivateKey_file(native, files.key.c_str(), SSL_FILETYPE_PEM) != 1)
    return make_error(Errc::invalid_argument,
                      fmt::format("TLS key {}: {}", files.key.string(), openssl_error()));
  if (SSL_CTX_check_private_key(native) != 1)
    return make_error(Errc::invalid_argument, "TLS key does not match the certificate");
  return ctx;
}

}  // namespace facteur::net
