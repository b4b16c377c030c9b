#include "proto/smtp/received.hpp"

#include <gtest/gtest.h>

namespace facteur::smtp {
namespace {

std::chrono::system_clock::time_point at(std::time_t t) {
  return std::chrono::system_clock::from_time_t(t);
}

// RFC 3848 §3 (ESMTPA/ESMTPS/ESMTPSA) and RFC 6531 §3.7.3 (UTF8SMTP...).
TEST(Received, ProtocolNames) {
  struct Case {
    bool esmtp, tls, auth, utf8;
    std::string_view name;
  };
  const Case cases[] = {
      {false, false, false, false, "SMTP"},   {false, true, true, true, "SMTP"},
      {true, false, false, false, "ESMTP"},   {true, true, false, false, "ESMTPS"},
      {true, false, true, false, "ESMTPA"},   {true, true, true, false, "ESMTPSA"},
      {true, false, false, true, "UTF8SMTP"}, {true, true, false, true, "UTF8SMTPS"},
      {true, false, true, true, "UTF8SMTPA"}, {true, true, true, true, "UTF8SMTPSA"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(received_protocol(c.esmtp, c.tls, c.auth, c.utf8), c.name) << c.name;
}

// RFC 5321 §4.4 Time-stamp-line.
TEST(Received, Formats) {
  ReceivedInfo info;
  info.helo = "client.example.org";
  info.reverse_dns = "mail.example.org";
  info.ip = "192.0.2.7";
  info.by = "mx.example.net";
  info.protocol = "ESMTPS";
  info.id = "4Xa9";
  info.for_recipient = "bob@example.net";
  info.date = at(1700000000);  // Tue, 14 Nov 2023 22:13:20 UTC
  EXPECT_EQ(format_received(info),
            "Received: from client.example.org (mail.example.org [192.0.2.7])\r\n"
            "\tby mx.example.net with ESMTPS id 4Xa9 for <bob@example.net>;\r\n"
            "\tTue, 14 Nov 2023 22:13:20 +0000\r\n");

  info.reverse_dns.clear();
  info.ip = "2001:db8::1";
  info.for_recipient.clear();
  info.utc_offset_minutes = -(5 * 60 + 30);
  EXPECT_EQ(format_received(info),
            "Received: from client.example.org ([IPv6:2001:db8::1])\r\n"
            "\tby mx.example.net with ESMTPS id 4Xa9; Tue, 14 Nov 2023 16:43:20 -0530\r\n");
}

TEST(Received, SanitisesClientText) {
  ReceivedInfo info;
  info.helo = "evil\r\nX-Injected: yes (fake; comment)";
  info.ip = "198.51.100.1";
  info.by = "mx.example.net";
  info.protocol = "SMTP";
  info.for_recipient = "a>b;\r\n@example.net";
  info.date = at(0);
  auto field = format_received(info);
  // Exactly one field: every CRLF is followed by a tab (a continuation line).
  for (std::size_t p = field.find("\r\n"); p + 2 < field.size(); p = field.find("\r\n", p + 2))
    EXPECT_EQ(field[p + 2], '\t') << field;
  EXPECT_EQ(field.find("(fake"), std::string::npos) << field;
  EXPECT_EQ(field.find("a>b;"), std::string::npos) << field;
  EXPECT_NE(field.find("Thu, 1 Jan 1970 00:00:00 +0000"), std::string::npos) << field;
  // Long values still fold at clause boundaries and stay below 998 octets a line.
  info.helo = std::string(400, 'h');
  auto longer = format_received(info);
  std::size_t start = 0;
  for (std::size_t p = longer.find("\r\n"); p != std::string::npos;
       start = p + 2, p = longer.find("\r\n", start))
    EXPECT_LE(p - start, 998u);
}

}  // namespace
}  // namespace facteur::smtp
