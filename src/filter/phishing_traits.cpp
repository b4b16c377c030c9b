#include "filter/phishing_traits.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "filter/lookalike.hpp"
#include "filter/text_norm.hpp"
#include "filter/url.hpp"

namespace facteur::filter {

std::string_view first_label(std::string_view domain) noexcept {
  auto dot = domain.find('.');
  return dot == std::string_view::npos ? domain : domain.substr(0, dot);
}

bool is_generic_brand_label(std::string_view label) noexcept {
  static constexpr std::string_view kGenericLabels[] = {
      "office",  "windows", "outlook", "regions", "nationwide", "netbank", "google",
      "service", "booking", "norton",  "revolut", "finances",   "orange",  "free"};
  return std::find(std::begin(kGenericLabels), std::end(kGenericLabels), label) !=
         std::end(kGenericLabels);
}

std::string_view free_hosting_suffix(std::string_view host) {
  static constexpr std::string_view kHosts[] = {"web.app",
                                                "firebaseapp.com",
                                                "firebasestorage.googleapis.com",
                                                "storage.googleapis.com",
                                                "sites.google.com",

                                                "weebly.com",
                                                "weeblysite.com",
                                                "wixsite.com",
                                                "000webhostapp.com",
                                                "pages.dev",
                                                "workers.dev",
                                                "r2.dev",
                                                "glitch.me",
                                                "vercel.app",
                                                "netlify.app",

                                                "herokuapp.com",
                                                "blob.core.windows.net",
                                                "web.core.windows.net",
                                                "azurewebsites.net",
                                                "appspot.com",
                                                "amazonaws.com",
                                                "notion.site",
                                                "canva.site",
                                                "trycloudflare.com",
                                                "ngrok-free.app",
                                                "ngrok.io",
                                                "onrender.com",
                                                "replit.app",
                                                "urlz.fr",
                                                "sharepoint.com",
                                                "1drv.ms",
                                                "ipfs.io",
                                                "dweb.link",
                                                "cloudflare-ipfs.com",
                                                "ipfs.w3s.link",

                                                "godaddysites.com",
                                                "square.site",
                                                "webflow.io",
                                                "framer.app",
                                                "repl.co",
                                                "surge.sh",
                                                "github.io",
                                                "gitlab.io",
                                                "bit.ly",
                                                "tinyurl.com",
                                                "is.gd",
                                                "t.ly",
                                                "cutt.ly",
                                                "rebrand.ly",
                                                "ow.ly",
                                                "shorturl.at",
                                                "rb.gy",
                                                "tiny.cc",
                                                "s.id",
                                                "v.gd",
                                                "qrco.de"};
  for (auto h : kHosts)
    if (host_in_domain(host, h)) return h;
  return {};
}

bool on_free_hosting(std::string_view host) {
  return !free_hosting_suffix(host).empty();
}

bool names_domain(std::string_view text, std::string_view domain) {
  auto part_of_name = [](char c) { return ascii_alnum(c) || c == '-' || c == '.'; };
  for (std::size_t at = text.find(domain); at != std::string_view::npos;
       at = text.find(domain, at + 1)) {
    std::size_t end = at + domain.size();
    // "mail.example.org" shows ours too; "myexample.org" does not.
    bool starts = at == 0 || text[at - 1] == '.' || !part_of_name(text[at - 1]);
    bool ends = end == text.size() || !part_of_name(text[end]) ||
                (text[end] == '.' && (end + 1 == text.size() || !part_of_name(text[end + 1])));
    if (starts && ends) return true;
  }
  return false;
}

// Invisible characters in UTF-8 text that break a brand's name or a word apart so that it is
// not recognised, or reorder what is shown: a zero-width space, word joiner, byte-order mark,
// invisible operator (U+2061-2064), combining grapheme joiner, Mongolian vowel separator, tag
// character (but in an emoji flag: U+1F3F4 and its tags), a Hangul filler or a braille blank
// for a blank-looking name, or a direction override (U+202D/202E, which turns "moc.lapyap"
// round) anywhere; a zero-width (non-)joiner, soft hyphen, direction mark, embedding or
// isolate only between two Latin letters (elsewhere they have work to do: Persian, Indic,
// Arabic and Hebrew writing, emoji sequences such as a family). Variation selectors are
// looked through.
bool has_invisible_characters(std::string_view s) {
  auto latin = [](char32_t cp) {
    return (cp < 0x80 && ascii_alpha(static_cast<char>(cp))) || (cp >= 0xC0 && cp <= 0x24F) ||
           (cp >= 0x1E00 && cp <= 0x1EFF);
  };
  char32_t before = 0;   // the visible code point before the current run of invisible ones
  bool pending = false;  // an invisible character that only counts between Latin letters
  bool flag = false;     // inside an emoji flag's tag sequence
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = next_code_point(s, i);
    if (cp >= 0xE0000 && cp <= 0xE007F) {
      if (!flag) return true;
      continue;
    }
    flag = false;
    if (cp == 0x200B || cp == 0x2060 || cp == 0xFEFF || (cp >= 0x2061 && cp <= 0x2064) ||
        cp == 0x202D || cp == 0x202E || cp == 0x034F || cp == 0x180E || cp == 0x3164 ||
        cp == 0x115F || cp == 0x1160 || cp == 0xFFA0 || cp == 0x2800)
      return true;
    if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF)) continue;
    if (cp == 0x200C || cp == 0x200D || cp == 0xAD || cp == 0x200E || cp == 0x200F ||
        cp == 0x061C || (cp >= 0x202A && cp <= 0x202C) || (cp >= 0x2066 && cp <= 0x2069)) {
      pending = pending || latin(before);
      continue;
    }
    if (pending && latin(cp)) return true;
    pending = false;
    before = cp;
    flag = cp == 0x1F3F4;
  }
  return false;
}

