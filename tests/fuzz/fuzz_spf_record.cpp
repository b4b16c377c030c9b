// libFuzzer target: SPF record parsing (RFC 7208 §4.6, §12) and macro expansion (§7).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "mailauth/spf_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace facteur::mailauth;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string record = "v=spf1 " + std::string(bytes);
  if (auto r = parse_spf_record(record)) {
    for (const auto& m : r->mechanisms) {
      if (m.cidr4 > 32 || m.cidr6 > 128) std::abort();
      if (!m.domain_spec.empty() && !is_valid_domain_spec(m.domain_spec)) std::abort();
    }
  }
  (void)parse_spf_record(bytes);
  MacroContext context;
  context.sender = "strong-bad@email.example.com";
  context.local_part = "strong-bad";
  context.sender_domain = "email.example.com";
  context.domain = "email.example.com";
  context.helo = std::string(bytes.substr(0, 64));
  context.ip = boost::asio::ip::make_address("2001:db8::cb01");
  for (bool explanation : {false, true}) {
    const bool valid = is_valid_macro_string(bytes, explanation);
    auto out = expand_macros(bytes, context, explanation);
    if (valid != out.has_value()) std::abort();
    if (out && !explanation && out->size() > 253 && out->find('.') != std::string::npos)
      std::abort();
  }
  (void)is_valid_domain_spec(bytes);
  return 0;
}
