#include "queue/dsn.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "mail/date.hpp"
#include "mail/mime.hpp"

namespace facteur::queue {
namespace {

using namespace std::chrono;

mail::Path path(std::string_view text) {
  mail::PathOptions o;
  o.smtputf8 = true;
  auto p = text == "<>" ? mail::parse_reverse_path(text, o) : mail::parse_forward_path(text, o);
  EXPECT_TRUE(p) << text;
  return p ? *p : mail::Path{};
}

const std::string kOriginal =
    "From: Alice <alice@example.net>\r\nTo: bob@example.org, carol@example.org\r\n"
    "Subject: Lunch\r\nMessage-ID: <1@example.net>\r\n\r\nShall we have lunch?\r\n";

const sys_seconds kNow = sys_days{2026y / 3 / 14} + 15h + 9min + 26s;

DsnRequest failed_request() {
  DsnRequest r;
  r.reporting_mta = "mx.example.net";
  r.sender = path("<alice@example.net>");
  r.envid = "QQ314159";
  r.arrival_date = kNow - 2h;
  r.original_message = kOriginal;
  r.now = kNow;
  r.unique = "20260314150926.abc";
  DsnRecipient bob;
  bob.final_recipient = path("<bob@example.org>");
  bob.original = smtp::OriginalRecipient{"rfc822", "Bob@Example.ORG"};
  bob.action = DsnAction::failed;
  bob.status = "5.1.1";
  bob.remote_mta = "mx1.example.org";
  bob.remote_reply = smtp::Reply{550, "5.1.1", "<bob@example.org>: no such user\nsecond line"};
  bob.remote_stage = "RCPT TO";
  bob.last_attempt = kNow - 1min;
  DsnRecipient carol;
  carol.final_recipient = path("<carol@example.org>");
  carol.action = DsnAction::failed;
  carol.status = "5.6.7";
  carol.explanation = "SMTPUTF8 is required, but was not offered by the host";
  r.recipients = {bob, carol};
  return r;
}

// RFC 3464 §2: multipart/report with a human part, message/delivery-status and the message.
TEST(Dsn, FailedStructure) {
  auto dsn = build_dsn(failed_request());
  ASSERT_TRUE(dsn) << dsn.error().message;
  EXPECT_EQ(dsn->envelope_to.to_string(), "alice@example.net");
  EXPECT_FALSE(dsn->smtputf8);
  const auto& m = dsn->message;

  auto tree = mail::parse_mime(m);
  const auto& root = tree.root();
  ASSERT_TRUE(root.content_type.is("multipart", "report"));
  EXPECT_EQ(root.content_type.param_value("report-type"), "delivery-status");
  std::vector<std::string> types;
  for (auto i = root.info.first_child; i != mail::kNoPart; i = tree.part(i).info.next_sibling)
    types.push_back(tree.part(i).content_type.type + "/" + tree.part(i).content_type.subtype);
  EXPECT_EQ(types,
            (std::vector<std::string>{"text/plain", "message/delivery-status", "message/rfc822"}));
  auto* from = root.header.find("From");
  ASSERT_TRUE(from);
  EXPECT_EQ(from->value(), "Mail Delivery System <MAILER-DAEMON@mx.example.net>");
  EXPECT_TRUE(root.header.find("Auto-Submitted"));
  EXPECT_TRUE(root.header.find("Message-ID"));
  EXPECT_TRUE(mail::parse_rfc5322_date(root.header.find("Date")->value()));

  auto parsed = parse_dsn(m);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->reporting_mta, "dns; mx.example.net");
  EXPECT_EQ(parsed->original_envelope_id, "QQ314159");
  EXPECT_EQ(parsed->arrival_date, "Sat, 14 Mar 2026 13:09:26 +0000");
  ASSERT_EQ(parsed->recipients.size(), 2u);
  const auto& b = parsed->recipients[0];
  EXPECT_EQ(b.final_recipient, "rfc822; bob@example.org");
  EXPECT_EQ(b.original_recipient, "rfc822; Bob@Example.ORG");
  EXPECT_EQ(b.action, "failed");
  EXPECT_EQ(b.status, "5.1.1");
  EXPECT_EQ(b.remote_mta, "dns; mx1.example.org");
  EXPECT_EQ(b.diagnostic_code, "smtp; 550 5.1.1 <bob@example.org>: no such user second line");
  EXPECT_EQ(b.last_attempt_date, "Sat, 14 Mar 2026 15:08:26 +0000");
  const auto& c = parsed->recipients[1];
  EXPECT_EQ(c.status, "5.6.7");
  EXPECT_EQ(c.remote_mta, "");
  EXPECT_EQ(c.diagnostic_code, "x-facteur; SMTPUTF8 is required, but was not offered by the host");
  EXPECT_EQ(parsed->returned_type, "message/rfc822");
  EXPECT_EQ(parsed->returned, kOriginal);
  EXPECT_NE(parsed->notification.find("<bob@example.org>: host mx1.example.org said: 550 5.1.1"),
            std::string_view::npos);
  EXPECT_NE(parsed->notification.find("(in reply to RCPT TO)"), std::string_view::npos);
  // Every line within RFC 5322 limits.
  std::size_t start = 0;
  while (start < m.size()) {
    auto end = m.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 998u);
    start = end + 2;
  }
}

