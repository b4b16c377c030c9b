// Traits of hosts and sender names that phishing uses to look like someone else: free hosting
// and shorteners, governments' hosts, a known domain written in front of another, a brand's
// name dressed into an address, our domain shown in a From name, invisible characters.
// Trust: sees internet input (host names, display names, subjects); linear, hosts over 253
// bytes skipped where a scan would repeat.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "filter/brands.hpp"

namespace facteur::filter {

// The first label of a domain ("paypal" of "paypal.com").
std::string_view first_label(std::string_view domain) noexcept;

// Labels too common as host names to mean a brand on their own, or one typo away from
// ordinary ones ("office", "google", "booking", "service"...).
bool is_generic_brand_label(std::string_view label) noexcept;

// Free web hosting, cloud storage buckets, IPFS gateways and link shorteners: places where
// anybody can put a page in minutes, and where no bank or mail provider keeps its sign-in page.
bool on_free_hosting(std::string_view host);
// The hosting domain `host` is under ("github.io" for alice.github.io), or empty.
std::string_view free_hosting_suffix(std::string_view host);

// Hosts of governments and public administrations, as much imitated as brands: ".gov",
// ".gouv.fr", ".gov.uk", ".gc.ca", ".admin.ch", ".europa.eu"...
bool is_government_host(std::string_view host);

// A brand whose domains include a government's host (the IRS, HMRC, the tax office): GOV.UK
// Notify and the like may send for it.
bool brand_is_administration(const Brand& b);

// A brand's or a government's domain written inside a host that is not theirs, or nullopt
// (see phishing_traits.cpp).
std::optional<std::string> embedded_domain(std::string_view host, const BrandList& brands);

// A brand's domain, a government's or one of `local_domains` spelled with hyphens for its dots
// in the name a host was registered under ("paypal-com.example", "gov-uk-dartcharge.example",
// "example-net.support" for a site at example.net), or nullopt (see phishing_traits.cpp).
std::optional<std::string> hyphen_spelled_domain(std::string_view host, const BrandList& brands,
                                                 std::span<const std::string> local_domains);

// Whether a label or hyphen-separated part of `host` is one of the brand's one-word names or
// the first label of one of its domains ("irs-taxpayer.example" for the IRS), not counting the
// host's own domain ("amazon.com.au" is Amazon's country site).
bool host_names_brand(std::string_view host, const Brand& b);

// True when `text` (lower case) shows the domain `domain` as a whole name, not inside a longer
// one ("webmail example.org", "mail.example.org"; not "myexample.org").
bool names_domain(std::string_view text, std::string_view domain);

// Invisible characters that break a name or a word apart unseen (see phishing_traits.cpp).
bool has_invisible_characters(std::string_view utf8);

}  // namespace facteur::filter