namespace {

// The government suffix `host` is under ("gov.uk"), or "".
std::string_view government_suffix(std::string_view host) {
  static constexpr std::string_view kSuffixes[] = {
      "gov",    "gouv.fr", "gov.uk", "gc.ca",  "gouv.qc.ca", "admin.ch", "europa.eu",
      "gov.au", "govt.nz", "gov.ie", "gov.in", "belgium.be", "gouv.ci",  "gouv.sn"};
  for (auto s : kSuffixes)
    if (host_in_domain(host, s)) return s;
  return {};
}

}  // namespace

bool is_government_host(std::string_view host) {
  return !government_suffix(host).empty();
}

bool brand_is_administration(const Brand& b) {
  for (const auto& d : b.domains)
    if (is_government_host(d)) return true;
  return false;
}

// A brand's or a government's domain written inside a host that is not theirs:
// "paypal.com.secure-login.example", "booking.com-reservation.example",
// "ants.gouv.fr-demarches.example", "amazon.co.jp-verify.example" (the reader sees the real
// domain first). Returns that domain. Only known names: hosts such as
// "ieee.org.ezproxy.lib.example" (a library proxy), "downloads.app.com.s3.amazonaws.com" or
// "portail.net-entreprises.fr" embed ordinary names for good reasons. Punycode is decoded
// first ("booking.com-réservation"); at most 253 bytes are looked at.
std::optional<std::string> embedded_domain(std::string_view raw_host, const BrandList& brands) {
  if (raw_host.size() > 253) return std::nullopt;
  const std::string host =
      is_internationalized(raw_host) ? decode_idna_host(raw_host) : std::string(raw_host);
  const std::string_view own_domain = registrable_domain(host);
  const std::size_t own = host.size() - own_domain.size();
  std::string found;
  for (std::size_t p = 1; p < host.size(); ++p) {
    if (host[p] != '.' && host[p] != '-') continue;
    // Before a dot, the name must end before the host's own registrable domain begins
    // ("nl.com.com" is a host of com.com); before a hyphen it runs into that domain's label.
    if (host[p] == '.' && p + 1 > own) break;
    std::string_view prefix = std::string_view(host).substr(0, p);
    std::string_view name = registrable_domain(prefix);
    if (name.find('.') == std::string_view::npos || name == own_domain) continue;
    // (A brand's own top-level domain is no name written in front: www.google-analytics.com.)
    if (!brands.is_brand_domain(name) && !is_government_host(name)) continue;
    if (name.size() > found.size()) found = std::string(name);
  }
  if (found.empty()) return std::nullopt;
  return found;
}

// Only the label a registrant chose is read: services name their customers' tenants after
// their domains in subdomains ("example-org.atlassian.net", "example-org.okta.com",
// "www-gov-uk.map.fastly.net", "www-example-com.cdn.ampproject.org"). A run of two to four
// parts is tried at each part; a name part of one letter ("e-gov") is no domain, and a
// government is spelt with its country ("gov-uk", "gouv-fr"): "acme-gov" and "open-gov" are
// companies' names (a US agency's "ssa-gov" is too, for us: the IRS and USPS are brands).
std::optional<std::string> hyphen_spelled_domain(std::string_view host, const BrandList& brands,
                                                 std::span<const std::string> local_domains) {
  if (host.size() > 253 || is_government_host(host) || brands.owned_by_any(host))
    return std::nullopt;
  for (const auto& d : local_domains)
    if (host_in_domain(host, d)) return std::nullopt;
  const std::string label = to_lower(first_label(registrable_domain(host)));
  std::vector<std::string_view> parts;
  for (std::size_t i = 0; i <= label.size();) {
    std::size_t end = std::min(label.find('-', i), label.size());
    parts.push_back(std::string_view(label).substr(i, end - i));
    i = end + 1;
  }
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].size() < 2) continue;
    std::string name(parts[i]), found;  // the longest spelling from here ("hmrc.gov.uk")
    for (std::size_t j = i + 1; j < parts.size() && j < i + 4; ++j) {
      if (parts[j].empty()) break;  // "a--b" is no dot
      name += '.';
      name += parts[j];
      std::string_view spelt = registrable_domain(name);
      if (first_label(spelt).size() < 2) continue;
      if (brands.is_brand_domain(spelt) ||
          government_suffix(name).find('.') != std::string_view::npos)
        found = spelt;
      for (const auto& d : local_domains)
        if (host_in_domain(name, d)) found = d;
    }
    if (!found.empty()) return found;
  }
  return std::nullopt;
}

bool host_names_brand(std::string_view host, const Brand& b) {
  // The brand's own name as the domain itself ("amazon.com.au", "santander.de") is the
  // brand's country site, not a disguise.
  std::string_view own = first_label(registrable_domain(host));
  std::size_t i = 0;
  while (i < host.size()) {
    std::size_t end = host.find_first_of(".-", i);
    if (end == std::string_view::npos) end = host.size();
    std::string_view part = host.substr(i, end - i);
    if (part == own) {
      i = end + 1;
      continue;
    }
    bool generic = is_generic_brand_label(part);
    if (part.size() >= 3 && !generic) {
      for (const auto& k : b.keywords)
        if (k.find(' ') == std::string::npos && part == k) return true;
      for (const auto& d : b.domains)
        if (part == first_label(registrable_domain(d))) return true;
    }
    i = end + 1;
  }
  return false;
}

}  // namespace facteur::filter