// RFC 3461 §6.2 / RFC 5321 §4.5.5: never a DSN about a message from <>; one action per DSN.
TEST(Dsn, Refusals) {
  auto r = failed_request();
  r.sender = path("<>");
  EXPECT_FALSE(build_dsn(r));
  r = failed_request();
  r.recipients.clear();
  EXPECT_FALSE(build_dsn(r));
  r = failed_request();
  r.recipients[1].action = DsnAction::delayed;
  EXPECT_FALSE(build_dsn(r));
}

// RFC 3461 §4.1 NOTIFY semantics.
TEST(Dsn, Wanted) {
  using smtp::kNotifyDelay, smtp::kNotifyFailure, smtp::kNotifyNever, smtp::kNotifyNone,
      smtp::kNotifySuccess;
  EXPECT_TRUE(dsn_wanted(kNotifyNone, DsnAction::failed));
  EXPECT_TRUE(dsn_wanted(kNotifyNone, DsnAction::delayed));
  EXPECT_FALSE(dsn_wanted(kNotifyNone, DsnAction::delayed, false));
  EXPECT_FALSE(dsn_wanted(kNotifyNone, DsnAction::relayed));
  EXPECT_FALSE(dsn_wanted(kNotifyNever, DsnAction::failed));
  EXPECT_TRUE(dsn_wanted(kNotifySuccess, DsnAction::relayed));
  EXPECT_TRUE(dsn_wanted(kNotifySuccess, DsnAction::delivered));
  EXPECT_FALSE(dsn_wanted(kNotifySuccess, DsnAction::failed));
  EXPECT_TRUE(dsn_wanted(kNotifyFailure | kNotifyDelay, DsnAction::delayed));
  EXPECT_FALSE(dsn_wanted(kNotifyFailure, DsnAction::delayed));
}

// Delay notices: 4.x.x, Will-Retry-Until, the header only (RFC 3461 §4.3).
TEST(Dsn, Delayed) {
  auto r = failed_request();
  r.recipients.resize(1);
  auto& d = r.recipients[0];
  d.action = DsnAction::delayed;
  d.status = "4.4.1";
  d.remote_reply = smtp::Reply{451, "4.4.1", "try again later"};
  d.will_retry_until = kNow + days(5);
  auto dsn = build_dsn(r);
  ASSERT_TRUE(dsn);
  auto parsed = parse_dsn(dsn->message);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->recipients.size(), 1u);
  EXPECT_EQ(parsed->recipients[0].action, "delayed");
  EXPECT_EQ(parsed->recipients[0].will_retry_until, "Thu, 19 Mar 2026 15:09:26 +0000");
  EXPECT_EQ(parsed->returned_type, "text/rfc822-headers");
  EXPECT_TRUE(kOriginal.starts_with(parsed->returned));
  EXPECT_TRUE(parsed->returned.ends_with("Message-ID: <1@example.net>\r\n\r\n"));
  EXPECT_NE(dsn->message.find("Subject: Delayed Mail"), std::string::npos);
}

// NOTIFY=SUCCESS relayed to a peer without DSN: Action relayed, 2.0.0, headers only.
TEST(Dsn, Relayed) {
  auto r = failed_request();
  r.recipients.resize(1);
  auto& d = r.recipients[0];
  d = {};
  d.final_recipient = path("<bob@example.org>");
  d.action = DsnAction::relayed;
  d.remote_mta = "mx1.example.org";
  d.remote_reply = smtp::Reply{250, "2.0.0", "queued as 12345"};
  d.remote_stage = "end of data";
  auto dsn = build_dsn(r);
  ASSERT_TRUE(dsn);
  auto parsed = parse_dsn(dsn->message);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->recipients[0].action, "relayed");
  EXPECT_EQ(parsed->recipients[0].status, "2.0.0");
  EXPECT_EQ(parsed->returned_type, "text/rfc822-headers");
}

// RET=HDRS, and a message over the size limit: headers only.
TEST(Dsn, ReturnedContent) {
  auto r = failed_request();
  r.ret = smtp::DsnRet::headers;
  // parse_dsn() views point into the message: keep each DSN alive while it is looked at.
  auto dsn = build_dsn(r);
  auto parsed = parse_dsn(dsn->message);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->returned_type, "text/rfc822-headers");
  r = failed_request();
  r.limits.max_returned_message = 10;
  dsn = build_dsn(r);
  parsed = parse_dsn(dsn->message);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->returned_type, "text/rfc822-headers");
  // A message with bare LF line ends comes back with CRLF.
  r = failed_request();
  std::string lf = "Subject: x\n\nbody\n";
  r.original_message = lf;
  dsn = build_dsn(r);
  parsed = parse_dsn(dsn->message);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->returned, "Subject: x\r\n\r\nbody\r\n");
}

