// The SMTP client against scripted servers: each step is what the client must have written so
// far and what the server answers to it.
#include "proto/smtp/client_protocol.hpp"

#include <gtest/gtest.h>

#include "base/base64.hpp"
#include "proto/smtp/message_content.hpp"

namespace facteur::smtp {
namespace {

using namespace std::string_literals;

mail::Path path(std::string_view text) {
  mail::PathOptions o;
  o.smtputf8 = true;
  auto p = mail::parse_forward_path(text, o);
  if (!p) {
    auto r = mail::parse_reverse_path(text, o);
    EXPECT_TRUE(r) << text;
    return r ? *r : mail::Path{};
  }
  return *p;
}

const std::string kBody = "From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n.dot\r\n";

OutboundMessage message(std::vector<std::string> rcpts, std::string_view data = kBody,
                        std::string_view from = "<a@example.org>") {
  OutboundMessage m;
  m.reverse_path = path(from);
  for (auto& r : rcpts)
    m.recipients.push_back({path(r), kNotifyNone, std::nullopt});
  m.data = data;
  return m;
}

struct Step {
  std::string client;  // everything the client wrote since the last step
  std::string server;  // then the server sends this
};

struct Outcome {
  std::vector<MessageResult> results;
  std::optional<ClientClosed> closed;
  std::string trailing;  // output after the last step
  int tls = 0;
};

ClientOptions options() {
  ClientOptions o;
  o.helo_name = "out.example.net";
  return o;
}

// Runs the client: sends `messages` one per ClientReady (then QUIT), answers STARTTLS with
// success unless tls_ok is false, checks each step's client output.
Outcome run(const std::vector<Step>& steps, std::vector<OutboundMessage> messages,
            ClientOptions o = options(), bool tls_ok = true) {
  ClientProtocol c(std::move(o));
  Outcome out;
  std::size_t next = 0;
  auto drain = [&] {
    std::string written;
    while (true) {
      bool any = false;
      while (auto ev = c.next_event()) {
        any = true;
        if (std::holds_alternative<ClientReady>(*ev)) {
          if (next < messages.size()) {
            EXPECT_TRUE(c.send(messages[next++]));
          } else {
            c.quit();
          }
        } else if (auto* done = std::get_if<MessageDone>(&*ev)) {
          out.results.push_back(done->result);
        } else if (auto* closed = std::get_if<ClientClosed>(&*ev)) {
          EXPECT_FALSE(out.closed) << "ClientClosed twice";
          out.closed = *closed;
        } else if (std::holds_alternative<ClientStartTls>(*ev)) {
          ++out.tls;
          written += c.take_output();
          if (tls_ok) {
            c.tls_established();
          } else {
            c.tls_failed();
          }
        }
      }
      for (auto chunk = c.take_output(); !chunk.empty(); chunk = c.take_output()) {
        any = true;
        written += chunk;
      }
      if (!any) break;
    }
    return written;
  };
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(drain(), steps[i].client) << "step " << i;
    if (i + 1 < steps.size() || !steps[i].server.empty()) {
      EXPECT_TRUE(c.wants_input() || c.closed()) << "step " << i;
    }
    c.receive(steps[i].server);
  }
  out.trailing = drain();
  return out;
}

const std::string kEhloPlain = "250-mx.example.org\r\n250-SIZE 100000\r\n250 8BITMIME\r\n";
const std::string kEhloPipe =
    "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250-8BITMIME\r\n"
    "250 ENHANCEDSTATUSCODES\r\n";
const std::string kStuffed = "From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n..dot\r\n.\r\n";
const std::string kSize = std::to_string(kBody.size());

// RFC 5321 D.1 shape, lock-step: one command, one reply; a refused recipient does not stop the
// others; QUIT at the end.
TEST(ClientProtocol, LockStepTransaction) {
  auto o = run({{"", "220 mx.example.org ESMTP\r\n"},
                {"EHLO out.example.net\r\n", kEhloPlain},
                {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\n", "250 2.1.0 Ok\r\n"},
                {"RCPT TO:<b@example.org>\r\n", "250 2.1.5 Ok\r\n"},
                {"RCPT TO:<c@example.org>\r\n", "550 5.1.1 <c@example.org>: unknown\r\n"},
                {"RCPT TO:<d@example.org>\r\n", "450-4.2.0 greylisted\r\n450 4.2.0 come back\r\n"},
                {"DATA\r\n", "354 go\r\n"},
                {kStuffed, "250 2.0.0 queued as X\r\n"},
                {"QUIT\r\n", "221 2.0.0 bye\r\n"}},
               {message({"<b@example.org>", "<c@example.org>", "<d@example.org>"})});
  ASSERT_EQ(o.results.size(), 1u);
  const auto& r = o.results[0].recipients;
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].status, DeliveryStatus::delivered);
  EXPECT_EQ(r[0].reply.text, "queued as X");
  EXPECT_EQ(r[0].stage, "end of data");
  EXPECT_EQ(r[1].status, DeliveryStatus::permanent_failure);
  EXPECT_EQ(r[1].reply.code, 550);
  EXPECT_EQ(r[1].reply.enhanced, "5.1.1");
  EXPECT_EQ(r[1].reply.text, "<c@example.org>: unknown");
  EXPECT_EQ(r[1].stage, "RCPT TO");
  EXPECT_TRUE(r[1].remote);
  EXPECT_EQ(r[2].status, DeliveryStatus::temporary_failure);
  EXPECT_EQ(r[2].reply.text, "greylisted\ncome back");
  EXPECT_FALSE(o.results[0].peer_dsn);
  ASSERT_TRUE(o.closed);
  EXPECT_EQ(o.closed->failure, SessionFailure::none);
}

