#include "filter/redirect.hpp"

#include "base/strings.hpp"
#include "filter/url.hpp"
#include "mail/transfer_encoding.hpp"

namespace facteur::filter {
namespace {

constexpr std::size_t kMaxTarget = 8192;

struct Redirector {
  std::string_view host;    // the host, or its registrable domain when `any_sub`
  bool any_sub;             // any host under it ("eur01.safelinks.protection.outlook.com")
  std::string_view path;    // lower-case path prefix, "" for any
  std::string_view params;  // the parameters naming the target, '|'-separated
};

// Hosts of the big services whose redirect endpoints forward anywhere (Google's under any
// country domain, see google_host()).
constexpr Redirector kRedirectors[] = {
    {"youtube.com", false, "/redirect", "q"},
    {"www.youtube.com", false, "/redirect", "q"},
    {"m.youtube.com", false, "/redirect", "q"},
    {"l.facebook.com", false, "/l.php", "u"},
    {"lm.facebook.com", false, "/l.php", "u"},
    {"www.facebook.com", false, "/l.php", "u"},
    {"m.facebook.com", false, "/l.php", "u"},
    {"l.messenger.com", false, "/l.php", "u"},
    {"www.linkedin.com", false, "/redir/redirect", "url"},
    {"linkedin.com", false, "/redir/redirect", "url"},
    {"safelinks.protection.outlook.com", true, "", "url"},
    {"l.instagram.com", false, "", "u"},
    {"vk.com", false, "/away.php", "to"},
    {"m.vk.com", false, "/away.php", "to"},
    {"away.vk.com", false, "/away.php", "to"},
};

bool two_letters(std::string_view s) {
  return s.size() == 2 && ascii_alpha(s[0]) && ascii_alpha(s[1]);
}

// Google's own hosts: google.com, google.<country>, google.co.<country>, google.com.<country>,
// bare or under www., maps., images. or news. — not any host whose registrable domain starts
// with "google." (our list of suffixes is short, and such a name may be anybody's).
bool google_host(std::string_view host) {
  for (std::string_view sub : {"www.", "maps.", "images.", "news."})
    if (host.starts_with(sub)) {
      host.remove_prefix(sub.size());
      break;
    }
  if (!host.starts_with("google.")) return false;
  std::string_view suffix = host.substr(7);
  if (suffix == "com" || two_letters(suffix)) return true;
  for (std::string_view second : {"co.", "com."})
    if (suffix.starts_with(second) && two_letters(suffix.substr(second.size()))) return true;
  return false;
}

std::string percent_decode(std::string_view s) {
  return decode_percent(s, true);
}

std::size_t ifind(std::string_view text, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= text.size(); ++i)
    if (istarts_with(text.substr(i), needle)) return i;
  return std::string_view::npos;
}

// The value of the parameter of `names` ('|'-separated) in the query of `target`, still
// encoded. Ambiguity gives nothing: such a name twice, or written otherwise (another case,
// percent-encoded, with spaces or punctuation), which the site may read otherwise than we do.
std::optional<std::string_view> query_param(std::string_view target, std::string_view names) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  if (auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
  auto wanted = split(names, '|');
  std::optional<std::string_view> value;
  std::size_t at = 0;
  while (at < query.size()) {
    std::size_t amp = query.find('&', at);
    std::string_view pair = query.substr(at, amp == std::string_view::npos ? query.npos : amp - at);
    auto eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    // The name as a lenient server may read it: decoded, its letters and digits only.
    std::string reduced;
    for (char c : percent_decode(name))
      if (ascii_alnum(c)) reduced.push_back(ascii_lower(c));
    // An empty value is no target (Google's result links carry "q=" beside "url=...").
    bool empty = eq == std::string_view::npos || eq + 1 == pair.size();
    for (std::string_view w : wanted) {
      if (reduced != w || (empty && name == w)) continue;
      if (value || name != w) return std::nullopt;
      value = pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    at = amp + 1;
  }
  return value;
}

// An http(s) URL whose host is a plain DNS name (letters, digits, '-', '.', or non-ASCII for
// an IDN): a '*' or ';' left in it means we did not decode it as the redirector will.
std::optional<std::string> absolute_http(std::string_view written) {
  std::string url = without_tabs(written);
  std::string_view t = trim(url);
  if (!istarts_with(t, "http://") && !istarts_with(t, "https://")) return std::nullopt;
  auto parsed = parse_url(t);
  if (!parsed || parsed->host.empty()) return std::nullopt;
  // A '*' (a Proofpoint marker) anywhere in the authority: not decoded as it will be.
  std::string_view rest = t.substr(t.find(':') + 1);
  std::size_t start = rest.find_first_not_of("/\\");
  if (start == std::string_view::npos) return std::nullopt;
  std::string_view authority = rest.substr(start);
  authority = authority.substr(0, authority.find_first_of("/\\?#"));
  if (authority.find('*') != std::string_view::npos) return std::nullopt;
  for (char c : parsed->host) {
    auto u = static_cast<unsigned char>(c);
    if (!(ascii_alnum(c) || c == '-' || c == '.' || u >= 0x80 || c == '[' || c == ']' || c == ':'))
      return std::nullopt;
  }
  return std::string(t);
}

}  // namespace

bool is_redirector_host(std::string_view host) {
  if (google_host(host) || host == "www.bing.com" || host == "bing.com" ||
      host == "urldefense.com" || host == "urldefense.proofpoint.com")
    return true;
  for (const auto& r : kRedirectors)
    if (host == r.host || (r.any_sub && host.ends_with(r.host) && host.size() > r.host.size() &&
                           host[host.size() - r.host.size() - 1] == '.'))
      return true;
  return false;
}

std::optional<std::string> redirect_target(std::string_view written) {
  // No ordinary redirect is this long; a longer one is judged as written.
  if (written.size() > kMaxTarget) return std::nullopt;
  const std::string cleaned = without_tabs(written);
  const std::string_view target = cleaned;
  auto url = parse_url(target);
  if (!url || (url->scheme != "http" && url->scheme != "https") || url->host_is_ip)
    return std::nullopt;
  const std::string& host = url->host;
  if (google_host(host)) {
    // google.com/amp/s/evil.example/page: the AMP viewer shows the page at https://evil...
    // (without the "s/", at http://).
    if (url->path.starts_with("/amp/")) {
      auto at = ifind(target, "/amp/");
      if (at == std::string_view::npos) return std::nullopt;
      std::string_view rest = target.substr(at + 5);
      // Dot segments are resolved by the browser before the viewer sees the path, and an
      // escaped or '@'-split host may be read otherwise: such paths are not followed.
      std::string_view host_part = rest.substr(istarts_with(rest, "s/") ? 2 : 0);
      host_part = host_part.substr(0, host_part.find_first_of("/?#"));
      if (host_part.find_first_of("%@\\") != std::string_view::npos ||
          rest.find("/.") != std::string_view::npos ||
          ifind(rest, "%2e") != std::string_view::npos ||
          rest.find('\\') != std::string_view::npos || rest.starts_with("."))
        return std::nullopt;
      if (istarts_with(rest, "s/")) return absolute_http("https://" + std::string(rest.substr(2)));
      return absolute_http("http://" + std::string(rest));
    }
    if (url->path.starts_with("/url?")) {
      auto p = query_param(target, "q|url");
      if (p) return absolute_http(percent_decode(*p));
    }
    return std::nullopt;
  }
  // Bing's click tracker: u=a1 and the target in base64url.
  if ((host == "www.bing.com" || host == "bing.com") && url->path.starts_with("/ck/a?")) {
    auto p = query_param(target, "u");
    if (!p || p->size() < 3 || !istarts_with(*p, "a1")) return std::nullopt;
    std::string b64 = percent_decode(p->substr(2));
    for (char& c : b64)
      c = c == '-' ? '+' : c == '_' ? '/' : c;
    return absolute_http(mail::decode_base64(b64));
  }
  // Proofpoint's URL Defense rewrites every link of a protected organisation's mail.
  if (host == "urldefense.proofpoint.com" && url->path.starts_with("/v2/url?")) {
    auto p = query_param(target, "u");
    if (!p) return std::nullopt;
    std::string encoded;  // "-3A" for "%3A", "_" for "/"
    for (char c : *p)
      encoded.push_back(c == '-' ? '%' : c == '_' ? '/' : c);
    return absolute_http(percent_decode(encoded));
  }
  if ((host == "urldefense.com" || host == "urldefense.proofpoint.com") &&
      url->path.starts_with("/v3/__")) {
    auto begin = ifind(target, "/v3/__");
    if (begin == std::string_view::npos) return std::nullopt;
    std::string_view rest = target.substr(begin + 6);
    auto end = rest.find("__;");
    if (end == std::string_view::npos) return std::nullopt;
    return absolute_http(std::string(rest.substr(0, end)));
  }
  for (const auto& r : kRedirectors) {
    bool host_matches =
        r.any_sub ? (host == r.host || host.ends_with("." + std::string(r.host))) : host == r.host;
    if (!host_matches || !url->path.starts_with(r.path)) continue;
    auto p = query_param(target, r.params);
    if (p) return absolute_http(percent_decode(*p));
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace facteur::filter
