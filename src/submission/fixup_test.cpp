#include "submission/fixup.hpp"

#include <gtest/gtest.h>

#include "mail/date.hpp"
#include "mail/header.hpp"

namespace facteur::submission {
namespace {

using namespace std::chrono;

SubmissionOptions options() {
  SubmissionOptions o;
  o.hostname = "mail.example.org";
  o.unique = "a1b2c3.d4";
  o.now = sys_days{2026y / 11 / 26} + 9h + 17min + 57s;
  o.utc_offset_minutes = 60;
  o.allowed_senders = {"alice@example.org", "sales@example.org", "@alice.example"};
  o.account_address = "alice@example.org";
  return o;
}

// A Thunderbird-shaped message: nothing to add, nothing to remove.
const std::string kComplete =
    "Message-ID: <f00@example.org>\r\nDate: Wed, 25 Nov 2026 18:02:11 +0100\r\n"
    "MIME-Version: 1.0\r\nUser-Agent: Mozilla Thunderbird\r\nContent-Language: fr\r\n"
    "To: bob@example.net\r\nFrom: Alice <alice@example.org>\r\nSubject: Bonjour\r\n"
    "Disposition-Notification-To: Alice <alice@example.org>\r\n"
    "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
    "Content-Transfer-Encoding: 7bit\r\n\r\nHello Bob\r\nBcc: this is body text\r\n";

TEST(Submission, CompleteMessageUnchanged) {
  auto r = fix_submission(kComplete, options());
  ASSERT_TRUE(r.accepted());
  EXPECT_EQ(r.message, kComplete);
  EXPECT_EQ(r.message_id, "f00@example.org");
  EXPECT_FALSE(r.added_date || r.added_message_id || r.added_from);
  EXPECT_EQ(r.removed_bcc, 0u);
}

// RFC 5322 §3.6.3: the Bcc field goes, whatever its shape; the rest stays byte for byte.
TEST(Submission, BccRemoved) {
  const std::string head =
      "From: alice@example.org\r\nDate: Wed, 25 Nov 2026 18:02:11 +0100\r\n"
      "Message-ID: <x@example.org>\r\n";
  const std::string body = "\r\nBody\r\nBcc: not a header\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Bcc: carol@example.net\r\n", ""},
      {"bcc: carol@example.net\r\n", ""},
      {"BCC : carol@example.net\r\n", ""},
      {"Bcc: carol@example.net,\r\n dave@example.net,\r\n\t\"Eve E.\" <eve@example.net>\r\n", ""},
      {"Bcc: undisclosed-recipients:;\r\n", ""},
      {"Bcc: Team: carol@example.net, dave@example.net;, frank@example.net\r\n", ""},
      {"Bcc:\r\n", ""},
      {"Resent-Bcc: x@example.net\r\n", ""},
      {"Bcc: a@example.net\r\nTo: bob@example.net\r\nBcc: b@example.net\r\n",
       "To: bob@example.net\r\n"},
      {"Subject: about the\r\n Bcc: field\r\n", "Subject: about the\r\n Bcc: field\r\n"},
      {"X-Bcc-Note: kept\r\n", "X-Bcc-Note: kept\r\n"},
  };
  for (const auto& [fields, kept] : cases) {
    // First, middle and last position in the header.
    for (int where = 0; where < 3; ++where) {
      std::string in, want;
      if (where == 0) {
        in = fields + head + body;
        want = kept + head + body;
      } else if (where == 1) {
        in = head.substr(0, 25) + fields + head.substr(25) + body;
        want = head.substr(0, 25) + kept + head.substr(25) + body;
      } else {
        in = head + fields + body;
        want = head + kept + body;
      }
      auto r = fix_submission(in, options());
      ASSERT_TRUE(r.accepted()) << fields;
      EXPECT_EQ(r.message, want) << fields << " at " << where;
      EXPECT_EQ(mail::parse_header(r.message).count("Bcc"), 0u);
    }
  }
}

