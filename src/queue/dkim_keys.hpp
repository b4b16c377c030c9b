// DKIM signing keys of the local domains (RFC 6376, RFC 8463): `facteur dkim generate` writes
// them, the daemon signs submitted mail with them, `facteur dns-records` prints their TXT
// records. Layout: data_dir/dkim/<domain>/<selector>.pem (mode 0600, PKCS#8 PEM). A key added
// while the daemon runs is used from the next message on (the signer re-reads a domain's
// directory when its modification time changes).
// TRUST: local files written by the administrator's tool; the messages signed are submitted by
// authenticated users (the mailauth signer bounds its work).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "mailauth/dkim_key.hpp"

namespace facteur::queue {

std::filesystem::path dkim_domain_dir(const std::filesystem::path& data_dir,
                                      std::string_view domain);

struct DomainKey {
  std::string domain;
  std::string selector;
  std::filesystem::path path;
  mailauth::DkimAlgorithm algorithm = mailauth::DkimAlgorithm::rsa_sha256;
  std::string dns_record;  // "v=DKIM1; k=rsa; p=..."
};

// Makes a new key (replacing one with the same selector). Errc::invalid_argument for a bad
// domain or selector, io_error when the file cannot be written.
Result<DomainKey> generate_domain_key(const std::filesystem::path& data_dir,
                                      std::string_view domain, std::string_view selector,
                                      mailauth::DkimAlgorithm algorithm, unsigned rsa_bits = 2048);

// The domain's keys, by selector (empty when it has none).
Result<std::vector<DomainKey>> list_domain_keys(const std::filesystem::path& data_dir,
                                                std::string_view domain);

// Thread-safe; one per daemon.
class DkimSigner {
 public:
  explicit DkimSigner(std::filesystem::path data_dir) : data_dir_(std::move(data_dir)) {}

  // The DKIM-Signature fields (relaxed/relaxed, one per key of `domain`; each ends in CRLF) to
  // prepend to `message`; "" when the domain has no key. Errors: unreadable key files, or the
  // message cannot be signed (no From field).
  Result<std::string> sign(std::string_view message, std::string_view domain);

 private:
  struct Loaded {
    std::filesystem::file_time_type stamp{};
    std::vector<std::pair<std::string, mailauth::DkimPrivateKey>> keys;  // selector, key
  };
  std::filesystem::path data_dir_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Loaded>> cache_;
};

}  // namespace facteur::queue