// RFC 6533: SMTPUTF8 mail gets message/global-delivery-status and message/global, UTF-8
// addresses written as they are.
TEST(Dsn, Global) {
  auto r = failed_request();
  r.smtputf8 = true;
  r.recipients[0].final_recipient = path("<j\xc3\xb6rg@example.org>");
  r.recipients[0].original = smtp::OriginalRecipient{"utf-8", "J\xc3\xb6rg@example.org"};
  auto dsn = build_dsn(r);
  ASSERT_TRUE(dsn);
  EXPECT_TRUE(dsn->smtputf8);
  auto parsed = parse_dsn(dsn->message);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->status_type, "message/global-delivery-status");
  EXPECT_EQ(parsed->returned_type, "message/global");
  EXPECT_EQ(parsed->recipients[0].final_recipient, "utf-8; j\xc3\xb6rg@example.org");
  EXPECT_EQ(parsed->recipients[0].original_recipient, "utf-8; J\xc3\xb6rg@example.org");

  // Not SMTPUTF8 but a UTF-8 ORCPT: the RFC 6533 xtext form keeps the report 7-bit.
  r = failed_request();
  r.recipients[0].original = smtp::OriginalRecipient{"utf-8", "J\xc3\xb6rg@example.org"};
  dsn = build_dsn(r);
  parsed = parse_dsn(dsn->message);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->status_type, "message/delivery-status");
  EXPECT_EQ(parsed->recipients[0].original_recipient, "utf-8;J\\x{F6}rg@example.org");
}

// Remote text cannot inject header fields or break the report.
TEST(Dsn, HostileRemoteReply) {
  auto r = failed_request();
  r.recipients[0].remote_reply = smtp::Reply{
      550, "5.0.0", "bad\r\nAction: delivered\r\n\r\nFinal-Recipient: x" + std::string(3000, 'y')};
  auto dsn = build_dsn(r);
  ASSERT_TRUE(dsn);
  auto parsed = parse_dsn(dsn->message);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->recipients.size(), 2u);
  EXPECT_EQ(parsed->recipients[0].action, "failed");
  // RFC 5322 §2.1.1: no line over 998 octets, however long the remote text.
  const auto& m = dsn->message;
  for (std::size_t start = 0, end = 0; start < m.size(); start = end + 2) {
    end = m.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 998u);
  }
  EXPECT_NE(parsed->notification.find("yyyy"), std::string_view::npos);
}

TEST(Dsn, ParseRejectsOtherMessages) {
  EXPECT_FALSE(parse_dsn(kOriginal));
  EXPECT_FALSE(
      parse_dsn("Content-Type: multipart/report; report-type=disposition-notification;"
                " boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"));
}

// Python's email package reads the same structure (skipped without python3).
TEST(Dsn, PythonEmailPackageAgrees) {
  if (std::system("python3 -c 'import email' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "python3 not available";
  auto dsn = build_dsn(failed_request());
  ASSERT_TRUE(dsn);
  std::string dir = ::testing::TempDir();
  std::string in = dir + "/facteur_dsn.eml", out = dir + "/facteur_dsn.txt";
  {
    std::ofstream f(in, std::ios::binary);
    f << dsn->message;
  }
  std::string script =
      "import email, email.policy, sys\n"
      "m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n"
      "out = [m.get_content_type(), m.get_param('report-type')]\n"
      "parts = m.get_payload()\n"
      "out += [p.get_content_type() for p in parts]\n"
      "blocks = parts[1].get_payload()\n"
      "out.append(str(len(blocks)))\n"
      "out += [b['Action'] + ' ' + b['Status'] for b in blocks[1:]]\n"
      "out.append(parts[2].get_payload()[0]['Subject'])\n"
      "out.append(str(len(m.defects) + sum(len(p.defects) for p in m.walk())))\n"
      "open(sys.argv[2], 'w').write('\\n'.join(out))\n";
  std::string py = dir + "/facteur_dsn.py";
  {
    std::ofstream f(py);
    f << script;
  }
  ASSERT_EQ(std::system(("python3 " + py + " " + in + " " + out).c_str()), 0);
  std::ifstream f(out);
  std::string result((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(result,
            "multipart/report\ndelivery-status\ntext/plain\nmessage/delivery-status\n"
            "message/rfc822\n3\nfailed 5.1.1\nfailed 5.6.7\nLunch\n0");
}

}  // namespace
}  // namespace facteur::queue
