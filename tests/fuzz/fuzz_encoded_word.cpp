// Fuzzes RFC 2047 decoding and encoding, and charset conversion. The first byte picks a charset
// for to_utf8 and a fallback for raw 8-bit text. Checks, besides ASan/UBSan: decoded text and
// converted text are valid UTF-8; encoding then decoding gives back the (sanitised) input; the
// encoded form is ASCII with words of at most 75 characters.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mail/charset.hpp"
#include "mail/encoded_word.hpp"

using namespace facteur::mail;

#define require(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "invariant failed line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

namespace {

const char* const kCharsets[] = {"utf-8",  "iso-8859-1", "windows-1252", "iso-2022-jp",
                                 "koi8-r", "shift_jis",  "gb2312",       "big5",
                                 "euc-kr", "utf-16",     "utf-7",        "iso-8859-8-i"};

void check_encoded(const std::string& e) {
  std::size_t pos = 0;
  while ((pos = e.find("=?UTF-8?", pos)) != std::string::npos) {
    auto end = e.find("?=", pos + 10);
    require(end != std::string::npos);
    require(end + 2 - pos <= 75);
    pos = end + 2;
  }
  for (char c : e)
    require(static_cast<unsigned char>(c) < 0x80);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char* charset = kCharsets[data[0] % (sizeof kCharsets / sizeof *kCharsets)];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  auto converted = to_utf8(text, charset);
  require(converted.has_value());
  require(is_valid_utf8(*converted));

  DecodeOptions opts;
  if (data[0] & 0x80) opts.fallback_charset = "windows-1252";
  opts.max_output = 4096;
  std::string decoded = decode_encoded_words(text, opts);
  require(is_valid_utf8(decoded));
  require(decoded.size() <= opts.max_output);

  // Round trip of the encoder on text without the characters decoding neutralises.
  std::string clean = sanitize_utf8(text);
  bool plain = clean.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
  std::string e = encode_header_value(clean);
  if (plain) {
    check_encoded(e);
    require(decode_encoded_words(e, DecodeOptions{.max_output = 1u << 24}) == clean);
  }
  std::string name = encode_display_name(clean);
  if (plain) check_encoded(name);
  return 0;
}
