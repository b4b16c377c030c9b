// Our client against our server, bytes passed by hand: a message goes end to end through
// EHLO, STARTTLS, AUTH, PIPELINING, DATA or BDAT, and arrives as it was sent.
#include <utility>

#include <gtest/gtest.h>

#include "proto/smtp/client_protocol.hpp"
#include "proto/smtp/server_protocol.hpp"

namespace facteur::smtp {
namespace {

using namespace std::string_literals;

struct Received {
  std::string from;
  std::vector<std::string> rcpts;
  std::string data;
  std::string mail_params;
};

struct Loop {
  std::vector<MessageResult> results;
  std::optional<ClientClosed> closed;
  std::vector<Received> delivered;
  std::string server_protocol;  // received_protocol() at the end of data
  bool server_closed = false;
};

mail::Path path(std::string_view text) {
  mail::PathOptions o;
  o.smtputf8 = true;
  auto p = text == "<>" ? mail::parse_reverse_path(text, o) : mail::parse_forward_path(text, o);
  EXPECT_TRUE(p) << text;
  return p ? *p : mail::Path{};
}

Loop run(ServerOptions so, ClientOptions co, std::vector<OutboundMessage> messages,
         std::size_t cut = 0) {
  ServerProtocol server(std::move(so));
  ClientProtocol client(std::move(co));
  Loop out;
  std::size_t next = 0;
  Received current;
  auto serve = [&] {
    while (auto ev = server.next_event()) {
      if (auto* m = std::get_if<MailFrom>(&*ev)) {
        current = {};
        current.from = m->path.to_string();
        if (m->params.body == Body::eight_bit_mime) current.mail_params += " BODY=8BITMIME";
        if (m->params.smtputf8) current.mail_params += " SMTPUTF8";
        if (m->params.size) current.mail_params += " SIZE=" + std::to_string(*m->params.size);
        server.accept_sender();
      } else if (auto* r = std::get_if<RcptTo>(&*ev)) {
        if (r->path.local_part == "unknown") {
          server.reject_recipient({550, "5.1.1", "No such user here"});
        } else {
          current.rcpts.push_back(r->path.to_string());
          server.accept_recipient();
        }
      } else if (auto* c = std::get_if<MessageChunk>(&*ev)) {
        current.data.append(c->bytes);
      } else if (std::holds_alternative<MessageEnd>(*ev)) {
        out.server_protocol = std::string(server.received_protocol());
        out.delivered.push_back(current);
        server.message_accepted("Q" + std::to_string(out.delivered.size()));
      } else if (auto* s = std::get_if<SaslStart>(&*ev)) {
        if (s->initial_response && *s->initial_response == "\0relay\0pw"s) {
          server.auth_succeeded("relay");
        } else {
          server.auth_failed(AuthFailure::bad_credentials);
        }
      } else if (std::holds_alternative<Close>(*ev)) {
        out.server_closed = true;
      }
      // StartTls: answered when the client has read the 220 (both switch together).
    }
  };
  // Moves bytes in pieces of `cut` (0: all at once), the receiver working after each piece.
  auto pass = [&](const std::string& bytes, auto&& receive, auto&& work) {
    std::size_t step = cut == 0 ? std::max<std::size_t>(bytes.size(), 1) : cut;
    for (std::size_t i = 0; i < bytes.size(); i += step) {
      receive(std::string_view(bytes).substr(i, step));
      work();
    }
  };
  std::string to_server;
  auto drive_client = [&] {
    while (true) {
      bool any = false;
      while (auto ev = client.next_event()) {
        any = true;
        if (std::holds_alternative<ClientReady>(*ev)) {
          if (next < messages.size()) {
            EXPECT_TRUE(client.send(messages[next++]));
          } else {
            client.quit();
          }
        } else if (auto* d = std::get_if<MessageDone>(&*ev)) {
          out.results.push_back(d->result);
        } else if (auto* c = std::get_if<ClientClosed>(&*ev)) {
          out.closed = *c;
        } else if (std::holds_alternative<ClientStartTls>(*ev)) {
          to_server += client.take_output();
          server.tls_established();
          client.tls_established();
        }
      }
      for (auto chunk = client.take_output(); !chunk.empty(); chunk = client.take_output()) {
        any = true;
        to_server += chunk;
      }
      if (!any) break;
    }
  };
  server.start();
  for (int round = 0; round < 1000; ++round) {
    serve();
    std::string to_client = server.take_output();
    pass(
        to_client, [&](std::string_view b) { client.receive(b); }, drive_client);
    if (out.closed) break;
    std::string bytes = std::exchange(to_server, {});
    if (bytes.empty() && to_client.empty()) break;  // nobody has anything to say: stuck
    pass(
        bytes, [&](std::string_view b) { server.receive(b); }, serve);
  }
  serve();
  return out;
}

ServerOptions server_options() {
  ServerOptions o;
  o.hostname = "mx.example.org";
  o.tls_available = true;
  return o;
}

ClientOptions client_options() {
  ClientOptions o;
  o.helo_name = "out.example.net";
  return o;
}

const std::string kMessage =
    "From: Alice <alice@example.net>\r\nTo: bob@example.org\r\nSubject: loop\r\n\r\n"
    "Hello Bob.\r\n.\r\n..two dots\r\n.\r\nbye\r\n";

OutboundMessage message(std::string_view data, std::vector<std::string> rcpts) {
  OutboundMessage m;
  m.reverse_path = path("<alice@example.net>");
  for (auto& r : rcpts)
    m.recipients.push_back({path(r), kNotifyNone, std::nullopt});
  m.data = data;  // kMessage: static
  return m;
}

TEST(Loopback, DeliversEndToEnd) {
  for (bool pipelining : {true, false}) {
    for (bool chunking : {true, false}) {
      auto co = client_options();
      co.pipelining = pipelining;
      co.chunking = chunking;
      auto m =
          message(kMessage, {"<bob@example.org>", "<unknown@example.org>", "<carol@example.org>"});
      auto l = run(server_options(), co, {m, m});
      std::string how =
          std::string(pipelining ? "pipelined" : "lock-step") + (chunking ? " BDAT" : " DATA");
      ASSERT_EQ(l.results.size(), 2u) << how;
      for (const auto& res : l.results) {
        ASSERT_EQ(res.recipients.size(), 3u);
        EXPECT_EQ(res.recipients[0].status, DeliveryStatus::delivered) << how;
        EXPECT_EQ(res.recipients[1].status, DeliveryStatus::permanent_failure) << how;
        EXPECT_EQ(res.recipients[1].reply.enhanced, "5.1.1");
        EXPECT_EQ(res.recipients[2].status, DeliveryStatus::delivered) << how;
        EXPECT_TRUE(res.peer_dsn);
      }
      ASSERT_EQ(l.delivered.size(), 2u) << how;
      for (const auto& d : l.delivered) {
        EXPECT_EQ(d.data, kMessage) << how;
        EXPECT_EQ(d.from, "alice@example.net");
        EXPECT_EQ(d.rcpts, (std::vector<std::string>{"bob@example.org", "carol@example.org"}));
      }
      ASSERT_TRUE(l.closed) << how;
      EXPECT_EQ(l.closed->failure, SessionFailure::none) << how;
      EXPECT_TRUE(l.server_closed) << how;
      EXPECT_EQ(l.server_protocol, "ESMTPS");  // STARTTLS happened
    }
  }
}

// A smarthost: submission port, STARTTLS, AUTH PLAIN, then the message; 8-bit and UTF-8.
TEST(Loopback, SubmissionWithAuth) {
  auto so = server_options();
  so.role = Role::submission;
  auto co = client_options();
  co.auth = ClientCredentials{"relay", "pw"};
  co.starttls = TlsMode::required;
  std::string body = "Subject: caf\xc3\xa9\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\n";
  OutboundMessage m;
  m.reverse_path = path("<alice@example.net>");
  m.recipients.push_back({path("<j\xc3\xb6rg@example.org>"), kNotifyNone, std::nullopt});
  m.data = body;
  m.smtputf8 = true;
  auto l = run(so, co, {m});
  ASSERT_EQ(l.results.size(), 1u);
  EXPECT_EQ(l.results[0].recipients[0].status, DeliveryStatus::delivered);
  EXPECT_TRUE(l.results[0].smtputf8);
  ASSERT_EQ(l.delivered.size(), 1u);
  EXPECT_EQ(l.delivered[0].data, body);
  EXPECT_EQ(l.delivered[0].mail_params,
            " BODY=8BITMIME SMTPUTF8 SIZE=" + std::to_string(body.size()));
  EXPECT_EQ(l.server_protocol, "UTF8SMTPSA");

  // Wrong password: the server says 535, the client gives up with a permanent auth failure.
  co.auth = ClientCredentials{"relay", "wrong"};
  l = run(so, co, {m});
  EXPECT_TRUE(l.results.empty());
  ASSERT_TRUE(l.closed);
  EXPECT_EQ(l.closed->failure, SessionFailure::auth);
  EXPECT_EQ(l.closed->reply->code, 535);
}

// Replies and commands cut into small pieces change nothing.
TEST(Loopback, SmallReads) {
  auto m = message(kMessage, {"<bob@example.org>"});
  for (std::size_t cut : {1u, 3u, 7u}) {
    auto co = client_options();
    co.starttls = TlsMode::none;
    auto l = run(server_options(), co, {m}, cut);
    ASSERT_EQ(l.results.size(), 1u) << cut;
    EXPECT_EQ(l.results[0].recipients[0].status, DeliveryStatus::delivered) << cut;
    ASSERT_EQ(l.delivered.size(), 1u) << cut;
    EXPECT_EQ(l.delivered[0].data, kMessage) << cut;
  }
}

}  // namespace
}  // namespace facteur::smtp