// RFC 2920 §3.1: MAIL, RCPTs and DATA in one group, replies matched in order.
TEST(ClientProtocol, Pipelined) {
  auto o = run({{"", "220 mx\r\n"},
                {"EHLO out.example.net\r\n", kEhloPipe},
                {"MAIL FROM:<a@example.org> SIZE=" + kSize +
                     "\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n",
                 "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no\r\n354 go\r\n"},
                {kStuffed, "250 2.0.0 Ok\r\n"},
                {"QUIT\r\n", "221 bye\r\n"}},
               {message({"<b@example.org>", "<c@example.org>"})});
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::delivered);
  EXPECT_EQ(o.results[0].recipients[1].status, DeliveryStatus::permanent_failure);
}

// RFC 2920 §3.1: every RCPT refused; the DATA in the group gets 554 (or a wrong 354, answered
// with a lone "."). The transaction is reset before the next message.
TEST(ClientProtocol, PipelinedNoValidRecipients) {
  auto o =
      run({{"", "220 mx\r\n"},
           {"EHLO out.example.net\r\n", kEhloPipe},
           {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\nRCPT TO:<b@example.org>\r\nDATA\r\n",
            "250 Ok\r\n450 4.2.1 later\r\n554 5.5.1 no valid recipients\r\n"},
           {"RSET\r\nMAIL FROM:<a@example.org> SIZE=" + kSize +
                "\r\nRCPT TO:<c@example.org>\r\nDATA\r\n",
            "250 Ok\r\n250 Ok\r\n550 5.1.1 no\r\n354 go ahead anyway\r\n"},
           {".\r\n", "554 no data\r\n"},
           {"QUIT\r\n", "221 bye\r\n"}},
          {message({"<b@example.org>"}), message({"<c@example.org>"})});
  ASSERT_EQ(o.results.size(), 2u);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::temporary_failure);
  EXPECT_EQ(o.results[0].recipients[0].reply.enhanced, "4.2.1");
  EXPECT_EQ(o.results[1].recipients[0].status, DeliveryStatus::permanent_failure);
  EXPECT_EQ(o.results[1].recipients[0].reply.code, 550);
}

