#include "proto/smtp/capabilities.hpp"

#include <algorithm>
#include <charconv>

#include "base/strings.hpp"

namespace facteur::smtp {

bool Capabilities::has_auth(std::string_view mechanism) const {
  return std::any_of(auth.begin(), auth.end(),
                     [&](const std::string& m) { return iequals(m, mechanism); });
}

Capabilities parse_capabilities(std::string_view ehlo_text) {
  Capabilities caps;
  caps.esmtp = true;
  bool first = true;
  for (auto line : split(ehlo_text, '\n')) {
    if (first) {  // the server's name and greeting
      first = false;
      continue;
    }
    line = trim(line);
    auto sp = line.find_first_of(" =");
    std::string keyword = to_upper(line.substr(0, sp));
    std::string_view params =
        sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    if (keyword == "PIPELINING") {
      caps.pipelining = true;
    } else if (keyword == "8BITMIME") {
      caps.eight_bit_mime = true;
    } else if (keyword == "SMTPUTF8") {
      caps.smtputf8 = true;
    } else if (keyword == "STARTTLS") {
      caps.starttls = true;
    } else if (keyword == "DSN") {
      caps.dsn = true;
    } else if (keyword == "CHUNKING") {
      caps.chunking = true;
    } else if (keyword == "ENHANCEDSTATUSCODES") {
      caps.enhanced_status_codes = true;
    } else if (keyword == "SIZE") {
      std::uint64_t n = 0;
      params = trim(params);
      auto [p, ec] = std::from_chars(params.data(), params.data() + params.size(), n);
      caps.size = (ec == std::errc{} && p == params.data() + params.size()) ? n : 0;
    } else if (keyword == "AUTH") {
      for (auto m : split(params, ' ')) {
        if (m.empty() || m.size() > 40) continue;
        auto upper = to_upper(m);
        if (!caps.has_auth(upper) && caps.auth.size() < 32) caps.auth.push_back(std::move(upper));
      }
    }
  }
  return caps;
}

}  // namespace facteur::smtp
