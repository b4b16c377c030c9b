#include "mail/date.hpp"

#include <array>
#include <cstdint>
#include <ctime>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "mail/address_syntax.hpp"

namespace facteur::mail {

namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// 1-12 for a month name (3-letter prefix, any case, "September" too), 0 otherwise.
int month_from_name(std::string_view w) {
  if (w.size() < 3) return 0;
  for (std::size_t m = 0; m < kMonths.size(); ++m)
    if (iequals(w.substr(0, 3), kMonths[m])) return int(m) + 1;
  return 0;
}

struct Zone {
  std::string_view name;
  int minutes;
};
// RFC 5322 §4.3 obs-zone, plus common abbreviations seen in real mail.
constexpr Zone kZones[] = {
    {"UT", 0},      {"UTC", 0},     {"GMT", 0},    {"Z", 0},      {"EST", -300}, {"EDT", -240},
    {"CST", -360},  {"CDT", -300},  {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
    {"AKST", -540}, {"AKDT", -480}, {"HST", -600}, {"WET", 0},    {"WEST", 60},  {"BST", 60},
    {"CET", 60},    {"CEST", 120},  {"MET", 60},   {"MEST", 120}, {"EET", 120},  {"EEST", 180},
    {"MSK", 180},   {"HKT", 480},   {"SGT", 480},  {"JST", 540},  {"KST", 540},  {"AEST", 600},
    {"AEDT", 660},  {"NZST", 720},  {"NZDT", 780},
};

// Returns false for unknown names (military letters other than Z included: §4.3 says they
// were defined wrongly in RFC 822 and mean -0000).
bool zone_from_name(std::string_view w, int& minutes) {
  for (const auto& z : kZones) {
    if (iequals(w, z.name)) {
      minutes = z.minutes;
      return true;
    }
  }
  return false;
}

// The date part of a Received: value follows its last ';' (outside comments).
std::string_view date_part(std::string_view v) {
  std::size_t depth = 0, semi = std::string_view::npos;
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\' && depth > 0) {
      ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (depth > 0) --depth;
    } else if (c == ';' && depth == 0) {
      semi = i;
    }
  }
  return semi == std::string_view::npos ? v : v.substr(semi + 1);
}

enum class Kind { end, number, word, signed_number, colon };

struct Token {
  Kind kind = Kind::end;
  std::string_view text;  // digits for numbers (without sign), letters for words
  char sign = 0;
  int value = 0;  // numbers: value (capped)
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token next() {
    skip();
    Token t;
    if (i_ >= s_.size()) return t;
    char c = s_[i_];
    if (c == ':') {
      ++i_;
      t.kind = Kind::colon;
      return t;
    }
    if ((c == '+' || c == '-') && i_ + 1 < s_.size() && ascii_digit(s_[i_ + 1])) {
      t.sign = c;
      ++i_;
      number(t);
      t.kind = Kind::signed_number;
      return t;
    }
    if (ascii_digit(c)) {
      number(t);
      t.kind = Kind::number;
      return t;
    }
    std::size_t b = i_;
    while (i_ < s_.size() && ascii_alpha(s_[i_]))
      ++i_;
    t.kind = Kind::word;
    t.text = s_.substr(b, i_ - b);
    return t;
  }

  Token peek() {
    std::size_t save = i_;
    Token t = next();
    i_ = save;
    return t;
  }

 private:
  void number(Token& t) {
    std::size_t b = i_;
    while (i_ < s_.size() && ascii_digit(s_[i_])) {
      if (i_ - b < 9) t.value = t.value * 10 + (s_[i_] - '0');
      ++i_;
    }
    t.text = s_.substr(b, i_ - b);
  }

  // Whitespace, punctuation we do not need, stray characters and (nested) comments.
  void skip() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '(') {
        std::size_t depth = 0;
        while (i_ < s_.size()) {
          char d = s_[i_++];
          if (d == '\\') {
            ++i_;
          } else if (d == '(') {
            ++depth;
          } else if (d == ')' && --depth == 0) {
            break;
          }
        }
        continue;
      }
      if (c == ':' || ascii_digit(c) || ascii_alpha(c)) return;
      if ((c == '+' || c == '-') && i_ + 1 < s_.size() && ascii_digit(s_[i_ + 1])) return;
      ++i_;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

bool valid_time(int h, int m, int s) {
  return h <= 23 && m <= 59 && s <= 60;
}

