#include "mail/date.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace facteur::mail {
namespace {

using namespace std::chrono;

struct DateCase {
  const char* why;
  std::string text;
  int year, month, day, hour, minute, second, offset;
  bool zone_unknown = false;
};

class Rfc5322Date : public ::testing::TestWithParam<DateCase> {};

TEST_P(Rfc5322Date, Parses) {
  const auto& c = GetParam();
  auto d = parse_rfc5322_date(c.text);
  ASSERT_TRUE(d.has_value()) << c.why << ": " << c.text;
  CivilTime t = to_civil(*d);
  EXPECT_EQ(t.year, c.year) << c.why;
  EXPECT_EQ(t.month, c.month) << c.why;
  EXPECT_EQ(t.day, c.day) << c.why;
  EXPECT_EQ(t.hour, c.hour) << c.why;
  EXPECT_EQ(t.minute, c.minute) << c.why;
  EXPECT_EQ(t.second, c.second) << c.why;
  EXPECT_EQ(d->offset_minutes, c.offset) << c.why;
  EXPECT_EQ(d->zone_unknown, c.zone_unknown) << c.why;
  // The UTC instant is the local time minus the offset.
  auto local = sys_days{year{c.year} / c.month / c.day} + hours{c.hour} + minutes{c.minute} +
               seconds{c.second};
  EXPECT_EQ(d->utc, local - minutes{c.offset}) << c.why;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc5322, Rfc5322Date,
    ::testing::Values(
        DateCase{"§3.3 / A.1.1", "Fri, 21 Nov 1997 09:55:06 -0600", 1997, 11, 21, 9, 55, 6, -360},
        DateCase{"§3.3 / A.3", "Thu, 13 Feb 1969 23:32:54 -0330", 1969, 2, 13, 23, 32, 54, -210},
        DateCase{"A.3 Resent-Date", "Mon, 24 Nov 1997 14:22:01 -0800", 1997, 11, 24, 14, 22, 1,
                 -480},
        DateCase{"A.4 Received: trace field",
                 "from x.y.test\r\n   by example.net\r\n   via TCP\r\n   with ESMTP\r\n   id "
                 "ABC12345\r\n   for <mary@example.net>;  21 Nov 1997 10:05:43 -0600",
                 1997, 11, 21, 10, 5, 43, -360},
        DateCase{"§3.3 no day-of-week", "1 Jul 2003 10:52:37 +0200", 2003, 7, 1, 10, 52, 37, 120},
        DateCase{"§3.3 no seconds", "Wed, 27 Jun 1999 04:11 +0900", 1999, 6, 27, 4, 11, 0, 540},
        DateCase{"§3.3 -0000: unknown zone", "Mon, 1 Jan 2024 00:00:00 -0000", 2024, 1, 1, 0, 0, 0,
                 0, true},
        DateCase{"§3.3 +0000 is known", "Mon, 1 Jan 2024 00:00:00 +0000", 2024, 1, 1, 0, 0, 0, 0},
        DateCase{"§3.3 +1345", "17 May 2026 22:15:15 +1345", 2026, 5, 17, 22, 15, 15, 825},
        DateCase{"§3.3 leap day", "Thu, 29 Feb 2024 12:00:00 +0000", 2024, 2, 29, 12, 0, 0, 0},
        DateCase{"§4.3 / A.6.2 2-digit year, GMT", "21 Nov 97 09:55:06 GMT", 1997, 11, 21, 9, 55, 6,
                 0},
        DateCase{"§4.3 2-digit year < 50", "1 Jan 21 00:00:00 +0000", 2021, 1, 1, 0, 0, 0, 0},
        DateCase{"§4.3 3-digit year", "1 Jan 103 00:00:00 +0000", 2003, 1, 1, 0, 0, 0, 0},
        DateCase{"§4.3 UT", "1 Jan 2003 00:00:00 UT", 2003, 1, 1, 0, 0, 0, 0},
        DateCase{"§4.3 EST", "Sun, 27 Oct 2002 23:57:07 EST", 2002, 10, 27, 23, 57, 7, -300},
        DateCase{"§4.3 PDT", "Mon, 10 Oct 2022 10:31:15 PDT", 2022, 10, 10, 10, 31, 15, -420},
        DateCase{"§4.3 military zone means -0000", "Thu, 10 Jul 1997 14:53:31 A", 1997, 7, 10, 14,
                 53, 31, 0, true},
        DateCase{"§4.3 Z", "Thu, 10 Jul 1997 14:53:31 Z", 1997, 7, 10, 14, 53, 31, 0},
        DateCase{"unknown zone name", "Thu, 10 Jul 1997 14:53:31 ZZZZ", 1997, 7, 10, 14, 53, 31, 0,
                 true},
        DateCase{"no zone at all", "Thu, 10 Jul 1997 14:53:31", 1997, 7, 10, 14, 53, 31, 0, true},
        DateCase{"zone name and offset", "Thu, 10 Jul 1997 14:53:31 GMT+0200", 1997, 7, 10, 14, 53,
                 31, 120},
        DateCase{"§4.3 / A.6.2 folded with a comment",
                 "Thu,\r\n     13\r\n       Feb\r\n         1969\r\n     23:32\r\n              "
                 "-0330 (Newfoundland Time)",
                 1969, 2, 13, 23, 32, 0, -210},
        DateCase{"§3.2.2 nested comments", "Tue, 1 Jul 2003 ((tricky)\r\n comment) 10:52:37 +0200",
                 2003, 7, 1, 10, 52, 37, 120},
        DateCase{"lower-case, long month name", "2 september 2021 09:55:06 +0200", 2021, 9, 2, 9,
                 55, 6, 120},
        DateCase{"trailing junk", "Tue, 1 Jul 2003 10:52:37 +0200 (CEST) blah blah", 2003, 7, 1, 10,
                 52, 37, 120},
        DateCase{"zero-padded day, no comma", "Tue 01 Jul 2003 10:52:37 +0200", 2003, 7, 1, 10, 52,
                 37, 120},
        DateCase{"asctime order", "Mon Jan 10 10:31:15 2022", 2022, 1, 10, 10, 31, 15, 0, true},
        DateCase{"Received: value, date after ';'",
                 "from mx.example (mx.example [192.0.2.1]) by mail.example with ESMTPS id abc; "
                 "Mon, 10 Oct 2022 10:31:15 -0700 (PDT)",
                 2022, 10, 10, 10, 31, 15, -420},
        DateCase{"leap second", "Sat, 31 Dec 2016 23:59:60 +0000", 2017, 1, 1, 0, 0, 0, 0}));

TEST(Rfc5322Date, Rejects) {
  const char* bad[] = {
      "",
      "not a date",
      "Tue, 1 Jul 2003",                  // no time
      "Tue, 31 Feb 2003 10:00:00 +0000",  // no such day
      "Tue, 1 Foo 2003 10:00:00 +0000",
      "Tue, 1 13 2003 10:00:00 +0000",
      "Tue, 0 Jul 2003 10:00:00 +0000",
      "Tue, 1 Jul 2003 24:00:00 +0000",
      "Tue, 1 Jul 2003 10:60:00 +0000",
      "Tue, 1 Jul 2003 10:00:61 +0000",
      "Tue, 1 Jul 20031 10:00:00 +0000",
      "some numbers 0 1 2 but invalid",
  };
  for (const char* b : bad)
    EXPECT_FALSE(parse_rfc5322_date(b).has_value()) << b;
}

TEST(Rfc5322Date, Formats) {
  auto t = sys_days{2026y / November / 26} + 8h + 17min + 57s;
  EXPECT_EQ(format_rfc5322_date(t), "Thu, 26 Nov 2026 08:17:57 +0000");
  EXPECT_EQ(format_rfc5322_date(t, 60), "Thu, 26 Nov 2026 09:17:57 +0100");
  EXPECT_EQ(format_rfc5322_date(t, -210), "Thu, 26 Nov 2026 04:47:57 -0330");
  EXPECT_EQ(format_rfc5322_date(t, -600), "Wed, 25 Nov 2026 22:17:57 -1000");
  EXPECT_EQ(format_rfc5322_date(sys_days{1969y / February / 13} + 23h),
            "Thu, 13 Feb 1969 23:00:00 +0000");
  // Round trip.
  for (int offset : {0, 60, -300, 345, -720, 840}) {
    auto d = parse_rfc5322_date(format_rfc5322_date(t, offset));
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->utc, t);
    EXPECT_EQ(d->offset_minutes, offset);
  }
}

