// libFuzzer target: the DKIM tag=value parser and everything built on it: DKIM-Signature /
// ARC-Message-Signature / ARC-Seal values, key records, DMARC records, b= stripping, header
// canonicalisation and Authentication-Results parsing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mailauth/auth_results.hpp"
#include "mailauth/canon.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/dkim_key.hpp"
#include "mailauth/dmarc.hpp"
#include "mailauth/tag_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace facteur::mailauth;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto tags = parse_tag_list(bytes)) {
    for (const auto& t : *tags) {
      if (t.name.data() < bytes.data() || t.value.data() + t.value.size() > bytes.data() + size)
        std::abort();
      if (t.name.empty()) std::abort();
    }
  }
  for (auto kind :
       {SignatureKind::dkim, SignatureKind::arc_message_signature, SignatureKind::arc_seal}) {
    if (auto sig = parse_dkim_signature(bytes, kind)) {
      if (sig->domain.empty() || sig->selector.empty()) std::abort();
      if (kind == SignatureKind::dkim && sig->signed_headers.empty()) std::abort();
    }
  }
  if (auto key = parse_dkim_key_record(bytes)) (void)load_public_key(*key);
  (void)parse_dmarc_record(bytes);
  (void)parse_authentication_results(bytes);
  const std::string field = "DKIM-Signature:" + std::string(bytes);
  const std::string stripped = strip_signature_value(field);
  if (stripped.size() > field.size()) std::abort();
  (void)canon_header(field, Canon::relaxed);
  if (canon_header(field, Canon::simple) != field + "\r\n") std::abort();
  (void)canon_body(bytes, Canon::relaxed);
  (void)canon_body(bytes, Canon::simple);
  (void)decode_base64_tag(bytes);
  return 0;
}
