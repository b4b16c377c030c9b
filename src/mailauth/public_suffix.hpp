// Public suffixes and organisational domains (RFC 7489 §3.2), for DMARC alignment and record
// discovery. Rules come from the Public Suffix List file (Debian package `publicsuffix`,
// /usr/share/publicsuffix/public_suffix_list.dat); without it, a compact heuristic (two labels,
// three under well-known second levels of country codes) stands in.
// Trust: looks up domains taken from messages; linear in the number of labels.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "base/result.hpp"

namespace facteur::mailauth {

inline constexpr std::string_view kPublicSuffixFile =
    "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
 public:
  // The heuristic alone.
  PublicSuffixList() = default;
  // Rules in the publicsuffix.org format ("com", "*.ck", "!www.ck", comments "//").
  static PublicSuffixList parse(std::string_view text);
  static Result<PublicSuffixList> load(const std::string& path = std::string(kPublicSuffixFile));
  // The system list, loaded once (the heuristic when the file is missing). Thread-safe.
  static const PublicSuffixList& system();

  bool has_rules() const noexcept { return !rules_.empty() || !wildcards_.empty(); }
  // The public suffix of a domain ("co.uk" for "mail.example.co.uk"), lower-cased.
  std::string public_suffix(std::string_view domain) const;
  // The suffix plus one label ("example.co.uk"); the domain itself when it is a suffix.
  std::string organizational_domain(std::string_view domain) const;

 private:
  std::unordered_set<std::string> rules_;
  std::unordered_set<std::string> wildcards_;   // "ck" for "*.ck"
  std::unordered_set<std::string> exceptions_;  // "www.ck" for "!www.ck"
};

}  // namespace facteur::mailauth
