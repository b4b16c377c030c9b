#include "queue/dkim_keys.hpp"

#include <algorithm>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "mail/address.hpp"
#include "mailauth/dkim.hpp"

namespace facteur::queue {
namespace {

bool valid_selector(std::string_view s) {
  // RFC 6376 §3.1: sub-domain syntax; we allow one or more dot-separated labels.
  return !s.empty() && s.size() <= 63 && mail::is_valid_domain_name(s) && s.find('/') == s.npos;
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::io_error, fmt::format("cannot read {}", path.string()));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Result<DomainKey> load_key_file(const std::filesystem::path& path, std::string_view domain,
                                mailauth::DkimPrivateKey* keep = nullptr) {
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  auto key = mailauth::DkimPrivateKey::load(*text);
  if (!key) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{}: {}", path.string(), key.error().message));
  }
  DomainKey out;
  out.domain = std::string(domain);
  out.selector = path.stem().string();
  out.path = path;
  out.algorithm = key->algorithm();
  out.dns_record = key->dns_record();
  if (keep) *keep = std::move(*key);
  return out;
}

}  // namespace

std::filesystem::path dkim_domain_dir(const std::filesystem::path& data_dir,
                                      std::string_view domain) {
  return data_dir / "dkim" / to_lower(domain);
}

Result<DomainKey> generate_domain_key(const std::filesystem::path& data_dir,
                                      std::string_view domain, std::string_view selector,
                                      mailauth::DkimAlgorithm algorithm, unsigned rsa_bits) {
  if (!mail::is_valid_domain_name(domain) || domain.find('/') != domain.npos)
    return make_error(Errc::invalid_argument, fmt::format("'{}' is not a domain name", domain));
  if (!valid_selector(selector))
    return make_error(Errc::invalid_argument, fmt::format("'{}' is not a selector", selector));
  auto pair = mailauth::generate_dkim_key(algorithm, rsa_bits);
  if (!pair) return std::unexpected(pair.error());
  auto dir = dkim_domain_dir(data_dir, domain);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return make_error(Errc::io_error,
                      fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  ::chmod((data_dir / "dkim").c_str(), 0700);
  auto path = dir / (std::string(selector) + ".pem");
  auto tmp = dir / (std::string(selector) + ".pem.tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::io_error, fmt::format("cannot write {}", tmp.string()));
  const auto& pem = pair->private_pem;
  bool ok =
      ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error(Errc::io_error, fmt::format("cannot write {}", path.string()));
  }
  // The directory's new mtime is what tells a running daemon to reload.
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  DomainKey out;
  out.domain = to_lower(domain);
  out.selector = std::string(selector);
  out.path = path;
  out.algorithm = algorithm;
  out.dns_record = pair->dns_record;
  return out;
}

Result<std::vector<DomainKey>> list_domain_keys(const std::filesystem::path& data_dir,
                                                std::string_view domain) {
  std::vector<DomainKey> keys;
  auto dir = dkim_domain_dir(data_dir, domain);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return keys;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".pem" || !valid_selector(entry.path().stem().string()))
      continue;
    auto key = load_key_file(entry.path(), to_lower(domain));
    if (!key) return std::unexpected(key.error());
    keys.push_back(std::move(*key));
  }
  if (ec)
    return make_error(Errc::io_error,
                      fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  std::sort(keys.begin(), keys.end(),
            [](const DomainKey& a, const DomainKey& b) { return a.selector < b.selector; });
  return keys;
}

Result<std::string> DkimSigner::sign(std::string_view message, std::string_view domain) {
  auto dir = dkim_domain_dir(data_dir_, domain);
  std::error_code ec;
  auto stamp = std::filesystem::last_write_time(dir, ec);
  if (ec) return std::string();  // no directory: no key
  std::shared_ptr<Loaded> loaded;
  {
    std::lock_guard lock(mutex_);
    auto& slot = cache_[to_lower(domain)];
    if (!slot || slot->stamp != stamp) {
      auto fresh = std::make_shared<Loaded>();
      fresh->stamp = stamp;
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.path().extension() == ".pem" && valid_selector(entry.path().stem().string()))
          files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        mailauth::DkimPrivateKey key;
        auto info = load_key_file(file, domain, &key);
        if (!info) return std::unexpected(info.error());
        fresh->keys.emplace_back(info->selector, std::move(key));
      }
      slot = fresh;
    }
    loaded = slot;
  }
  std::string fields;
  for (const auto& [selector, key] : loaded->keys) {
    mailauth::DkimSignOptions options;
    options.domain = to_lower(domain);
    options.selector = selector;
    auto field = mailauth::dkim_sign(message, key, options);
    if (!field) return std::unexpected(field.error());
    fields += *field;
  }
  return fields;
}

}  // namespace facteur::queue