TEST(ClientProtocol, MailRefused) {
  // Pipelined: the RCPT and DATA replies that follow are consumed, the MAIL reply decides.
  auto o =
      run({{"", "220 mx\r\n"},
           {"EHLO out.example.net\r\n", kEhloPipe},
           {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\nRCPT TO:<b@example.org>\r\nDATA\r\n",
            "553 5.7.1 sender refused\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n"},
           {"QUIT\r\n", ""}},
          {message({"<b@example.org>"})});
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::permanent_failure);
  EXPECT_EQ(o.results[0].recipients[0].reply.text, "sender refused");
  EXPECT_EQ(o.results[0].recipients[0].stage, "MAIL FROM");

  // Lock-step: no RCPT after a refused MAIL, and no RSET needed before the next one.
  o = run({{"", "220 mx\r\n"},
           {"EHLO out.example.net\r\n", kEhloPlain},
           {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\n", "451 4.3.0 try later\r\n"},
           {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\n", "250 ok\r\n"},
           {"RCPT TO:<c@example.org>\r\n", "250 ok\r\n"},
           {"DATA\r\n", "354 go\r\n"},
           {kStuffed, "250 ok\r\n"},
           {"QUIT\r\n", ""}},
          {message({"<b@example.org>"}), message({"<c@example.org>"})});
  ASSERT_EQ(o.results.size(), 2u);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::temporary_failure);
  EXPECT_EQ(o.results[1].recipients[0].status, DeliveryStatus::delivered);
}

TEST(ClientProtocol, DataAndFinalReplies) {
  // DATA refused: RSET before the next message (MAIL had succeeded).
  auto o = run(
      {{"", "220 mx\r\n"},
       {"EHLO out.example.net\r\n", kEhloPlain},
       {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\n", "250 ok\r\n"},
       {"RCPT TO:<b@example.org>\r\n", "250 ok\r\n"},
       {"DATA\r\n", "451 4.3.0 no data now\r\n"},
       {"RSET\r\n", "250 ok\r\n"},
       {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\n", "250 ok\r\n"},
       {"RCPT TO:<b@example.org>\r\n", "250 ok\r\n"},
       {"DATA\r\n", "354 go\r\n"},
       {kStuffed, "552 5.3.4 too big for me\r\n"},
       {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\n", "250 ok\r\n"},
       {"RCPT TO:<b@example.org>\r\n", "250 ok\r\n"},
       {"DATA\r\n", "354 go\r\n"},
       {kStuffed, "452 4.2.2 mailbox full\r\n"},
       {"QUIT\r\n", "221 bye\r\n"}},
      {message({"<b@example.org>"}), message({"<b@example.org>"}), message({"<b@example.org>"})});
  ASSERT_EQ(o.results.size(), 3u);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::temporary_failure);
  EXPECT_EQ(o.results[0].recipients[0].stage, "DATA");
  EXPECT_EQ(o.results[1].recipients[0].status, DeliveryStatus::permanent_failure);
  EXPECT_EQ(o.results[1].recipients[0].stage, "end of data");
  EXPECT_EQ(o.results[2].recipients[0].status, DeliveryStatus::temporary_failure);
}

// RFC 5321 §4.1.4: a server that does not know EHLO answers 500/502; HELO then, and no
// extension is used: the 8-bit body is converted (RFC 6152 §3) and no parameter is sent.
TEST(ClientProtocol, HeloFallback) {
  std::string body = "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ncaf\xc3\xa9\r\n";
  std::string converted = *convert_to_7bit(body);
  WireEncoder e(true);
  std::string wire;
  e.feed(converted, wire);
  e.finish(wire);
  auto o = run({{"", "220 old.example\r\n"},
                {"EHLO out.example.net\r\n", "502 what?\r\n"},
                {"HELO out.example.net\r\n", "250 old.example\r\n"},
                {"MAIL FROM:<a@example.org>\r\n", "250 ok\r\n"},
                {"RCPT TO:<b@example.org>\r\n", "250 ok\r\n"},
                {"DATA\r\n", "354 go\r\n"},
                {wire, "250 ok\r\n"},
                {"QUIT\r\n", "221 bye\r\n"}},
               {message({"<b@example.org>"}, body)});
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_TRUE(o.results[0].converted_to_7bit);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::delivered);
  EXPECT_NE(wire.find("caf=C3=A9"), std::string::npos);

  // 8-bit header fields cannot be converted: 5.6.3, nothing sent.
  o = run({{"", "220 old.example\r\n"},
           {"EHLO out.example.net\r\n", "500 unknown\r\n"},
           {"HELO out.example.net\r\n", "250 old.example\r\n"},
           {"QUIT\r\n", ""}},
          {message({"<b@example.org>"}, "Subject: caf\xc3\xa9\r\n\r\nx\r\n")});
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::permanent_failure);
  EXPECT_EQ(o.results[0].recipients[0].reply.enhanced, "5.6.3");
  EXPECT_FALSE(o.results[0].recipients[0].remote);

  // HELO refused too.
  o = run({{"", "220 x\r\n"},
           {"EHLO out.example.net\r\n", "550 no\r\n"},
           {"HELO out.example.net\r\n", "550 go away\r\n"}},
          {});
  ASSERT_TRUE(o.closed);
  EXPECT_EQ(o.closed->failure, SessionFailure::hello);
  EXPECT_TRUE(o.closed->permanent);
  EXPECT_EQ(o.trailing, "QUIT\r\n");
}