// RFC 3501 §9: date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone
TEST(ImapDate, DateTime) {
  auto d = parse_imap_date_time("\"26-Nov-2026 08:17:57 +0000\"");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->utc, sys_days{2026y / November / 26} + 8h + 17min + 57s);
  auto spaced = parse_imap_date_time(" 6-Jan-2020 01:02:03 -0700");
  ASSERT_TRUE(spaced.has_value());
  EXPECT_EQ(spaced->offset_minutes, -420);
  EXPECT_EQ(spaced->utc, sys_days{2020y / January / 6} + 8h + 2min + 3s);
  EXPECT_TRUE(parse_imap_date_time("6-jan-2020 01:02:03 +0000").has_value());
  EXPECT_TRUE(parse_imap_date_time("06-Jan-2020 01:02:03 +0000").has_value());

  const char* bad[] = {"26-Nov-2026 08:17:57",        "26-Nov-26 08:17:57 +0000",
                       "26 Nov 2026 08:17:57 +0000",  "31-Feb-2026 08:17:57 +0000",
                       "26-Nov-2026 8:17:57 +0000",   "26-Nov-2026 08:17:57 +0060",
                       "26-Nov-2026 08:17:57 +0000 ", "\"26-Nov-2026 08:17:57 +0000"};
  for (const char* b : bad)
    EXPECT_FALSE(parse_imap_date_time(b).has_value()) << b;

  auto t = sys_days{2026y / November / 6} + 8h + 17min + 57s;
  EXPECT_EQ(format_imap_date_time(t), " 6-Nov-2026 08:17:57 +0000");
  EXPECT_EQ(format_imap_date_time(t, 90), " 6-Nov-2026 09:47:57 +0130");
  auto back = parse_imap_date_time(format_imap_date_time(t, -90));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->utc, t);
}