// RFC 6409 §8.2, §8.3: Date and Message-ID added when missing, after the other fields.
TEST(Submission, AddsDateAndMessageId) {
  std::string in =
      "From: alice@example.org\r\nTo: bob@example.net\r\nBcc: carol@example.net\r\n"
      "Subject: hi\r\n\r\nbody\r\n";
  auto r = fix_submission(in, options());
  ASSERT_TRUE(r.accepted());
  EXPECT_TRUE(r.added_date);
  EXPECT_TRUE(r.added_message_id);
  EXPECT_EQ(r.removed_bcc, 1u);
  EXPECT_EQ(r.message_id, "a1b2c3.d4@mail.example.org");
  EXPECT_EQ(r.message,
            "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: hi\r\n"
            "Date: Thu, 26 Nov 2026 10:17:57 +0100\r\nMessage-ID: <a1b2c3.d4@mail.example.org>\r\n"
            "\r\nbody\r\n");
  auto h = mail::parse_header(r.message);
  auto date = mail::parse_rfc5322_date(h.find(mail::FieldId::date)->value());
  ASSERT_TRUE(date);
  EXPECT_EQ(date->utc, options().now);

  // LF-only input gets LF fields; a header with no body gets its empty line.
  r = fix_submission("From: alice@example.org\nSubject: x\n\nbody\n", options());
  EXPECT_EQ(r.message,
            "From: alice@example.org\nSubject: x\nDate: Thu, 26 Nov 2026 10:17:57 +0100\n"
            "Message-ID: <a1b2c3.d4@mail.example.org>\n\nbody\n");
  r = fix_submission("From: alice@example.org\r\nSubject: x\r\n", options());
  EXPECT_EQ(r.message,
            "From: alice@example.org\r\nSubject: x\r\nDate: Thu, 26 Nov 2026 10:17:57 +0100\r\n"
            "Message-ID: <a1b2c3.d4@mail.example.org>\r\n\r\n");
  // Found by fuzzing: a header ending in a lone CR must not let the added fields fall into
  // the body.
  r = fix_submission("From: alice@example.org\n\x01\n\r", options());
  ASSERT_TRUE(r.accepted());
  EXPECT_TRUE(mail::parse_header(r.message).find(mail::FieldId::date));
  EXPECT_TRUE(mail::parse_header(r.message).find(mail::FieldId::message_id));
  // No From: the account's address.
  r = fix_submission("Subject: x\r\n\r\nbody\r\n", options());
  ASSERT_TRUE(r.accepted());
  EXPECT_TRUE(r.added_from);
  EXPECT_TRUE(r.message.starts_with("Subject: x\r\nFrom: alice@example.org\r\n"));
  auto o = options();
  o.account_address.clear();
  EXPECT_FALSE(fix_submission("Subject: x\r\n\r\nbody\r\n", o).accepted());
}

// 8-bit header fields (RFC 6532) and Disposition-Notification-To (RFC 8098) pass untouched.
TEST(Submission, EightBitHeadersUntouched) {
  std::string in =
      "From: =?utf-8?q?Al=C3=AFce?= <alice@example.org>\r\nTo: J\xc3\xb6rg "
      "<j\xc3\xb6rg@example.net>\r\n"
      "Subject: caf\xc3\xa9 cr\xc3\xa8me\r\nBcc: Zo\xc3\xab <zoe@example.net>\r\n"
      "Disposition-Notification-To: alice@example.org\r\nDate: Thu, 26 Nov 2026 10:17:57 +0100\r\n"
      "Message-ID: <m@example.org>\r\n\r\nd\xc3\xa9j\xc3\xa0\r\n";
  auto r = fix_submission(in, options());
  ASSERT_TRUE(r.accepted());
  std::string want = in;
  want.erase(want.find("Bcc: "), std::string("Bcc: Zo\xc3\xab <zoe@example.net>\r\n").size());
  EXPECT_EQ(r.message, want);
}