// RFC 5321 §3.1 and §3.8: 554 at the greeting, 421 anywhere.
TEST(ClientProtocol, GreetingAnd421) {
  auto o = run({{"", "554 5.7.1 no service for you\r\n"}}, {message({"<b@example.org>"})});
  ASSERT_TRUE(o.closed);
  EXPECT_EQ(o.closed->failure, SessionFailure::greeting);
  EXPECT_TRUE(o.closed->permanent);
  EXPECT_EQ(o.closed->reply->text, "no service for you");
  EXPECT_EQ(o.trailing, "QUIT\r\n");
  EXPECT_TRUE(o.results.empty());

  o = run({{"", "220 mx\r\n"},
           {"EHLO out.example.net\r\n", kEhloPipe},
           {"MAIL FROM:<a@example.org> SIZE=" + kSize +
                "\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n",
            "250 ok\r\n250 ok\r\n421 4.3.2 shutting down\r\n"}},
          {message({"<b@example.org>", "<c@example.org>"})});
  ASSERT_EQ(o.results.size(), 1u);
  for (const auto& r : o.results[0].recipients) {
    EXPECT_EQ(r.status, DeliveryStatus::temporary_failure);
    EXPECT_EQ(r.reply.code, 421);
  }
  EXPECT_EQ(o.results[0].recipients[1].stage, "RCPT TO");
  ASSERT_TRUE(o.closed);
  EXPECT_EQ(o.closed->failure, SessionFailure::peer_closed);
  EXPECT_FALSE(o.closed->permanent);
  EXPECT_EQ(o.trailing, "");
}

// RFC 3207: STARTTLS, then EHLO again with what TLS offers; bytes behind the 220 are dropped.
TEST(ClientProtocol, StartTls) {
  std::string ehlo_clear = "250-mx\r\n250-STARTTLS\r\n250 SIZE 10\r\n";
  auto o =
      run({{"", "220 mx\r\n"},
           {"EHLO out.example.net\r\n", ehlo_clear},
           {"STARTTLS\r\n", "220 2.0.0 go\r\n250 injected\r\n"},
           {"EHLO out.example.net\r\n", kEhloPipe},
           {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\nRCPT TO:<b@example.org>\r\nDATA\r\n",
            "250 ok\r\n250 ok\r\n354 go\r\n"},
           {kStuffed, "250 ok\r\n"},
           {"QUIT\r\n", "221 bye\r\n"}},
          {message({"<b@example.org>"})});
  EXPECT_EQ(o.tls, 1);
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::delivered);

  // Opportunistic and refused: carry on in clear. Required and refused: fail.
  auto opp = run({{"", "220 mx\r\n"},
                  {"EHLO out.example.net\r\n", "250-mx\r\n250 STARTTLS\r\n"},
                  {"STARTTLS\r\n", "454 4.7.0 TLS not available\r\n"},
                  {"QUIT\r\n", ""}},
                 {});
  EXPECT_EQ(opp.tls, 0);
  auto co = options();
  co.starttls = TlsMode::required;
  auto req = run({{"", "220 mx\r\n"},
                  {"EHLO out.example.net\r\n", "250-mx\r\n250 STARTTLS\r\n"},
                  {"STARTTLS\r\n", "454 4.7.0 TLS not available\r\n"}},
                 {}, co);
  ASSERT_TRUE(req.closed);
  EXPECT_EQ(req.closed->failure, SessionFailure::tls);
  req = run({{"", "220 mx\r\n"}, {"EHLO out.example.net\r\n", "250 mx\r\n"}}, {}, co);
  ASSERT_TRUE(req.closed);
  EXPECT_EQ(req.closed->failure, SessionFailure::tls);
  EXPECT_EQ(req.trailing, "QUIT\r\n");
  // A failed handshake writes nothing more.
  auto bad = run({{"", "220 mx\r\n"},
                  {"EHLO out.example.net\r\n", "250-mx\r\n250 STARTTLS\r\n"},
                  {"STARTTLS\r\n", "220 go\r\n"}},
                 {message({"<b@example.org>"})}, options(), false);
  ASSERT_TRUE(bad.closed);
  EXPECT_EQ(bad.closed->failure, SessionFailure::tls);
  EXPECT_EQ(bad.trailing, "");
  // Implicit TLS: STARTTLS is not used even if offered.
  auto imp = options();
  imp.tls_active = true;
  auto i = run({{"", "220 mx\r\n"},
                {"EHLO out.example.net\r\n", "250-mx\r\n250 STARTTLS\r\n"},
                {"QUIT\r\n", ""}},
               {}, imp);
  EXPECT_EQ(i.tls, 0);
}

