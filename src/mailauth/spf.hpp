// SPF evaluation (RFC 7208): check_host() (§4) over a dns::Resolver, for the MAIL FROM
// (§2.4) and HELO (§2.3) identities, with the processing limits of §4.6.4 (10 DNS-querying
// terms, 2 void lookups, 10 MX and PTR names) and exp= explanations (§6.2).
// Trust: evaluates records published by anyone for client-supplied identities; every loop is
// bounded by SpfLimits.
#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "dns/resolver.hpp"
#include "mailauth/auth_result.hpp"

namespace facteur::mailauth {

struct SpfLimits {
  unsigned max_dns_terms = 10;    // include, a, mx, ptr, exists, redirect (§4.6.4)
  unsigned max_void_lookups = 2;  // NXDOMAIN / empty answers (§4.6.4)
  unsigned max_mx_names = 10;     // an mx with more records is a permerror
  unsigned max_ptr_names = 10;    // later PTR names are ignored
};

struct SpfRequest {
  boost::asio::ip::address ip;       // the SMTP client
  std::string mail_from;             // MAIL FROM address; "" for the null reverse path
  std::string helo;                  // HELO/EHLO argument
  std::string receiver = "unknown";  // %{r}: our host name
  std::int64_t now = 0;              // %{t}; 0: the current time
};

struct SpfOutcome {
  AuthResult result = AuthResult::none;
  std::string domain;       // the domain checked
  std::string sender;       // <sender> as used for macros ("postmaster@helo" for <>)
  std::string explanation;  // exp= text on fail; "" when none was published or usable
  std::string mechanism;    // the deciding term ("-all", "include:x"), "default" or ""
  std::string problem;      // why, for none / temperror / permerror
  unsigned dns_terms = 0;
  unsigned void_lookups = 0;
};

// The MAIL FROM identity (§2.4): the domain of mail_from, or postmaster@helo for <>.
net::awaitable<SpfOutcome> check_spf_mail_from(dns::Resolver& resolver, SpfRequest request,
                                               SpfLimits limits = {});
// The HELO identity (§2.3): postmaster@helo.
net::awaitable<SpfOutcome> check_spf_helo(dns::Resolver& resolver, SpfRequest request,
                                          SpfLimits limits = {});
// check_host(ip, domain, sender) itself (§4).
net::awaitable<SpfOutcome> check_host(dns::Resolver& resolver, boost::asio::ip::address ip,
                                      std::string domain, std::string sender, SpfRequest context,
                                      SpfLimits limits = {});

}  // namespace facteur::mailauth