// The authorship check: own address, aliases, +tags, a whole domain; anything else 553 5.7.1.
TEST(Submission, FromMustBelongToTheAccount) {
  auto verdict = [](std::string from_field, SubmissionOptions o = options()) {
    return fix_submission("From: " + from_field + "\r\nSubject: x\r\n\r\nbody\r\n", o);
  };
  EXPECT_TRUE(verdict("alice@example.org").accepted());
  EXPECT_TRUE(verdict("Alice <ALICE@Example.ORG>").accepted());
  EXPECT_TRUE(verdict("\"Sales team\" <sales@example.org>").accepted());
  EXPECT_TRUE(verdict("alice+lists@example.org").accepted());
  EXPECT_TRUE(verdict("anything@alice.example").accepted());
  EXPECT_TRUE(verdict("alice@example.org, sales@example.org").accepted());

  auto r = verdict("Bob <bob@example.org>");
  ASSERT_FALSE(r.accepted());
  EXPECT_EQ(r.rejection->code, 553);
  EXPECT_EQ(r.rejection->enhanced, "5.7.1");
  EXPECT_EQ(r.unauthorized, std::vector<std::string>{"bob@example.org"});
  EXPECT_TRUE(r.message.empty());
  EXPECT_FALSE(verdict("alice@example.org, mallory@example.com").accepted());
  EXPECT_FALSE(verdict("alice@example.org.evil.example").accepted());
  EXPECT_FALSE(verdict("alice@sub.alice.example").accepted());
  EXPECT_FALSE(verdict("undisclosed:;").accepted());
  EXPECT_FALSE(verdict("").accepted());

  // Sender: too, and the envelope sender when given (<> passes: auto-replies).
  r = fix_submission("From: alice@example.org\r\nSender: bob@example.org\r\n\r\nx\r\n", options());
  EXPECT_FALSE(r.accepted());
  auto o = options();
  mail::PathOptions po;
  o.envelope_sender = *mail::parse_reverse_path("<bob@example.org>", po);
  EXPECT_FALSE(verdict("alice@example.org", o).accepted());
  o.envelope_sender = *mail::parse_reverse_path("<>", po);
  EXPECT_TRUE(verdict("alice@example.org", o).accepted());
}

TEST(Submission, SenderAllowed) {
  std::vector<std::string> allowed = {"alice@example.org", "a+b@example.org", "@example.net"};
  EXPECT_TRUE(sender_allowed("alice@example.org", allowed));
  EXPECT_TRUE(sender_allowed("Alice+x@EXAMPLE.org", allowed));
  EXPECT_TRUE(sender_allowed("a+b@example.org", allowed));  // an alias with the delimiter
  EXPECT_TRUE(sender_allowed("who@example.net", allowed));
  EXPECT_FALSE(sender_allowed("+alice@example.org", allowed));
  EXPECT_FALSE(sender_allowed("alice", allowed));
  EXPECT_FALSE(sender_allowed("alice-x@example.org", allowed));
  EXPECT_TRUE(sender_allowed("alice-x@example.org", {"alice@example.org"}, "-"));
}

// Hostile shapes: a header over the field limit is refused (a Bcc could hide past it).
TEST(Submission, Limits) {
  auto o = options();
  o.header_limits.max_fields = 50;
  std::string in = "From: alice@example.org\r\n";
  for (int i = 0; i < 60; ++i)
    in += "X-Field-" + std::to_string(i) + ": v\r\n";
  in += "Bcc: hidden@example.net\r\n\r\nbody\r\n";
  auto r = fix_submission(in, o);
  ASSERT_FALSE(r.accepted());
  EXPECT_EQ(r.rejection->code, 552);
  // Many Bcc fields: linear, all removed.
  std::string many = "From: alice@example.org\r\n";
  for (int i = 0; i < 5000; ++i)
    many += "Bcc: b" + std::to_string(i) + "@example.net\r\n";
  many += "\r\nbody\r\n";
  r = fix_submission(many, options());
  ASSERT_TRUE(r.accepted());
  EXPECT_EQ(r.removed_bcc, 5000u);
  EXPECT_EQ(r.message.find("Bcc"), std::string::npos);
}

}  // namespace
}  // namespace facteur::submission
