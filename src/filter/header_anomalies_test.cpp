#include "filter/header_anomalies.hpp"

#include <gtest/gtest.h>

#include "filter/checks.hpp"
#include "filter/test_util.hpp"

namespace facteur::filter {
namespace {

using test::message;

constexpr std::string_view kTrace =
    "Received: from mail.sender.example (mail.sender.example [192.0.2.7])\n"
    "\tby mx.recipient.example with ESMTPS id 4Xk2; Tue, 24 Nov 2026 10:00:00 +0000\n";

HeaderAnomalies anomalies(std::string_view headers) {
  std::string bytes = message(headers, "Hello.\n");
  auto view = MessageView::analyze(bytes);
  return find_header_anomalies(view);
}

std::string headers(std::string_view date, std::string_view id = "<k2.77@sender.example>",
                    std::string_view from = "Ann <ann@sender.example>") {
  std::string h(kTrace);
  h += "From: " + std::string(from) + "\n";
  h += "To: bob@recipient.example\n";
  h += "Subject: lunch\n";
  if (!date.empty()) h += "Date: " + std::string(date) + "\n";
  h += "Message-ID: " + std::string(id) + "\n";
  return h;
}

TEST(HeaderAnomalies, MailAsMailersWriteItHasNone) {
  auto a = anomalies(headers("Tue, 24 Nov 2026 09:58:41 +0100"));
  EXPECT_EQ(a.count(), 0) << a.describe();
  // RFC 5322 §3.3: "-0000" says the local zone is unknown; that is the RFC's, not a botch.
  EXPECT_EQ(anomalies(headers("Tue, 24 Nov 2026 09:58:41 -0000")).count(), 0);
  // A Date days before the arrival is a queue or a draft sent late, not a forgery.
  EXPECT_EQ(anomalies(headers("Fri, 20 Nov 2026 09:58:41 +0000")).count(), 0);
  // No Received field (a message scanned before any MTA took it): nothing to compare with.
  auto no_trace = message(
      "From: ann@sender.example\nDate: Tue, 24 Nov 2099 09:58:41 +0000\n"
      "Message-ID: <a@sender.example>\n",
      "Hi\n");
  EXPECT_EQ(find_header_anomalies(MessageView::analyze(no_trace)).count(), 0);
}

TEST(HeaderAnomalies, DateWithoutZoneOrUnreadable) {
  // RFC 5322 §3.3: the zone is part of date-time.
  EXPECT_TRUE(anomalies(headers("Thu, 8 Aug 2002 11:08:32")).date_without_zone);
  EXPECT_TRUE(anomalies(headers("Thu, 8 Aug 2002 11:08 (lunch time)")).date_without_zone);
  // A zone our parser does not know ("IST", India) or a military letter is still written.
  EXPECT_FALSE(anomalies(headers("Tue, 24 Nov 2026 14:28:41 IST")).date_without_zone);
  EXPECT_FALSE(anomalies(headers("Tue, 24 Nov 2026 09:58:41 A")).date_without_zone);
  EXPECT_TRUE(anomalies(headers("sometime last week")).date_invalid);
  // asctime's order, the year after the time, and no zone.
  EXPECT_TRUE(anomalies(headers("Mon Jan  6 10:00:00 2025")).date_without_zone);
  EXPECT_FALSE(anomalies(headers("Tue, 24 Nov 2026 09:58:41 +0000 (UTC)")).date_without_zone);
}

TEST(HeaderAnomalies, DateHoursAfterArrival) {
  // Arrived 10:00 UTC. Written 18:17 UTC: eight hours after it arrived.
  EXPECT_TRUE(anomalies(headers("Tue, 24 Nov 2026 18:17:44 +0000")).date_ahead);
  EXPECT_TRUE(anomalies(headers("Tue, 24 Nov 2026 23:17:44 +0500")).date_ahead);
  // 14:17 in a zone five hours east is 09:17 UTC: before the arrival.
  EXPECT_FALSE(anomalies(headers("Tue, 24 Nov 2026 14:17:44 +0500")).date_ahead);
  // 18:28 in India (IST, a name the date parser does not know: read as UTC) is 12:58 UTC.
  EXPECT_FALSE(anomalies(headers("Tue, 24 Nov 2026 18:28:41 IST")).date_ahead);
  // A zone name means several zones: "CST" is Chicago's to the parser, and China's here
  // (18:17 in Shanghai is 10:17 UTC).
  EXPECT_FALSE(anomalies(headers("Tue, 24 Nov 2026 18:17:44 CST")).date_ahead);
  // Two hours ahead is a sender's clock, not a forgery.
  EXPECT_FALSE(anomalies(headers("Tue, 24 Nov 2026 12:00:00 +0000")).date_ahead);
}

TEST(HeaderAnomalies, MalformedMessageId) {
  // RFC 5322 §3.6.4: msg-id = "<" id-left "@" id-right ">".
  EXPECT_TRUE(anomalies(headers("Tue, 24 Nov 2026 09:58:41 +0000", "20021107.8823@host"))
                  .message_id_malformed);
  EXPECT_TRUE(
      anomalies(headers("Tue, 24 Nov 2026 09:58:41 +0000", "<no-at-sign>")).message_id_malformed);
  EXPECT_TRUE(
      anomalies(headers("Tue, 24 Nov 2026 09:58:41 +0000", "<a b@host>")).message_id_malformed);
  // Valid: a quoted id-left (obsolete syntax receivers accept, §4.5.4), a domain literal, a
  // comment after it.
  for (const char* id : {"<\"a b\"@host.example>", "<k2@[192.0.2.1]>",
                         "<k2.77@sender.example> (sent by the web client)"})
    EXPECT_FALSE(anomalies(headers("Tue, 24 Nov 2026 09:58:41 +0000", id)).message_id_malformed)
        << id;
}

TEST(HeaderAnomalies, EncodedWordInTheAddress) {
  // RFC 2047 §5 (3): an encoded-word must not appear in any portion of an addr-spec.
  auto a = anomalies(headers("Tue, 24 Nov 2026 09:58:41 +0000", "<k2.77@sender.example>",
                             "=?iso-2022-jp?B?am9rb0Bycy4xMjgubmUuanA=?=@lists.example"));
  EXPECT_TRUE(a.encoded_address);
  // In the display name it is the RFC's own way to write one.
  EXPECT_FALSE(anomalies(headers("Tue, 24 Nov 2026 09:58:41 +0000", "<k2.77@sender.example>",
                                 "=?utf-8?Q?Ren=C3=A9e?= <renee@sender.example>"))
                   .encoded_address);
}

TEST(HeaderAnomalies, PointsInTheSpamCheckAreCapped) {
  auto check = make_spam_heuristics_check();
  auto one = test::run_check(*check, message(headers("Thu, 8 Aug 2002 11:08:32"), "Hello.\n"));
  ASSERT_TRUE(test::has_reason(one, "spam.header"));
  EXPECT_DOUBLE_EQ(test::points(one, Label::spam), 1.5);
  // Three anomalies weigh as two: none of this alone reaches the junk threshold.
  auto three = test::run_check(*check, message(headers("Tue, 24 Nov 2026 18:17:44 +0000", "junk",
                                                       "=?utf-8?B?YQ==?=@lists.example"),
                                               "Hello.\n"));
  EXPECT_DOUBLE_EQ(test::points(three, Label::spam), 3.0);
  EXPECT_NE(three.reasons.front().text.find("malformed Message-ID"), std::string::npos);
}

}  // namespace
}  // namespace facteur::filter