// RFC 4954 + RFC 4616: smarthost login, PLAIN preferred, LOGIN otherwise; never in clear.
TEST(ClientProtocol, Auth) {
  auto o = options();
  o.tls_active = true;
  o.auth = ClientCredentials{"user", "pw"};
  auto r = run({{"", "220 smart\r\n"},
                {"EHLO out.example.net\r\n", "250-smart\r\n250 AUTH LOGIN PLAIN\r\n"},
                {"AUTH PLAIN " + base64_encode("\0user\0pw"s) + "\r\n", "235 2.7.0 ok\r\n"},
                {"QUIT\r\n", ""}},
               {}, o);
  EXPECT_FALSE(r.closed && r.closed->failure != SessionFailure::none);

  r = run({{"", "220 smart\r\n"},
           {"EHLO out.example.net\r\n", "250-smart\r\n250 AUTH=LOGIN\r\n"},
           {"AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n"},
           {base64_encode("user") + "\r\n", "334 UGFzc3dvcmQ6\r\n"},
           {base64_encode("pw") + "\r\n", "535 5.7.8 bad\r\n"}},
          {}, o);
  ASSERT_TRUE(r.closed);
  EXPECT_EQ(r.closed->failure, SessionFailure::auth);
  EXPECT_TRUE(r.closed->permanent);
  EXPECT_EQ(r.trailing, "QUIT\r\n");

  r = run(
      {{"", "220 smart\r\n"}, {"EHLO out.example.net\r\n", "250-smart\r\n250 AUTH CRAM-MD5\r\n"}},
      {}, o);
  ASSERT_TRUE(r.closed);
  EXPECT_EQ(r.closed->failure, SessionFailure::auth);

  o.tls_active = false;
  o.starttls = TlsMode::none;
  r = run({{"", "220 smart\r\n"}, {"EHLO out.example.net\r\n", "250-smart\r\n250 AUTH PLAIN\r\n"}},
          {}, o);
  ASSERT_TRUE(r.closed);
  EXPECT_EQ(r.closed->failure, SessionFailure::auth);
  EXPECT_EQ(r.trailing, "QUIT\r\n");  // no credentials went out
}

