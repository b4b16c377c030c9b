// TLS: the server-side OpenSSL context (TLS >= 1.2), and the self-signed certificate made in
// data_dir when the configuration names none (so STARTTLS and implicit TLS work out of the box).
// Security: this context faces the internet; protocol floor and cipher choice live here only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "base/result.hpp"

namespace facteur::net {

struct TlsFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
};

// Makes (once) a self-signed certificate for `hostname` in dir/tls/, or reuses the one there.
Result<TlsFiles> ensure_self_signed(const std::filesystem::path& dir, const std::string& hostname);

// A server context with TLS 1.2 as the floor, loaded from PEM files.
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(const TlsFiles& files);

}  // namespace facteur::net
