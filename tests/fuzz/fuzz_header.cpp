// libFuzzer target: header block parsing and the MIME field parsers fed by it (Content-Type,
// Content-Disposition, Content-Language, transfer decoders, ENVELOPE).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mail/envelope.hpp"
#include "mail/header.hpp"
#include "mail/html_text.hpp"
#include "mail/rfc2231.hpp"
#include "mail/transfer_encoding.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace facteur::mail;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Header header = parse_header(bytes);
  if (header.size() > size) std::abort();
  for (const HeaderField& f : header.fields()) {
    if (f.raw_value.data() < bytes.data() ||
        f.raw_value.data() + f.raw_value.size() > bytes.data() + size)
      std::abort();
    (void)f.value();
    const ContentType ct = parse_content_type(f.raw_value);
    for (const MimeParam& p : ct.params)
      if (p.name.empty()) std::abort();
    (void)parse_content_disposition(f.raw_value);
    (void)parse_content_language(f.raw_value);
    (void)parse_transfer_encoding(f.raw_value);
  }
  (void)build_envelope(header);
  // The body as every transfer encoding, and as HTML.
  const std::string_view body = bytes.substr(header.size());
  (void)decode_base64(body);
  const std::string qp = decode_quoted_printable(body);
  if (decode_quoted_printable(encode_quoted_printable(body, true)) != body) std::abort();
  if (decode_base64(encode_base64(body)) != body) std::abort();
  (void)html_to_text(body);
  (void)qp;
  return 0;
}