TEST(ImapDate, Date) {
  EXPECT_EQ(*parse_imap_date("1-Feb-1994"), sys_days{1994y / February / 1});
  EXPECT_EQ(*parse_imap_date("\"01-feb-1994\""), sys_days{1994y / February / 1});
  EXPECT_FALSE(parse_imap_date("1-Feb-94").has_value());
  EXPECT_FALSE(parse_imap_date("30-Feb-1994").has_value());
  EXPECT_FALSE(parse_imap_date("1-Feb-1994 ").has_value());
}

TEST(Rfc5322Date, HostileInputStaysLinear) {
  std::string comments(300000, '(');
  EXPECT_FALSE(parse_rfc5322_date(comments).has_value());
  std::string semis(300000, ';');
  EXPECT_FALSE(parse_rfc5322_date(semis).has_value());
  std::string digits(300000, '9');
  EXPECT_FALSE(parse_rfc5322_date(digits).has_value());
}

// Stalwart mail-parser resources/date.json: 40 header values and the expected fields.
TEST(StalwartCorpus, DateJson) {
  std::string path = std::string(FACTEUR_CORPORA_DIR) + "/stalwart-mail-parser/resources/date.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no corpus at " << path;
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto vectors = nlohmann::json::parse(ss.str());
  ASSERT_EQ(vectors.size(), 40u);

  // " 4 8 15 16 23 42, ..." is junk that Stalwart reads as 4 Aug 2015 16:23:42 +0004 (a
  // month number, then numbers taken as time and zone without ':'); we require hh:mm.
  const std::map<std::size_t, const char*> differences = {{12, "no hh:mm time in junk"}};
  int pass = 0;
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    const auto& v = vectors[i];
    auto d = parse_rfc5322_date(v["header"].get<std::string>());
    nlohmann::json got = nullptr;
    if (d) {
      CivilTime c = to_civil(*d);
      int a = d->offset_minutes < 0 ? -d->offset_minutes : d->offset_minutes;
      got = {{"year", c.year},
             {"month", c.month},
             {"day", c.day},
             {"hour", c.hour},
             {"minute", c.minute},
             {"second", c.second},
             {"tz_before_gmt", d->offset_minutes < 0},
             {"tz_hour", a / 60},
             {"tz_minute", a % 60}};
    }
    bool same = got == v["expected"];
    if (differences.count(i)) {
      EXPECT_FALSE(same) << "#" << i << " now matches: drop it from the differences";
      continue;
    }
    EXPECT_TRUE(same) << "#" << i << " " << v["header"].dump() << "\n want " << v["expected"].dump()
                      << "\n got  " << got.dump();
    if (same) ++pass;
  }
  std::printf("stalwart date.json: %d/%zu match, %zu documented differences\n", pass,
              vectors.size(), differences.size());
}

}  // namespace
TEST(Rfc5322Date, HowTheZoneWasWritten) {
  // RFC 5322 §3.3 zone as digits; §4.3 obsolete names (ambiguous, or unknown and read as UTC);
  // none at all.
  EXPECT_EQ(parse_rfc5322_date("Tue, 24 Nov 2026 09:58:41 +0100")->zone_form, ZoneForm::digits);
  EXPECT_EQ(parse_rfc5322_date("Tue, 24 Nov 2026 09:58:41 -0000")->zone_form, ZoneForm::digits);
  EXPECT_EQ(parse_rfc5322_date("Tue, 24 Nov 2026 09:58:41 GMT+0200")->zone_form, ZoneForm::digits);
  EXPECT_EQ(parse_rfc5322_date("Tue, 24 Nov 2026 09:58:41 CST")->zone_form, ZoneForm::name);
  EXPECT_EQ(parse_rfc5322_date("Tue, 24 Nov 2026 09:58:41 IST")->zone_form, ZoneForm::name);
  EXPECT_EQ(parse_rfc5322_date("Thu, 8 Aug 2002 11:08:32")->zone_form, ZoneForm::none);
  EXPECT_EQ(parse_rfc5322_date("Mon Jan  6 10:00:00 2025")->zone_form, ZoneForm::none);
}

}  // namespace facteur::mail
