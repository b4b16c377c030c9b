// Dates of mail: RFC 5322 §3.3 date-time (Date:, Received:, Resent-Date:) parsed leniently
// (obsolete syntax of §4.3: 2-digit years, alphabetic and military zones, comments; and the
// junk real mailers write), formatted strictly; and the IMAP forms of RFC 3501 §9 (date-time
// "26-Nov-2026 08:17:57 +0000" for INTERNALDATE/APPEND, date "1-Feb-1994" for SEARCH).
// Trust: sees internet input (header values, IMAP commands). Linear time, never fails hard.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace facteur::mail {

// How a parsed date wrote its zone: as digits ("+0200", "-0000", "GMT+0200"), as a name only
// ("CEST", "IST", a military letter: names are ambiguous, and unknown ones are read as UTC),
// or not at all.
enum class ZoneForm : std::uint8_t { none, name, digits };

struct DateTime {
  std::chrono::sys_seconds utc{};  // the instant, UTC
  int offset_minutes = 0;          // the zone as written, east of UTC positive (-0330 = -210)
  bool zone_unknown = false;       // "-0000", military or unrecognised zone (RFC 5322 §3.3, §4.3)
  ZoneForm zone_form = ZoneForm::digits;
};

// Broken-down local time as written (the calendar fields before applying the zone).
struct CivilTime {
  int year = 1970, month = 1, day = 1;  // month 1-12
  int hour = 0, minute = 0, second = 0;
  int offset_minutes = 0;
};
CivilTime to_civil(const DateTime& date) noexcept;

// RFC 5322 date-time, lenient: optional day-of-week, optional seconds, 2- or 3-digit years
// (§4.3: <50 -> 20xx, otherwise 19xx; 3 digits + 1900), month names in any case or numeric,
// zones "+hhmm", "UT", "GMT", US zones (EST, PDT...), military letters (-0000 per §4.3), no
// zone at all (-0000), nested comments anywhere, and trailing junk. A value with text before
// the date (a Received: header) is searched from its last ';'.
// Errc::parse_error when no plausible date is found or a field is out of range.
Result<DateTime> parse_rfc5322_date(std::string_view value);

// "Thu, 26 Nov 2026 09:17:57 +0100": the instant shown in the given zone (minutes east).
std::string format_rfc5322_date(std::chrono::sys_seconds utc, int offset_minutes = 0);

// The host's zone at `when`, in minutes east of UTC (TZ / /etc/localtime, daylight saving
// included): what the server writes in the dates it stamps (Received:, Date:, DSNs).
int local_utc_offset_minutes(std::time_t when);

// IMAP date-time (RFC 3501 §9): "26-Nov-2026 08:17:57 +0000", day may be " 6" or "6"; the
// surrounding double quotes are optional. Strict otherwise.
Result<DateTime> parse_imap_date_time(std::string_view value);
// Always 2-digit day with a leading space when < 10, as RFC 3501 date-day-fixed; no quotes.
std::string format_imap_date_time(std::chrono::sys_seconds utc, int offset_minutes = 0);

// IMAP date (RFC 3501 §9 "date"): "1-Feb-1994", optionally quoted.
Result<std::chrono::sys_days> parse_imap_date(std::string_view value);

}  // namespace facteur::mail