// RFC 6531 §3.4: without SMTPUTF8 at the peer, UTF-8 addresses fail with 5.6.7.
TEST(ClientProtocol, Smtputf8) {
  auto m = message({"<b@example.org>", "<j\xc3\xb6rg@example.org>"});
  auto o = run({{"", "220 mx\r\n"},
                {"EHLO out.example.net\r\n", kEhloPlain},
                {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\n", "250 ok\r\n"},
                {"RCPT TO:<b@example.org>\r\n", "250 ok\r\n"},
                {"DATA\r\n", "354 go\r\n"},
                {kStuffed, "250 ok\r\n"},
                {"QUIT\r\n", ""}},
               {m});
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::delivered);
  EXPECT_EQ(o.results[0].recipients[1].status, DeliveryStatus::permanent_failure);
  EXPECT_EQ(o.results[0].recipients[1].reply.enhanced, "5.6.7");

  // A UTF-8 sender, or UTF-8 headers with SMTPUTF8 asked: nothing can go.
  auto m2 = message({"<b@example.org>"}, kBody, "<j\xc3\xb6rg@example.org>");
  std::string utf8_headers = "Subject: gr\xc3\xbc\xc3\x9f\x65\r\n\r\nx\r\n";
  auto m3 = message({"<b@example.org>"}, utf8_headers);
  m3.smtputf8 = true;
  o = run({{"", "220 mx\r\n"}, {"EHLO out.example.net\r\n", kEhloPlain}, {"QUIT\r\n", ""}},
          {m2, m3});
  ASSERT_EQ(o.results.size(), 2u);
  EXPECT_EQ(o.results[0].recipients[0].reply.enhanced, "5.6.7");
  EXPECT_EQ(o.results[1].recipients[0].reply.enhanced, "5.6.7");

  // With SMTPUTF8 at the peer: the parameter and BODY=8BITMIME go with it.
  std::string ehlo = "250-mx\r\n250-SMTPUTF8\r\n250 8BITMIME\r\n";
  o = run({{"", "220 mx\r\n"},
           {"EHLO out.example.net\r\n", ehlo},
           {"MAIL FROM:<a@example.org> BODY=8BITMIME SMTPUTF8\r\n", "250 ok\r\n"},
           {"RCPT TO:<b@example.org>\r\n", "250 ok\r\n"},
           {"DATA\r\n", "354 go\r\n"},
           {utf8_headers + ".\r\n", "250 ok\r\n"},
           {"QUIT\r\n", ""}},
          {m3});
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_TRUE(o.results[0].smtputf8);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::delivered);
}

// RFC 1870 §6.1: too big for the peer's SIZE fails at once; RFC 6152: BODY=8BITMIME.
TEST(ClientProtocol, SizeAnd8bitmime) {
  std::string big(200, 'x');
  auto o = run({{"", "220 mx\r\n"},
                {"EHLO out.example.net\r\n", "250-mx\r\n250 SIZE 100\r\n"},
                {"QUIT\r\n", ""}},
               {message({"<b@example.org>"}, "Subject: x\r\n\r\n" + big + "\r\n")});
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::permanent_failure);
  EXPECT_EQ(o.results[0].recipients[0].reply.enhanced, "5.3.4");

  std::string body = "Subject: x\r\n\r\ncaf\xc3\xa9\r\n";
  o = run({{"", "220 mx\r\n"},
           {"EHLO out.example.net\r\n", kEhloPlain},
           {"MAIL FROM:<a@example.org> SIZE=" + std::to_string(body.size()) + " BODY=8BITMIME\r\n",
            "250 ok\r\n"},
           {"RCPT TO:<b@example.org>\r\n", "250 ok\r\n"},
           {"DATA\r\n", "354 go\r\n"},
           {body + ".\r\n", "250 ok\r\n"},
           {"QUIT\r\n", ""}},
          {message({"<b@example.org>"}, body)});
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_FALSE(o.results[0].converted_to_7bit);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::delivered);
}

