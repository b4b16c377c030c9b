#include "proto/imap/protocol.hpp"

#include <functional>

#include <gtest/gtest.h>

namespace facteur::imap {
namespace {

Options opts(bool plaintext = true) {
  Options o;
  o.hostname = "mx.example.test";
  o.tls_available = true;
  o.plaintext_allowed = plaintext;
  o.limits.append_limit = 1000;
  return o;
}

// A fake session: answers every event with simple rules and records a transcript of events.
struct Harness {
  Protocol p;
  std::string out;
  std::string events;
  std::vector<std::string> chunks;
  std::function<void(Request&)> on_request = [this](Request& r) {
    if (std::holds_alternative<SelectCmd>(r.command)) {
      const auto& s = std::get<SelectCmd>(r.command);
      if (s.mailbox == "missing") {
        p.done(Outcome::no, code::kNonExistent, "No such mailbox");
        return;
      }
      p.writer().exists(2);
      p.done(Outcome::ok);
      return;
    }
    if (std::holds_alternative<IdleCmd>(r.command)) return;  // wait for IdleDone
    p.done(Outcome::ok);
  };

  explicit Harness(Options o = opts()) : p(std::move(o)) {
    p.start();
    pump();
    out.clear();
  }

  void pump() {
    for (int guard = 0; guard < 100000; ++guard) {
      while (auto ev = p.next_event()) {
        if (auto* l = std::get_if<Login>(&*ev)) {
          events += "L(" + l->user + ")";
          if (l->password == "good") {
            p.login_succeeded();
          } else {
            p.login_failed();
          }
        } else if (auto* s = std::get_if<SaslStart>(&*ev)) {
          events += "S(" + s->mechanism + ")";
          if (s->initial_response) {
            p.login_succeeded();
          } else {
            p.sasl_challenge("");
          }
        } else if (auto* sr = std::get_if<SaslResponse>(&*ev)) {
          events += "R(" + sr->data + ")";
          sr->data == "ok" ? p.login_succeeded() : p.login_failed();
        } else if (std::holds_alternative<StartTls>(*ev)) {
          events += "T";
          out += p.take_output();
          p.tls_established();
        } else if (std::holds_alternative<StartCompression>(*ev)) {
          events += "Z";
        } else if (auto* e = std::get_if<Enabled>(&*ev)) {
          events += "E" + std::to_string(e->capabilities.size());
        } else if (auto* r = std::get_if<Request>(&*ev)) {
          events += "Q(" + std::string(command_name(r->command)) + ")";
          on_request(*r);
        } else if (auto* i = std::get_if<IdleDone>(&*ev)) {
          events += i->valid ? "D" : "d";
          p.done(Outcome::ok);
        } else if (auto* a = std::get_if<AppendBegin>(&*ev)) {
          events += "A" + std::to_string(a->index) + "(" + a->mailbox + "," +
                    std::to_string(a->message.size) + ")";
          chunks.emplace_back();
          if (a->mailbox == "nope") {
            p.append_reject(Outcome::no, code::kTryCreate, "No such mailbox");
          } else {
            p.append_accept();
          }
        } else if (auto* c = std::get_if<AppendChunk>(&*ev)) {
          chunks.back() += std::string(c->bytes);
        } else if (std::holds_alternative<AppendEnd>(*ev)) {
          events += "N";
          const std::uint32_t uids[] = {7};
          p.done(Outcome::ok, code::appenduid(42, uids), "APPEND completed");
        } else if (std::holds_alternative<AppendAborted>(*ev)) {
          events += "X";
        } else if (std::holds_alternative<Close>(*ev)) {
          events += "C";
        }
      }
      out += p.take_output();
      if (p.closed() || p.wants_input() || p.idling()) return;
    }
    ADD_FAILURE() << "protocol did not settle";
  }
  std::string send(std::string_view bytes) {
    out.clear();
    p.receive(bytes);
    pump();
    return out;
  }
  void login() {
    send("l LOGIN bob good\r\n");
    events.clear();
  }
};

TEST(Protocol, GreetingAndCapability) {
  Protocol p(opts(false));
  p.start();
  const std::string g = p.take_output();
  EXPECT_EQ(g,
            "* OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE STARTTLS "
            "LOGINDISABLED AUTH=SCRAM-SHA-256] mx.example.test Facteur IMAP ready\r\n");
  Harness h(opts(true));
  EXPECT_EQ(h.send("abcd CAPABILITY\r\n"),
            "* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE STARTTLS "
            "AUTH=PLAIN AUTH=SCRAM-SHA-256\r\nabcd OK CAPABILITY completed\r\n");
  h.login();
  const std::string caps = h.p.capabilities();
  for (std::string_view c : {"IMAP4rev2", "CONDSTORE", "QRESYNC", "MOVE", "UIDPLUS", "ESEARCH",
                             "APPENDLIMIT=1000", "UTF8=ACCEPT", "COMPRESS=DEFLATE", "SPECIAL-USE",
                             "THREAD=REFERENCES", "STATUS=SIZE", "SAVEDATE", "QUOTA"})
    EXPECT_NE(caps.find(c), std::string::npos) << c;
  EXPECT_EQ(caps.find("STARTTLS"), std::string::npos);
  EXPECT_EQ(caps.find("AUTH="), std::string::npos);
}

TEST(Protocol, LoginRefusedWithoutPrivacy) {
  // RFC 9051 §6.2.3: no plaintext LOGIN without TLS.
  Harness h(opts(false));
  EXPECT_EQ(h.send("a001 LOGIN SMITH SESAME\r\n"),
            "a001 NO [PRIVACYREQUIRED] Plaintext authentication requires TLS\r\n");
  EXPECT_EQ(h.send("a001 LOGIN {5}\r\n"),  // no "+" for a password that would be refused
            "a001 NO [PRIVACYREQUIRED] Plaintext authentication requires TLS\r\n");
  EXPECT_EQ(h.send("a002 AUTHENTICATE PLAIN\r\n"),
            "a002 NO [PRIVACYREQUIRED] Plaintext authentication requires TLS\r\n");
  EXPECT_TRUE(h.events.empty());
  // After STARTTLS it is allowed, and pipelined bytes after STARTTLS are dropped.
  EXPECT_EQ(h.send("a003 STARTTLS\r\na004 LOGIN evil good\r\n"),
            "a003 OK Begin TLS negotiation now\r\n");
  EXPECT_EQ(h.events, "T");
  EXPECT_NE(h.p.capabilities().find("AUTH=PLAIN"), std::string::npos);
  EXPECT_EQ(h.send("a005 LOGIN SMITH good\r\n").substr(0, 29), "a005 OK [CAPABILITY IMAP4rev1");
  EXPECT_EQ(h.events, "TL(SMITH)");
  EXPECT_EQ(h.p.state(), State::authenticated);
  EXPECT_EQ(h.send("a006 STARTTLS\r\n"), "a006 BAD Already authenticated\r\n");
}

TEST(Protocol, LoginFailuresClose) {
  Harness h;
  EXPECT_EQ(h.send("a LOGIN x bad\r\n"), "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
  h.send("b LOGIN x bad\r\n");
  EXPECT_EQ(
      h.send("c LOGIN x bad\r\n"),
      "c NO [AUTHENTICATIONFAILED] Authentication failed\r\n* BYE Too many failed logins\r\n");
  EXPECT_TRUE(h.p.closed());
  EXPECT_EQ(h.events, "L(x)L(x)L(x)C");
}

TEST(Protocol, AuthenticateExchange) {
  Harness h;
  // RFC 9051 §6.2.2 framing: "+ " challenge, base64 answer; "*" cancels with BAD.
  EXPECT_EQ(h.send("A1 AUTHENTICATE SCRAM-SHA-256\r\n"), "+ \r\n");
  EXPECT_EQ(h.send("*\r\n"), "A1 BAD Authentication cancelled\r\n");
  EXPECT_EQ(h.send("A2 AUTHENTICATE SCRAM-SHA-256\r\n"), "+ \r\n");
  EXPECT_EQ(h.send("b2s=\r\n").substr(0, 16), "A2 OK [CAPABILIT");
  EXPECT_EQ(h.events, "S(SCRAM-SHA-256)S(SCRAM-SHA-256)R(ok)");
  Harness i;
  EXPECT_EQ(i.send("A3 AUTHENTICATE PLAIN AGJvYgBwYXNz\r\n").substr(0, 16), "A3 OK [CAPABILIT");
  Harness j;
  EXPECT_EQ(j.send("A4 AUTHENTICATE CRAM-MD5\r\n"),
            "A4 NO [CANNOT] Unsupported authentication mechanism\r\n");
  EXPECT_EQ(j.send("A5 AUTHENTICATE SCRAM-SHA-256\r\n"), "+ \r\n");
  EXPECT_EQ(j.send("!!!\r\n"), "A5 BAD Invalid base64 in authentication response\r\n");
}

TEST(Protocol, WrongStateGetsBad) {
  Harness h;
  EXPECT_EQ(h.send("a SELECT INBOX\r\n"), "a BAD Not authenticated\r\n");
  EXPECT_EQ(h.send("b FETCH 1 FLAGS\r\n"), "b BAD Not authenticated\r\n");
  EXPECT_EQ(h.send("c FOO\r\n"), "c BAD Unknown command\r\n");
  h.login();
  EXPECT_EQ(h.send("d FETCH 1 FLAGS\r\n"), "d BAD No mailbox selected\r\n");
  EXPECT_EQ(h.send("e LOGIN a b\r\n"), "e BAD Already authenticated\r\n");
  EXPECT_EQ(h.send("f CLOSE\r\n"), "f BAD No mailbox selected\r\n");
  EXPECT_TRUE(h.events.empty());
}

TEST(Protocol, SelectCloseTransitions) {
  Harness h;
  h.login();
  EXPECT_EQ(h.send("a SELECT missing\r\n"), "a NO [NONEXISTENT] No such mailbox\r\n");
  EXPECT_EQ(h.p.state(), State::authenticated);
  EXPECT_EQ(h.send("b SELECT inbox\r\n"), "* 2 EXISTS\r\nb OK [READ-WRITE] SELECT completed\r\n");
  EXPECT_EQ(h.p.state(), State::selected);
  EXPECT_EQ(h.p.selected_mailbox(), "INBOX");
  // Selecting another closes the first (RFC 7162 §3.2.11 CLOSED).
  EXPECT_EQ(h.send("c EXAMINE Archive\r\n"),
            "* OK [CLOSED] Previous mailbox is now closed\r\n* 2 EXISTS\r\n"
            "c OK [READ-ONLY] EXAMINE completed\r\n");
  EXPECT_TRUE(h.p.read_only());
  EXPECT_EQ(h.send("d STORE 1 +FLAGS (\\Seen)\r\n"), "d NO [READ-ONLY] Mailbox is read-only\r\n");
  EXPECT_EQ(h.send("e EXPUNGE\r\n"), "e NO [READ-ONLY] Mailbox is read-only\r\n");
  EXPECT_EQ(h.send("f FETCH 1 FLAGS\r\n"), "f OK FETCH completed\r\n");
  EXPECT_EQ(h.send("g UNSELECT\r\n"), "g OK UNSELECT completed\r\n");
  EXPECT_EQ(h.p.state(), State::authenticated);
  EXPECT_EQ(h.events, "Q(SELECT)Q(SELECT)Q(EXAMINE)Q(FETCH)Q(UNSELECT)");
}

TEST(Protocol, EnableAndModes) {
  Harness h;
  h.login();
  EXPECT_EQ(h.send("t2 ENABLE IMAP4rev2 UTF8=ACCEPT X-UNKNOWN\r\n"),
            "* ENABLED IMAP4rev2 UTF8=ACCEPT\r\nt2 OK ENABLE completed\r\n");
  EXPECT_TRUE(h.p.imap4rev2());
  EXPECT_TRUE(h.p.utf8_accept());
  EXPECT_EQ(h.send("t3 ENABLE IMAP4rev2 QRESYNC\r\n"),
            "* ENABLED QRESYNC\r\nt3 OK ENABLE completed\r\n");
  EXPECT_TRUE(h.p.qresync());
  EXPECT_TRUE(h.p.condstore());
  EXPECT_EQ(h.events, "E2E1");
  // QRESYNC parameter without ENABLE QRESYNC is BAD (RFC 7162 §3.2.5).
  Harness g;
  g.login();
  EXPECT_EQ(g.send("a SELECT INBOX (QRESYNC (1 2))\r\n"), "a BAD QRESYNC is not enabled\r\n");
  EXPECT_FALSE(g.p.condstore());
  g.send("b SELECT INBOX (CONDSTORE)\r\n");
  EXPECT_TRUE(g.p.condstore());
  EXPECT_EQ(g.send("c ENABLE CONDSTORE\r\n"),
            "c BAD ENABLE is only valid in the authenticated state\r\n");
  // The first CONDSTORE-enabling command in the selected state says so (RFC 7162 §3.1).
  Harness k;
  k.login();
  k.send("s SELECT INBOX\r\n");
  std::vector<bool> flags;
  k.on_request = [&](Request& r) {
    flags.push_back(r.condstore_enabled);
    k.p.done(Outcome::ok);
  };
  k.send("a FETCH 1 (FLAGS)\r\nb FETCH 1 (MODSEQ)\r\nc SEARCH MODSEQ 5\r\n");
  EXPECT_EQ(flags, (std::vector<bool>{false, true, false}));
  EXPECT_TRUE(k.p.condstore());
}

TEST(Protocol, ProtocolAnsweredCommands) {
  Harness h;
  EXPECT_EQ(h.send("a ID NIL\r\n"), "* ID (\"name\" \"Facteur\")\r\na OK ID completed\r\n");
  EXPECT_EQ(h.send("b NOOP\r\n"), "b OK NOOP completed\r\n");
  h.login();
  EXPECT_EQ(h.send("c NAMESPACE\r\n"),
            "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\nc OK NAMESPACE completed\r\n");
  EXPECT_EQ(h.send("d LIST \"\" \"\"\r\n"),
            "* LIST (\\Noselect) \"/\" \"\"\r\nd OK LIST completed\r\n");
  EXPECT_EQ(h.send("e COMPRESS DEFLATE\r\n"), "e OK DEFLATE active\r\n");
  EXPECT_EQ(h.send("f COMPRESS DEFLATE\r\n"),
            "f NO [COMPRESSIONACTIVE] Compression is already active\r\n");
  EXPECT_EQ(h.events, "Z");
  EXPECT_EQ(h.send("g LOGOUT\r\n"), "* BYE Logging out\r\ng OK LOGOUT completed\r\n");
  EXPECT_TRUE(h.p.closed());
}

TEST(Protocol, SynchronizingLiteralWaitsForContinuation) {
  Harness h;
  // RFC 9051 §7.5: "+" only after the command so far is fine.
  EXPECT_EQ(h.send("a LOGIN {3}\r\n"), "+ Ready for literal data\r\n");
  EXPECT_EQ(h.send("bob {4}\r\n"), "+ Ready for literal data\r\n");
  EXPECT_EQ(h.send("good\r\n").substr(0, 16), "a OK [CAPABILITY");
  EXPECT_EQ(h.events, "L(bob)");
  // A wrong command gets BAD and no "+": the client never sends the literal.
  EXPECT_EQ(h.send("b FOO {3}\r\n"), "b BAD Unknown command\r\n");
  EXPECT_EQ(h.send("c SELECT {3}\r\n"), "+ Ready for literal data\r\n");
  EXPECT_EQ(h.send("abc\r\n"), "* 2 EXISTS\r\nc OK [READ-WRITE] SELECT completed\r\n");
  // Too big: refused before anything is read.
  EXPECT_EQ(h.send("d SELECT {999999}\r\n"), "d BAD [TOOBIG] Literal too big\r\n");
  EXPECT_EQ(h.send("e NOOP\r\n"), "e OK NOOP completed\r\n");
}

TEST(Protocol, NonSynchronizingLiteral) {
  Harness h;
  EXPECT_EQ(h.send("a LOGIN {3+}\r\nbob {4+}\r\ngood\r\n").substr(0, 16), "a OK [CAPABILITY");
  // A refused {n+} literal is skipped, even when it looks like commands.
  EXPECT_EQ(h.send("b FOO {10+}\r\nc LOGOUT\r\n\r\nd NOOP\r\n"),
            "b BAD Unknown command\r\nd OK NOOP completed\r\n");
  EXPECT_FALSE(h.p.closed());
  // A huge one cannot be skipped: BYE.
  EXPECT_EQ(h.send("e FOO {4294967296+}\r\n"),
            "e BAD Unknown command\r\n* BYE Literal too big to skip\r\n");
  EXPECT_TRUE(h.p.closed());
}

TEST(Protocol, AppendStreamsMessage) {
  Harness h;
  h.login();
  // RFC 9051 §6.3.12 example (shortened message).
  const std::string msg =
      "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n";
  const std::string cmd =
      "A003 APPEND saved-messages (\\Seen) {" + std::to_string(msg.size()) + "}\r\n";
  EXPECT_EQ(h.send(cmd), "+ Ready for literal data\r\n");
  EXPECT_EQ(h.send(msg.substr(0, 10)), "");
  EXPECT_EQ(h.send(msg.substr(10) + "\r\n"), "A003 OK [APPENDUID 42 7] APPEND completed\r\n");
  EXPECT_EQ(h.events, "A0(saved-messages," + std::to_string(msg.size()) + ")N");
  ASSERT_EQ(h.chunks.size(), 1u);
  EXPECT_EQ(h.chunks[0], msg);
}

TEST(Protocol, MultiAppendAndLiteralPlus) {
  Harness h;
  h.login();
  // RFC 3502 §6.3.11 shape with LITERAL+.
  EXPECT_EQ(h.send("A003 APPEND saved-messages (\\Seen) {5+}\r\nhello (\\Seen) \" 7-Feb-1994 "
                   "22:43:04 -0800\" {3+}\r\nbye\r\n"),
            "A003 OK [APPENDUID 42 7] APPEND completed\r\n");
  EXPECT_EQ(h.events, "A0(saved-messages,5)A1(saved-messages,3)N");
  EXPECT_EQ(h.chunks, (std::vector<std::string>{"hello", "bye"}));
}

TEST(Protocol, AppendRefusals) {
  Harness h;
  h.login();
  // RFC 7889: over APPENDLIMIT -> NO [TOOBIG] before any byte; a 4 GB literal too.
  EXPECT_EQ(h.send("a APPEND INBOX {1001}\r\n"), "a NO [TOOBIG] Message too big\r\n");
  EXPECT_EQ(h.send("b APPEND INBOX {4294967296}\r\n"), "b NO [TOOBIG] Message too big\r\n");
  EXPECT_EQ(h.send("c APPEND INBOX {99999999999999999999999}\r\n"),
            "c NO [TOOBIG] Message too big\r\n");
  EXPECT_TRUE(h.events.empty());
  // The session refuses (TRYCREATE): no "+"; with {n+} the data is skipped.
  EXPECT_EQ(h.send("d APPEND nope {5}\r\n"), "d NO [TRYCREATE] No such mailbox\r\n");
  EXPECT_EQ(h.send("e APPEND nope {5+}\r\nhello\r\nf NOOP\r\n"),
            "e NO [TRYCREATE] No such mailbox\r\nf OK NOOP completed\r\n");
  // Junk after a message: the APPEND dies, nothing is stored.
  h.events.clear();
  EXPECT_EQ(h.send("g APPEND INBOX {2+}\r\nhi junk\r\n"), "g BAD expected '{'\r\n");
  EXPECT_EQ(h.events, "A0(INBOX,2)X");
  // Not authenticated: BAD before the literal.
  Harness n;
  EXPECT_EQ(n.send("a APPEND INBOX {5}\r\n"), "a BAD Not authenticated\r\n");
}

TEST(Protocol, AppendAbortedOnTimeout) {
  Harness h;
  h.login();
  h.send("a APPEND INBOX {10}\r\n");
  h.send("12345");
  h.p.timed_out();
  h.pump();
  EXPECT_EQ(h.events, "A0(INBOX,10)XC");
  EXPECT_EQ(h.out, "* BYE Autologout; idle for too long\r\n");
}

TEST(Protocol, Idle) {
  Harness h;
  h.login();
  h.send("s SELECT INBOX\r\n");
  h.events.clear();
  // RFC 2177 §3 example.
  EXPECT_EQ(h.send("A002 IDLE\r\n"), "+ idling\r\n");
  EXPECT_TRUE(h.p.idling());
  EXPECT_TRUE(h.p.wants_input());
  h.p.writer().exists(3);
  EXPECT_EQ(h.send("DONE\r\n"), "* 3 EXISTS\r\nA002 OK IDLE terminated\r\n");
  EXPECT_FALSE(h.p.idling());
  EXPECT_EQ(h.send("A003 IDLE\r\n"), "+ idling\r\n");
  EXPECT_EQ(h.send("NOOP\r\n"), "A003 BAD Expected DONE\r\n");
  EXPECT_EQ(h.events, "Q(IDLE)DQ(IDLE)d");
}

TEST(Protocol, LineLimits) {
  Options o = opts();
  o.limits.max_line = 100;
  Harness h(o);
  // Over-long line: BAD [TOOBIG], the rest of the line skipped whatever it holds.
  std::string longline = "a NOOP " + std::string(200, 'x');
  EXPECT_EQ(h.send(longline), "a BAD [TOOBIG] Command line too long\r\n");
  EXPECT_EQ(h.send(std::string(300, 'y')), "");
  EXPECT_EQ(h.send("zz\r\nb NOOP\r\n"), "b OK NOOP completed\r\n");
  // A literal announced at the end of the skipped line is skipped too.
  EXPECT_EQ(h.send("c NOOP " + std::string(200, 'x') + " {5+}\r\nd BAD\r\ne NOOP\r\n"),
            "c BAD [TOOBIG] Command line too long\r\ne OK NOOP completed\r\n");
  // Split inside a long (zero-padded) literal announcement at the end of a skipped line.
  EXPECT_EQ(h.send("g NOOP " + std::string(200, 'x') + " {" + std::string(150, '0')),
            "g BAD [TOOBIG] Command line too long\r\n");
  EXPECT_EQ(h.send(std::string(100, '0') + "3+}\r\nabc\r\nh NOOP\r\n"), "h OK NOOP completed\r\n");
  EXPECT_EQ(h.send(std::string("f NO\0OP\r\n", 9)), "f BAD NUL in command\r\n");
  EXPECT_EQ(h.send("\r\n\r\ng NOOP\n"), "g OK NOOP completed\r\n");  // empty lines, bare LF
}

TEST(Protocol, TooManyBadCommands) {
  Options o = opts();
  o.limits.max_bad_commands = 3;
  Harness h(o);
  h.send("a FOO\r\nb FOO\r\n");
  EXPECT_EQ(h.send("c FOO\r\nd NOOP\r\n"),
            "c BAD Unknown command\r\n* BYE Too many invalid commands\r\n");
  EXPECT_TRUE(h.p.closed());
}

TEST(Protocol, InvalidTag) {
  Harness h;
  EXPECT_EQ(h.send("+ NOOP\r\n"), "* BAD Invalid tag\r\n");
  EXPECT_EQ(h.send("(a) NOOP\r\n"), "* BAD Invalid tag\r\n");
}

// Feeding the same conversation one byte at a time, or split at every position, gives the same
// transcript: literal handling does not depend on read boundaries.
TEST(Protocol, SplitAtEveryByte) {
  static constexpr char kConvo[] =
      "a LOGIN {3}\r\nbob {4+}\r\ngood\r\n"
      "b SELECT \"INBOX\"\r\n"
      "c APPEND Drafts (\\Draft) {12}\r\nhello\r\nworld (\\Seen) ~{3+}\r\nx\0y\r\n"
      "d SEARCH CHARSET UTF-8 SUBJECT {4+}\r\n\xC3\xA9t\xC3\r\n"
      "e FOO {3+}\r\nabc\r\n"
      "f IDLE\r\nDONE\r\n"
      "g LOGOUT\r\n";
  const std::string convo(kConvo, sizeof kConvo - 1);
  auto run = [&](const std::vector<std::size_t>& cuts) {
    Harness h;
    std::string all;
    std::size_t prev = 0;
    for (std::size_t c : cuts) {
      all += h.send(std::string_view(convo).substr(prev, c - prev));
      prev = c;
    }
    all += h.send(std::string_view(convo).substr(prev));
    std::string chunks;
    for (const auto& c : h.chunks)
      chunks += c + "|";
    return all + "#" + h.events + "#" + chunks;
  };
  const std::string whole = run({});
  EXPECT_NE(whole.find("a OK"), std::string::npos);
  EXPECT_NE(whole.find("c OK [APPENDUID"), std::string::npos);
  EXPECT_NE(whole.find("e BAD Unknown command"), std::string::npos);
  EXPECT_NE(whole.find("f OK IDLE terminated"), std::string::npos);
  EXPECT_NE(whole.find(std::string("hello\r\nworld|x\0y|", 17)), std::string::npos);
  std::vector<std::size_t> bytes;
  for (std::size_t i = 1; i < convo.size(); ++i)
    bytes.push_back(i);
  EXPECT_EQ(run(bytes), whole);
  for (std::size_t i = 1; i < convo.size(); ++i)
    EXPECT_EQ(run({i}), whole) << "split at " << i;
}

// RFC 9051 §8 sample connection, with the session's part played by the test.
TEST(Protocol, Rfc9051SampleConnection) {
  Harness h;
  h.on_request = [&](Request& r) {
    auto w = h.p.writer();
    if (auto* s = std::get_if<SelectCmd>(&r.command)) {
      EXPECT_EQ(s->mailbox, "INBOX");
      w.exists(18);
      w.flags(kAnswered | kFlagged | kDeleted | kSeen | kDraft, {});
      w.status("OK", code::uidvalidity(3857529045u), "UIDs valid");
      w.list("", "INBOX");
      h.p.done(Outcome::ok);
    } else if (auto* f = std::get_if<FetchCmd>(&r.command)) {
      EXPECT_EQ(to_string(f->set), "12");
      auto fw = w.fetch(12);
      for (const auto& item : f->items) {
        switch (item.kind) {
          case FetchItem::Kind::flags:
            fw.flags(kSeen, {});
            break;
          case FetchItem::Kind::internal_date:
            fw.internal_date(837596665, -420);
            break;
          case FetchItem::Kind::rfc822_size:
            fw.rfc822_size(4286);
            break;
          case FetchItem::Kind::envelope:
            fw.envelope("(NIL)");
            break;
          case FetchItem::Kind::body:
            fw.body("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)");
            break;
          case FetchItem::Kind::body_section:
            EXPECT_EQ(item.section.text, Section::Text::header);
            fw.section(item, "Subject: x\r\n\r\n");
            break;
          default:
            ADD_FAILURE() << "unexpected item";
        }
      }
      fw.finish();
      h.p.done(Outcome::ok);
    } else if (auto* st = std::get_if<StoreCmd>(&r.command)) {
      EXPECT_EQ(st->mode, StoreMode::add);
      EXPECT_EQ(st->flags.system, kDeleted);
      auto fw = w.fetch(12);
      fw.flags(kSeen | kDeleted, {});
      fw.finish();
      h.p.done(Outcome::ok, "", "+FLAGS completed");
    }
  };
  EXPECT_EQ(h.send("a001 login mrc secret\r\n").substr(0, 18), "a001 NO [AUTHENTIC");
  EXPECT_EQ(h.send("a001 login mrc good\r\n").substr(0, 18), "a001 OK [CAPABILIT");
  EXPECT_EQ(h.send("a002 select inbox\r\n"),
            "* 18 EXISTS\r\n* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
            "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n* LIST () \"/\" \"INBOX\"\r\n"
            "a002 OK [READ-WRITE] SELECT completed\r\n");
  EXPECT_EQ(
      h.send("a003 fetch 12 full\r\n"),
      "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 "
      "ENVELOPE (NIL) BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 "
      "92))\r\na003 OK FETCH completed\r\n");
  EXPECT_EQ(h.send("a004 fetch 12 body[header]\r\n"),
            "* 12 FETCH (BODY[HEADER] {14}\r\nSubject: x\r\n\r\n)\r\na004 OK FETCH completed\r\n");
  EXPECT_EQ(h.send("a005 store 12 +flags \\deleted\r\n"),
            "* 12 FETCH (FLAGS (\\Deleted \\Seen))\r\na005 OK +FLAGS completed\r\n");
  EXPECT_EQ(h.send("a006 logout\r\n"), "* BYE Logging out\r\na006 OK LOGOUT completed\r\n");
  EXPECT_EQ(h.events, "L(mrc)L(mrc)Q(SELECT)Q(FETCH)Q(FETCH)Q(STORE)C");
}

TEST(Protocol, HostileNesting) {
  Harness h;
  h.login();
  h.send("s SELECT INBOX\r\n");
  const std::string deep =
      "a SEARCH " + std::string(10000, '(') + "ALL" + std::string(10000, ')') + "\r\n";
  const std::string r = h.send(deep);
  EXPECT_EQ(r.substr(0, 5), "a NO ");
  EXPECT_EQ(h.send("b SELECT ((((((((((\r\n").substr(0, 6), "b BAD ");
  EXPECT_EQ(h.send("c FETCH 1 (((((FLAGS)))))\r\n").substr(0, 6), "c BAD ");
}

TEST(Protocol, PendingInputIsBounded) {
  Options o = opts();
  o.limits.max_pending_input = 1000;
  Protocol p(o);
  p.start();
  p.take_output();
  p.receive(std::string(2000, 'a'));
  EXPECT_TRUE(p.closed());
  EXPECT_EQ(p.take_output(), "* BYE Too much pipelined input\r\n");
}

}  // namespace
}  // namespace facteur::imap
