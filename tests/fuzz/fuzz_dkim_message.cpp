// libFuzzer target: DKIM and ARC verification of whole messages against a fixed key zone
// (no network): header selection, canonicalisation, key checks and the ARC chain structure.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

#include "dns/fake_resolver.hpp"
#include "mailauth/arc.hpp"
#include "mailauth/dkim.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace facteur;
  using namespace facteur::mailauth;
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  static dns::FakeResolver* zone = [] {
    auto* z = new dns::FakeResolver();
    z->add_txt("s._domainkey.example.com",
               "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    z->add_txt("test._domainkey.example.com",
               "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6"
               "Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+P"
               "L6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB");
    return z;
  }();
  DkimVerifyOptions options;
  options.now = 1'700'000'000;
  DkimVerifier verifier(message, options);
  for (std::size_t i = 0; i < verifier.size(); ++i) {
    auto name = verifier.key_name(i);
    auto answer = name.empty() ? dns::Answer{} : zone->lookup(name, dns::RType::txt);
    (void)verifier.verify(i, answer);
  }
  ArcVerifier arc(message, options);
  std::map<std::string, dns::Answer> keys;
  for (const auto& name : arc.key_names())
    keys[name] = zone->lookup(name, dns::RType::txt);
  (void)arc.verify(keys);
  zone->clear_queries();
  return 0;
}
