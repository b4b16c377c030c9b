// URLs as the phishing checks and the classifier see them: the host of a link (scheme, user
// information and port removed, percent-escapes in the host decoded, lower-cased), whether the
// host is a raw IP address (dotted, decimal or hex forms), the registrable domain (a short list of
// two-level public suffixes stands in for the Public Suffix List), and URLs found in plain text.
// Trust: sees internet input (link targets and text of any message); linear time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace facteur::filter {

struct Url {
  std::string scheme;         // lower case: "http", "https", "mailto", "" for "www.x.com/..."
  std::string host;           // lower case, no trailing dot; "" when there is none
  bool host_is_ip = false;    // 192.0.2.1, [2001:db8::1], 3221225985, 0xC0000201
  bool has_userinfo = false;  // "http://paypal.com@evil.example/": the part before '@'
  std::string userinfo;       // that part, lower case
  std::string path;           // after the host: path and query, lower case, at most 256 bytes
};

// Parses a link target (href, form action, or a URL found in text). Returns nullopt for
// targets without a host (fragments, relative paths, "javascript:", "cid:").
std::optional<Url> parse_url(std::string_view target);

// Tabs and line breaks deleted, as browsers do anywhere in a URL (WHATWG URL).
std::string without_tabs(std::string_view s);

// %XX escapes decoded once (invalid ones kept as written); '+' read as a space in a query.
std::string decode_percent(std::string_view s, bool plus_is_space = false);

// URLs written in plain text: "http://", "https://" and bare "www." forms. At most `max`.
std::vector<std::string> find_urls_in_text(std::string_view text, std::size_t max = 200);

// "a.b.example.co.uk" -> "example.co.uk"; an IP or a one-label host comes back as is.
std::string_view registrable_domain(std::string_view host) noexcept;

// True for "1.2.3.4", "[...]" literals, and all-digit or 0x-hex hosts (browsers read those
// as IPv4 addresses).
bool is_ip_host(std::string_view host) noexcept;

// If `text` (a link's visible text) names a host, as "www.paypal.com", "https://x.com/..." or
// "paypal.com", returns that host in lower case.
std::optional<std::string> host_in_text(std::string_view text);

}  // namespace facteur::filter