// RFC 3461: the DSN parameters go to a peer that offers DSN, xtext-encoded.
TEST(ClientProtocol, DsnParameters) {
  auto m = message({"<b@example.org>", "<c@example.org>"});
  m.ret = DsnRet::headers;
  m.envid = "QQ314159+x";
  m.recipients[0].notify = kNotifySuccess | kNotifyFailure;
  m.recipients[0].orcpt = OriginalRecipient{"rfc822", "B=1@example.org"};
  m.recipients[1].notify = kNotifyNever;
  m.recipients[1].orcpt = OriginalRecipient{"utf-8", "j\xc3\xb6rg@example.org"};
  auto o =
      run({{"", "220 mx\r\n"},
           {"EHLO out.example.net\r\n", "250-mx\r\n250 DSN\r\n"},
           {"MAIL FROM:<a@example.org> RET=HDRS ENVID=QQ314159+2Bx\r\n", "250 ok\r\n"},
           {"RCPT TO:<b@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;B+3D1@example.org\r\n",
            "250 ok\r\n"},
           {"RCPT TO:<c@example.org> NOTIFY=NEVER ORCPT=utf-8;j\\x{F6}rg@example.org\r\n",
            "250 ok\r\n"},
           {"DATA\r\n", "354 go\r\n"},
           {kStuffed, "250 ok\r\n"},
           {"QUIT\r\n", ""}},
          {m});
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_TRUE(o.results[0].peer_dsn);
  // Without DSN at the peer nothing of it goes out, and the queue is told.
  o = run({{"", "220 mx\r\n"},
           {"EHLO out.example.net\r\n", "250-mx\r\n250 PIPELINING\r\n"},
           {"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\n"
            "DATA\r\n",
            "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"},
           {kStuffed, "250 ok\r\n"},
           {"QUIT\r\n", ""}},
          {m});
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_FALSE(o.results[0].peer_dsn);
}

// RFC 3030: one BDAT chunk, no dot-stuffing, pipelined after the RCPT replies are known.
TEST(ClientProtocol, Chunking) {
  std::string ehlo = "250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SIZE 0\r\n";
  auto o = run({{"", "220 mx\r\n"},
                {"EHLO out.example.net\r\n", ehlo},
                {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\nRCPT TO:<b@example.org>\r\n",
                 "250 ok\r\n250 ok\r\n"},
                {"BDAT " + kSize + " LAST\r\n" + kBody, "250 2.0.0 ok\r\n"},
                {"QUIT\r\n", ""}},
               {message({"<b@example.org>"})});
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::delivered);
  EXPECT_EQ(o.results[0].recipients[0].stage, "BDAT");
  // No recipient: no BDAT at all.
  o = run({{"", "220 mx\r\n"},
           {"EHLO out.example.net\r\n", ehlo},
           {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\nRCPT TO:<b@example.org>\r\n",
            "250 ok\r\n550 no\r\n"},
           {"QUIT\r\n", ""}},
          {message({"<b@example.org>"})});
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::permanent_failure);
  // Chunking turned off by option: DATA.
  auto co = options();
  co.chunking = false;
  o = run({{"", "220 mx\r\n"},
           {"EHLO out.example.net\r\n", ehlo},
           {"MAIL FROM:<a@example.org> SIZE=" + kSize + "\r\nRCPT TO:<b@example.org>\r\nDATA\r\n",
            "250 ok\r\n250 ok\r\n354 go\r\n"},
           {kStuffed, "250 ok\r\n"},
           {"QUIT\r\n", ""}},
          {message({"<b@example.org>"})}, co);
  EXPECT_EQ(o.results[0].recipients[0].status, DeliveryStatus::delivered);
}

