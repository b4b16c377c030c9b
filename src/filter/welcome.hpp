// Senders a site or a user welcomes, as SpamAssassin's welcomelist_auth: mail whose From
// address is on the list and whose From domain authenticated it (author_authenticated: DMARC
// passes for that domain, or, without a DMARC record, an aligned DKIM signature verifies; never
// SPF alone) gets the welcome's points (negative), so a bank's or a partner's mail reaches the
// Inbox whatever the classifiers learnt. Never on the From field alone: anybody can write it.
// What the phishing and scam detectors find still labels the message and adds the warning
// (Filter::decide): a partner's stolen account is welcomed too.
// Trust: the lists are local configuration; the From address is internet input.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "filter/check.hpp"

namespace facteur::filter {

class WelcomeList {
 public:
  // Entries: "example.com" (the domain and its subdomains), "*@example.com" (the same) or
  // "alice@example.com" (that address). Case-insensitive. An entry with spaces, no domain,
  // another wildcard or a domain that is no registered name ("com", "co.uk", a literal) is an
  // error, said with the entry.
  static Result<WelcomeList> parse(std::span<const std::string> entries);

  bool empty() const noexcept { return domains_.empty() && addresses_.empty(); }
  // Whether the address local@domain is welcome.
  bool welcomes(std::string_view local_part, std::string_view domain) const;

 private:
  std::vector<std::string> domains_;    // lower case
  std::vector<std::string> addresses_;  // lower case "local@domain"
};

struct WelcomeConfig {
  WelcomeList site;                             // [filter] welcome
  std::map<std::string, WelcomeList> accounts;  // [filter.accounts."addr"] welcome
  double points = -10.0;                        // [filter] welcome_points
};

// The "auth.welcome" check: silent unless the message was authenticated (Context::auth) by a
// sender on the recipient's list or the site's.
std::unique_ptr<Check> make_welcome_check(WelcomeConfig config);

}  // namespace facteur::filter
