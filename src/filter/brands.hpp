// Protected brands: names that phishing impersonates (banks, payment, parcel, mail and shop
// brands, tax offices) with the domains that legitimately send and host for them. The built-in
// list is extended by the configuration ([filter.brands]).
// Trust: configuration data; matching sees internet input (display names, text, hosts).
#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "filter/phrases.hpp"

namespace facteur::filter {

struct Brand {
  std::string name;                   // for reasons: "PayPal"
  std::vector<std::string> keywords;  // normalised phrases naming it: "paypal", "bank of america"
  std::vector<std::string> domains;   // registrable domains it owns: "paypal.com"
};

class BrandList {
 public:
  BrandList();  // the built-in list
  explicit BrandList(std::vector<Brand> brands);

  void add(Brand brand);
  std::span<const Brand> brands() const noexcept { return brands_; }

  // Indexes of the brands named in `words` (normalised), each once.
  std::vector<std::size_t> named_in(std::span<const std::string_view> words) const;
  std::vector<std::size_t> named_in(const NormalizedText& text) const;
  // The same for a From name, where one of the brand's domains names it too ("Amazon.co.uk").
  std::vector<std::size_t> named_in_sender_name(std::span<const std::string_view> words) const;
  // True when `host` is one of the brand's domains or a subdomain of one.
  bool owns(std::size_t brand, std::string_view host) const noexcept;
  // True when `host` belongs to any protected brand.
  bool owned_by_any(std::string_view host) const noexcept;
  // True when `domain` (lower case) is itself one of the brands' domains.
  bool is_brand_domain(std::string_view domain) const noexcept;

 private:
  void rebuild();
  std::vector<Brand> brands_;
  PhraseMatcher matcher_;
  PhraseMatcher name_matcher_;  // matcher_'s phrases and the brands' domains
  // Every brand's domains, lower case: owned_by_any looks up the host's label suffixes (it is
  // asked for every link, and for every dot of a host by the embedded-domain test).
  std::set<std::string, std::less<>> domains_;
};

// True when `host` equals `domain` or ends with "." + domain (ASCII case-insensitive).
bool host_in_domain(std::string_view host, std::string_view domain) noexcept;

}  // namespace facteur::filter