Result<DateTime> make_date(int year, int month, int day, int hour, int minute, int second,
                           int offset, bool unknown) {
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{unsigned(month)},
                     std::chrono::day{unsigned(day)}};
  if (!ymd.ok() || !valid_time(hour, minute, second))
    return make_error(Errc::parse_error, "date out of range");
  DateTime out;
  out.utc = sys_seconds{sys_days{ymd}} + hours{hour} + minutes{minute} + seconds{second} -
            minutes{offset};
  out.offset_minutes = offset;
  out.zone_unknown = unknown;
  return out;
}

// "+hhmm" as minutes east; false when the digits are not a plausible zone.
bool numeric_zone(const Token& t, int& minutes) {
  if (t.text.size() != 4) return false;
  int hh = t.value / 100, mm = t.value % 100;
  if (hh > 23 || mm > 59) return false;
  minutes = (hh * 60 + mm) * (t.sign == '-' ? -1 : 1);
  return true;
}

int expand_year(const Token& t) {
  if (t.text.size() == 2) return t.value < 50 ? 2000 + t.value : 1900 + t.value;  // §4.3
  if (t.text.size() == 3) return 1900 + t.value;
  return t.value;
}

void civil_from(sys_seconds local, CivilTime& c) {
  auto day = floor<days>(local);
  year_month_day ymd{day};
  hh_mm_ss hms{local - day};
  c.year = int(ymd.year());
  c.month = int(unsigned(ymd.month()));
  c.day = int(unsigned(ymd.day()));
  c.hour = int(hms.hours().count());
  c.minute = int(hms.minutes().count());
  c.second = int(hms.seconds().count());
}

std::string format_zone(int offset) {
  char sign = offset < 0 ? '-' : '+';
  int a = offset < 0 ? -offset : offset;
  return fmt::format("{}{:02}{:02}", sign, a / 60 % 100, a % 60);
}

}  // namespace

CivilTime to_civil(const DateTime& date) noexcept {
  CivilTime c;
  civil_from(date.utc + minutes{date.offset_minutes}, c);
  c.offset_minutes = date.offset_minutes;
  return c;
}

Result<DateTime> parse_rfc5322_date(std::string_view value) {
  Lexer lex(date_part(detail::field_extent(value)));
  auto fail = [] { return make_error(Errc::parse_error, "not a date"); };

  Token t = lex.next();
  // Optional day-of-week (and a few other leading words that are not a month).
  for (int skipped = 0; t.kind == Kind::word && !month_from_name(t.text); ++skipped) {
    if (skipped == 3) return fail();
    t = lex.next();
  }

  int day = 0, month = 0, year = 0;
  bool year_after_time = false;
  if (t.kind == Kind::number) {  // day month year
    day = t.value;
    Token m = lex.next();
    if (m.kind == Kind::word)
      month = month_from_name(m.text);
    else if (m.kind == Kind::number && m.text.size() <= 2)
      month = m.value;
    Token y = lex.next();
    if (y.kind != Kind::number || y.text.size() < 2 || y.text.size() > 4) return fail();
    year = expand_year(y);
  } else if (t.kind == Kind::word) {  // asctime: "Mon Jan 10 10:31:15 2022"
    month = month_from_name(t.text);
    Token d = lex.next();
    if (d.kind != Kind::number) return fail();
    day = d.value;
    year_after_time = true;
  } else {
    return fail();
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return fail();

  // time = hh ":" mm [":" ss]
  Token h = lex.next();
  Token c1 = lex.next();
  Token mi = lex.next();
  if (h.kind != Kind::number || c1.kind != Kind::colon || mi.kind != Kind::number ||
      h.text.size() > 2 || mi.text.size() > 2)
    return fail();
  int second = 0;
  if (lex.peek().kind == Kind::colon) {
    lex.next();
    Token s = lex.next();
    if (s.kind != Kind::number || s.text.size() > 2) return fail();
    second = s.value;
  }
  if (year_after_time) {
    Token y = lex.next();
    if (y.kind != Kind::number || y.text.size() < 2 || y.text.size() > 4) return fail();
    year = expand_year(y);
  }

  // zone: "+hhmm", a name (maybe followed by "+hhmm"), or nothing (-0000).
  int offset = 0;
  bool unknown = true;
  ZoneForm form = ZoneForm::none;
  Token z = lex.next();
  if (z.kind == Kind::signed_number) {
    form = ZoneForm::name;  // written, but not a plausible zone
    if (numeric_zone(z, offset)) {
      unknown = z.sign == '-' && offset == 0;  // "-0000"
      form = ZoneForm::digits;
    }
  } else if (z.kind == Kind::word) {
    form = ZoneForm::name;
    int named = 0;
    bool known = zone_from_name(z.text, named);
    Token after = lex.peek();
    if (after.kind == Kind::signed_number && numeric_zone(after, offset)) {
      unknown = false;  // "GMT+0200"
      form = ZoneForm::digits;
      if (known && named != 0) offset = named;
    } else if (known) {
      offset = named;
      unknown = false;
    }
  }
  auto out = make_date(year, month, day, h.value, mi.value, second, offset, unknown);
  if (out) out->zone_form = form;
  return out;
}

std::string format_rfc5322_date(sys_seconds utc, int offset_minutes) {
  sys_seconds local = utc + minutes{offset_minutes};
  CivilTime c;
  civil_from(local, c);
  weekday wd{floor<days>(local)};
  return fmt::format("{}, {} {} {:04} {:02}:{:02}:{:02} {}", kDays[wd.c_encoding()], c.day,
                     kMonths[std::size_t(c.month - 1)], c.year, c.hour, c.minute, c.second,
                     format_zone(offset_minutes));
}

namespace {

std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

// Fixed-width field helpers for the strict IMAP forms.
bool take_digits(std::string_view& s, std::size_t n, int& out) {
  if (s.size() < n) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!ascii_digit(s[i])) return false;
    out = out * 10 + (s[i] - '0');
  }
  s.remove_prefix(n);
  return true;
}

