// Fuzzes date parsing: RFC 5322 date-time (lenient) and the IMAP forms of RFC 3501 §9. Checks,
// besides ASan/UBSan: whatever parses formats and parses back to the same instant and offset.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mail/date.hpp"

using namespace facteur::mail;

#define require(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "invariant failed line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto d = parse_rfc5322_date(text)) {
    CivilTime c = to_civil(*d);
    require(c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= 31);
    std::string f = format_rfc5322_date(d->utc, d->offset_minutes);
    auto again = parse_rfc5322_date(f);
    require(again.has_value());
    require(again->utc == d->utc);
    require(again->offset_minutes == d->offset_minutes);
    std::string imap = format_imap_date_time(d->utc, d->offset_minutes);
    if (c.year >= 1000 && c.year <= 9999) {
      auto back = parse_imap_date_time(imap);
      require(back.has_value());
      require(back->utc == d->utc);
    }
  }
  if (auto d = parse_imap_date_time(text)) {
    auto again = parse_imap_date_time(format_imap_date_time(d->utc, d->offset_minutes));
    require(again.has_value());
    require(again->utc == d->utc && again->offset_minutes == d->offset_minutes);
  }
  (void)parse_imap_date(text);
  return 0;
}