TEST(ClientProtocol, ConnectionTrouble) {
  // Lost while waiting for the end-of-data reply: temporary, our own reply.
  ClientProtocol c(options());
  c.receive("220 mx\r\n");
  EXPECT_FALSE(c.next_event());
  EXPECT_EQ(c.take_output(), "EHLO out.example.net\r\n");
  EXPECT_EQ(c.phase(), ClientPhase::command);
  c.receive(kEhloPlain);
  auto ev = c.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<ClientReady>(*ev));
  auto m = message({"<b@example.org>"});
  ASSERT_TRUE(c.send(m));
  EXPECT_FALSE(c.send(m));  // one at a time
  c.take_output();
  EXPECT_EQ(c.phase(), ClientPhase::mail);
  c.receive("250 ok\r\n");
  EXPECT_FALSE(c.next_event());
  c.take_output();
  EXPECT_EQ(c.phase(), ClientPhase::rcpt);
  c.receive("250 ok\r\n");
  EXPECT_FALSE(c.next_event());
  c.take_output();
  EXPECT_EQ(c.phase(), ClientPhase::data_init);
  EXPECT_EQ(c.read_timeout(), std::chrono::minutes(2));
  c.receive("354 go\r\n");
  EXPECT_FALSE(c.next_event());
  EXPECT_EQ(c.phase(), ClientPhase::data_block);
  EXPECT_FALSE(c.wants_input());
  EXPECT_EQ(c.take_output(), kStuffed);
  EXPECT_EQ(c.phase(), ClientPhase::data_end);
  EXPECT_EQ(c.read_timeout(), std::chrono::minutes(10));
  EXPECT_TRUE(c.wants_input());
  c.connection_lost();
  ev = c.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<MessageDone>(*ev));
  const auto& r = std::get<MessageDone>(*ev).result.recipients[0];
  EXPECT_EQ(r.status, DeliveryStatus::temporary_failure);
  EXPECT_FALSE(r.remote);
  EXPECT_EQ(r.reply.enhanced, "4.4.2");
  EXPECT_NE(r.reply.text.find("end of data"), std::string::npos);
  ev = c.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<ClientClosed>(*ev));
  EXPECT_EQ(std::get<ClientClosed>(*ev).failure, SessionFailure::connection_lost);
  EXPECT_TRUE(c.closed());
  EXPECT_FALSE(c.next_event());

  // Timeout at the greeting.
  ClientProtocol t(options());
  EXPECT_EQ(t.phase(), ClientPhase::greeting);
  EXPECT_EQ(t.read_timeout(), std::chrono::minutes(5));
  t.timed_out();
  ev = t.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<ClientClosed>(*ev));
  EXPECT_EQ(std::get<ClientClosed>(*ev).failure, SessionFailure::timeout);

  // Garbage instead of a reply.
  auto g = run({{"", "220 mx\r\n"}, {"EHLO out.example.net\r\n", "HTTP/1.1 400 Bad\r\n"}}, {});
  ASSERT_TRUE(g.closed);
  EXPECT_EQ(g.closed->failure, SessionFailure::protocol);
  // An unsolicited reply.
  g = run({{"", "220 mx\r\n250 extra\r\n"}}, {});
  ASSERT_TRUE(g.closed);
  EXPECT_EQ(g.closed->failure, SessionFailure::protocol);
}

// Large messages go out in output_chunk pieces and arrive intact.
TEST(ClientProtocol, StreamsLargeMessages) {
  std::string body = "Subject: big\r\n\r\n";
  for (int i = 0; i < 20000; ++i)
    body += (i % 5 == 0 ? "." : "") + std::to_string(i) + " some text on this line\r\n";
  auto o = options();
  o.output_chunk = 4096;
  ClientProtocol c(o);
  c.receive("220 mx\r\n");
  c.next_event();
  c.take_output();
  c.receive("250-mx\r\n250 PIPELINING\r\n");
  ASSERT_TRUE(std::holds_alternative<ClientReady>(*c.next_event()));
  ASSERT_TRUE(c.send(message({"<b@example.org>"}, body)));
  c.take_output();
  c.receive("250 ok\r\n250 ok\r\n354 go\r\n");
  EXPECT_FALSE(c.next_event());
  std::string wire;
  std::size_t pieces = 0;
  for (auto chunk = c.take_output(); !chunk.empty(); chunk = c.take_output()) {
    ++pieces;
    EXPECT_LE(chunk.size(), 4096u * 2 + 5);  // stuffing can at most double a piece
    wire += chunk;
  }
  EXPECT_GT(pieces, 100u);
  WireEncoder e(true);
  std::string want;
  e.feed(body, want);
  e.finish(want);
  EXPECT_EQ(wire, want);
}

TEST(ClientProtocol, EncodeOrcpt) {
  EXPECT_EQ(encode_orcpt({"rfc822", "a+b=c@example.org"}), "rfc822;a+2Bb+3Dc@example.org");
  EXPECT_EQ(encode_orcpt({"utf-8", "\xe2\x98\x83+\\@example.org"}),
            "utf-8;\\x{2603}\\x{2B}\\x{5C}@example.org");
}

}  // namespace
}  // namespace facteur::smtp