bool take_char(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

// date-day "-" date-month "-" date-year; the day may be " 6", "6" or "06".
bool take_imap_date(std::string_view& s, int& day, int& month, int& year) {
  if (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  std::size_t n = 0;
  while (n < s.size() && n < 2 && ascii_digit(s[n]))
    ++n;
  if (n == 0 || !take_digits(s, n, day) || !take_char(s, '-') || s.size() < 3) return false;
  month = 0;
  for (std::size_t m = 0; m < kMonths.size(); ++m)
    if (iequals(s.substr(0, 3), kMonths[m])) month = int(m) + 1;
  s.remove_prefix(3);
  return month != 0 && take_char(s, '-') && take_digits(s, 4, year);
}

}  // namespace

Result<DateTime> parse_imap_date_time(std::string_view value) {
  std::string_view s = unquote(value);
  int day, month, year, hh, mm, ss, zone;
  if (!take_imap_date(s, day, month, year) || !take_char(s, ' ') || !take_digits(s, 2, hh) ||
      !take_char(s, ':') || !take_digits(s, 2, mm) || !take_char(s, ':') ||
      !take_digits(s, 2, ss) || !take_char(s, ' ') || s.size() != 5 ||
      (s.front() != '+' && s.front() != '-'))
    return make_error(Errc::parse_error, "bad IMAP date-time");
  char sign = s.front();
  s.remove_prefix(1);
  if (!take_digits(s, 4, zone) || zone % 100 > 59)
    return make_error(Errc::parse_error, "bad IMAP date-time zone");
  int offset = (zone / 100 * 60 + zone % 100) * (sign == '-' ? -1 : 1);
  return make_date(year, month, day, hh, mm, ss, offset, false);
}

std::string format_imap_date_time(sys_seconds utc, int offset_minutes) {
  CivilTime c;
  civil_from(utc + minutes{offset_minutes}, c);
  return fmt::format("{:>2}-{}-{:04} {:02}:{:02}:{:02} {}", c.day,
                     kMonths[std::size_t(c.month - 1)], c.year, c.hour, c.minute, c.second,
                     format_zone(offset_minutes));
}

Result<sys_days> parse_imap_date(std::string_view value) {
  std::string_view s = unquote(value);
  int day, month, year;
  if (!take_imap_date(s, day, month, year) || !s.empty())
    return make_error(Errc::parse_error, "bad IMAP date");
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{unsigned(month)},
                     std::chrono::day{unsigned(day)}};
  if (!ymd.ok()) return make_error(Errc::parse_error, "IMAP date out of range");
  return sys_days{ymd};
}

int local_utc_offset_minutes(std::time_t when) {
  std::tm local{};
  ::localtime_r(&when, &local);
  return static_cast<int>(local.tm_gmtoff / 60);
}

}  // namespace facteur::mail
