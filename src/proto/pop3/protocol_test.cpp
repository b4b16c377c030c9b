#include "proto/pop3/protocol.hpp"

#include <map>

#include <gtest/gtest.h>

#include "directory/apop.hpp"
#include "base/base64.hpp"
#include "directory/credentials.hpp"
#include "directory/sasl.hpp"
#include "proto/pop3/dot_stuffer.hpp"

namespace facteur::pop3 {
namespace {

using namespace std::string_literals;
namespace dir = facteur::directory;

constexpr std::string_view kTimestamp = "<1896.697170952@dbc.mtview.ca.us>";
constexpr dir::Argon2Params kCheap{64, 1, 1};

// A message of exactly `size` octets with CRLF line ends.
std::string make_message(std::string_view subject, std::size_t size, char fill = 'x') {
  std::string m = "Subject: " + std::string(subject) + "\r\n\r\n";
  while (m.size() + 2 < size) {
    const std::size_t room = size - m.size() - 2;
    m += std::string(std::min<std::size_t>(room, 60), fill);
    m += "\r\n";
  }
  m.resize(size, '\n');  // never hit with the sizes used here
  return m;
}

struct Account {
  dir::Credentials creds;
  std::vector<std::pair<std::string, std::string>> messages;  // uid, content
  bool locked = false;
};

// What src/server's session does, minus sockets: answers every event with the directory's
// primitives and an in-memory maildrop, and records everything the client would see.
class FakeSession {
 public:
  explicit FakeSession(Options options = default_options(),
                       std::string ts = std::string(kTimestamp))
      : p_(std::move(options), std::move(ts)) {
    p_.start();
    pump();
  }

  static Options default_options() {
    Options o;
    o.hostname = "dewey";
    o.tls_available = true;
    o.plaintext_allowed = true;
    return o;
  }

  void add_account(const std::string& name, std::string_view password,
                   std::vector<std::pair<std::string, std::string>> messages, bool apop = false) {
    dir::CredentialOptions co;
    co.argon2 = kCheap;
    co.keep_apop_secret = apop;
    Account a;
    a.creds = dir::make_credentials(password, co).value();
    a.messages = std::move(messages);
    accounts_[name] = std::move(a);
  }

  void send(std::string_view bytes) {
    p_.receive(bytes);
    pump();
  }

  // Runs the event loop until the protocol needs input (or is closed).
  void pump() {
    for (int guard = 0; guard < 100000; ++guard) {
      while (auto ev = p_.next_event())
        std::visit([this](auto& e) { handle(e); }, *ev);
      out_ += p_.take_output();
      // Also stop on an unanswered event (a test that answers by hand).
      if (p_.closed() || p_.wants_input() || p_.awaiting_answer()) return;
    }
    ADD_FAILURE() << "event loop does not settle";
  }

  std::string take() { return std::exchange(out_, std::string()); }
  Protocol& protocol() { return p_; }
  std::vector<std::string> events;  // short names, in order
  std::vector<std::string> removed;
  bool update_ok = true;
  bool tls_ok = true;
  bool auto_tls = true;     // false: the test finishes the handshake itself
  bool answer_auth = true;  // false: leave authentication events unanswered
  std::size_t retrieve_chunk = 7;

 private:
  void handle(AuthenticatePassword& e) {
    events.push_back("AuthenticatePassword " + e.user + " " + e.password);
    if (!answer_auth) return;
    auto it = accounts_.find(e.user);
    const std::optional<dir::Credentials> creds =
        it == accounts_.end() ? std::nullopt : std::optional(it->second.creds);
    if (!dir::check_password(creds, e.password, kCheap))
      return p_.auth_failed(AuthFailure::bad_credentials);
    login(e.user);
  }
  void handle(AuthenticateApop& e) {
    events.push_back("AuthenticateApop " + e.user + " " + e.digest);
    EXPECT_EQ(e.timestamp, kTimestamp);
    auto it = accounts_.find(e.user);
    if (it == accounts_.end() || !it->second.creds.apop_secret ||
        !dir::apop_digest_matches(e.timestamp, *it->second.creds.apop_secret, e.digest))
      return p_.auth_failed(AuthFailure::bad_credentials);
    login(e.user);
  }
  void handle(SaslStart& e) {
    events.push_back("SaslStart " + e.mechanism + (e.initial_response ? " ir" : ""));
    dir::SaslOptions so;
    so.decoy_cost = kCheap;
    so.fixed_server_nonce = sasl_nonce;
    sasl_ = dir::make_sasl_server(dir::parse_sasl_mechanism(e.mechanism).value(), so);
    drive(sasl_->step(e.initial_response));
  }
  void handle(SaslResponse& e) {
    events.push_back("SaslResponse");
    ASSERT_TRUE(sasl_);
    drive(sasl_->step(e.data));
  }
  void drive(dir::SaslStep step) {
    if (auto* c = std::get_if<dir::SaslChallenge>(&step)) return p_.sasl_challenge(c->data);
    if (auto* n = std::get_if<dir::SaslNeedCredentials>(&step)) {
      auto it = accounts_.find(n->authcid);
      return drive(sasl_->provide_credentials(
          it == accounts_.end() ? std::nullopt : std::optional(it->second.creds)));
    }
    if (auto* s = std::get_if<dir::SaslSuccess>(&step)) return login(s->authcid);
    p_.auth_failed(AuthFailure::bad_credentials);
  }
  void login(const std::string& user) {
    Account& a = accounts_.at(user);
    if (a.locked) return p_.auth_failed(AuthFailure::in_use);
    if (user == "broken") return p_.auth_failed(AuthFailure::temporary);
    a.locked = true;
    current_ = &a;
    std::vector<MaildropEntry> entries;
    for (const auto& [uid, content] : a.messages)
      entries.push_back({uid, content.size()});
    p_.auth_succeeded(std::move(entries));
  }
  void handle(StartTls&) {
    events.push_back("StartTls");
    out_ += p_.take_output();
    out_ += "<TLS>";
    if (!auto_tls) return;
    if (tls_ok)
      p_.tls_established();
    else
      p_.tls_failed();
  }
  void handle(Retrieve& e) {
    events.push_back("Retrieve " + std::to_string(e.msg_number) +
                     (e.top_lines ? " top " + std::to_string(*e.top_lines) : ""));
    ASSERT_NE(current_, nullptr);
    const auto& [uid, content] = current_->messages.at(e.index);
    EXPECT_EQ(uid, e.uid);
    EXPECT_EQ(content.size(), e.size);
    out_ += p_.take_output();
    DotStuffer ds(e.top_lines);
    for (std::size_t i = 0; i < content.size() && !ds.done(); i += retrieve_chunk)
      out_ += ds.feed(std::string_view(content).substr(i, retrieve_chunk));
    out_ += ds.finish();
  }
  void handle(Update& e) {
    std::string s = "Update";
    for (const auto& uid : e.deleted_uids)
      s += " " + uid;
    events.push_back(s);
    removed = e.deleted_uids;
    p_.update_done(update_ok);
  }
  void handle(Close&) {
    events.push_back("Close");
    if (current_) current_->locked = false;
  }

 public:
  std::string sasl_nonce;
  std::map<std::string, Account>& accounts() { return accounts_; }

 private:
  Protocol p_;
  std::string out_;
  std::map<std::string, Account> accounts_;
  std::unique_ptr<dir::SaslServer> sasl_;
  Account* current_ = nullptr;
};

// ---- Dialogue scripts: "C: line" is sent by the client, "S: line" expected from the server.
// Each script runs three ways: interactively (output checked before every client line), all
// client lines pipelined in one write, and one byte at a time.

enum class Mode { interactive, pipelined, bytewise };

using Script = std::vector<std::string>;

void run_script(FakeSession& session, const Script& script, Mode mode) {
  std::string expected, seen, client;
  for (const auto& l : script) {
    if (l.starts_with("S: ")) {
      expected += l.substr(3) + "\r\n";
      continue;
    }
    ASSERT_TRUE(l.starts_with("C: ")) << l;
    const std::string line = l.substr(3) + "\r\n";
    if (mode == Mode::interactive) {
      seen += session.take();
      ASSERT_EQ(seen, expected) << "before sending " << l;
      session.send(line);
    } else {
      client += line;
    }
  }
  if (mode == Mode::pipelined) session.send(client);
  if (mode == Mode::bytewise)
    for (char c : client)
      session.send(std::string_view(&c, 1));
  seen += session.take();
  EXPECT_EQ(seen, expected);
}

// Lines of a message as the server sends them after RETR (dot-stuffed, terminated).
void append_message(Script& script, std::string_view content) {
  DotStuffer ds;
  std::string body = ds.feed(content);
  body += ds.finish();
  while (!body.empty()) {
    const auto end = body.find("\r\n");
    script.push_back("S: " + body.substr(0, end));
    body.erase(0, end + 2);
  }
}

class Pop3Dialogue : public ::testing::TestWithParam<Mode> {
 protected:
  // The maildrop of RFC 1939 §10: two messages, 120 and 200 octets.
  FakeSession rfc_session(Options options = FakeSession::default_options()) {
    FakeSession s(std::move(options));
    s.add_account("mrose", "tanstaaf",
                  {{"whqtswO00WBw418f9t5JxYwZ", msg1}, {"QhdPYR:00WBw1Ph7x7", msg2}}, true);
    return s;
  }
  const std::string msg1 = make_message("one", 120);
  const std::string msg2 = make_message(".two", 200, '.');  // body lines start with '.'
  const std::string greeting = "S: +OK dewey POP3 server ready "s + std::string(kTimestamp);
};

INSTANTIATE_TEST_SUITE_P(Modes, Pop3Dialogue,
                         ::testing::Values(Mode::interactive, Mode::pipelined, Mode::bytewise),
                         [](const auto& param_info) {
                           return param_info.param == Mode::interactive ? "interactive"
                                  : param_info.param == Mode::pipelined ? "pipelined"
                                                                        : "bytewise";
                         });

// RFC 1939 §10, the example POP3 session (APOP login, STAT, LIST, RETR, DELE, QUIT).
TEST_P(Pop3Dialogue, Rfc1939Section10ExampleSession) {
  FakeSession s = rfc_session();
  Script sc = {greeting,
               "C: APOP mrose c4c9334bac560ecc979e58001b3e22fb",
               "S: +OK maildrop has 2 messages (320 octets)",
               "C: STAT",
               "S: +OK 2 320",
               "C: LIST",
               "S: +OK 2 messages (320 octets)",
               "S: 1 120",
               "S: 2 200",
               "S: .",
               "C: RETR 1",
               "S: +OK 120 octets"};
  append_message(sc, msg1);
  sc.insert(sc.end(), {"C: DELE 1", "S: +OK message 1 deleted", "C: RETR 2", "S: +OK 200 octets"});
  append_message(sc, msg2);
  sc.insert(sc.end(), {"C: DELE 2", "S: +OK message 2 deleted", "C: QUIT",
                       "S: +OK dewey POP3 server signing off (maildrop empty)"});
  run_script(s, sc, GetParam());
  EXPECT_TRUE(s.protocol().closed());
  EXPECT_EQ(s.removed,
            (std::vector<std::string>{"whqtswO00WBw418f9t5JxYwZ", "QhdPYR:00WBw1Ph7x7"}));
  EXPECT_EQ(s.events.back(), "Close");
}

// RFC 1939 §5: STAT, LIST, RETR, DELE, NOOP, RSET examples, and §6 QUIT with messages left.
TEST_P(Pop3Dialogue, Rfc1939Section5TransactionCommands) {
  FakeSession s = rfc_session();
  Script sc = {greeting, "C: USER mrose", "S: +OK", "C: PASS tanstaaf",
               "S: +OK maildrop has 2 messages (320 octets)", "C: LIST 2", "S: +OK 2 200",
               "C: LIST 3", "S: -ERR no such message, only 2 messages in maildrop", "C: DELE 1",
               "S: +OK message 1 deleted", "C: DELE 1", "S: -ERR message 1 already deleted",
               // Deleted messages vanish from STAT and LIST and cannot be named.
               "C: STAT", "S: +OK 1 200", "C: LIST", "S: +OK 1 messages (200 octets)", "S: 2 200",
               "S: .", "C: LIST 1", "S: -ERR no such message, only 1 message in maildrop",
               "C: RETR 1", "S: -ERR no such message, only 1 message in maildrop", "C: UIDL 1",
               "S: -ERR no such message, only 1 message in maildrop", "C: TOP 1 0",
               "S: -ERR no such message, only 1 message in maildrop", "C: NOOP", "S: +OK",
               "C: RSET", "S: +OK maildrop has 2 messages (320 octets)", "C: DELE 2",
               "S: +OK message 2 deleted", "C: QUIT",
               "S: +OK dewey POP3 server signing off (1 message left)"};
  run_script(s, sc, GetParam());
  EXPECT_EQ(s.removed, std::vector<std::string>{"QhdPYR:00WBw1Ph7x7"});
}

// RFC 1939 §7: TOP and UIDL examples.
TEST_P(Pop3Dialogue, Rfc1939Section7TopAndUidl) {
  FakeSession s = rfc_session();
  Script sc = {greeting, "C: APOP mrose c4c9334bac560ecc979e58001b3e22fb",
               "S: +OK maildrop has 2 messages (320 octets)", "C: TOP 1 10", "S: +OK"};
  append_message(sc, msg1);  // fewer than 10 body lines: the whole message
  sc.insert(sc.end(), {"C: TOP 2 0",
                       "S: +OK",
                       "S: Subject: .two",
                       "S: ",
                       "S: .",
                       "C: TOP 2 1",
                       "S: +OK",
                       "S: Subject: .two",
                       "S: ",
                       "S: " + std::string(61, '.'),
                       "S: .",
                       "C: TOP 100 3",
                       "S: -ERR no such message, only 2 messages in maildrop",
                       "C: UIDL",
                       "S: +OK",
                       "S: 1 whqtswO00WBw418f9t5JxYwZ",
                       "S: 2 QhdPYR:00WBw1Ph7x7",
                       "S: .",
                       "C: UIDL 2",
                       "S: +OK 2 QhdPYR:00WBw1Ph7x7",
                       "C: UIDL 3",
                       "S: -ERR no such message, only 2 messages in maildrop",
                       "C: QUIT",
                       "S: +OK dewey POP3 server signing off (2 messages left)"});
  run_script(s, sc, GetParam());
  EXPECT_TRUE(s.removed.empty());
}

// RFC 1939 §7 USER/PASS: failures stay in AUTHORIZATION; RFC 3206 [AUTH], RFC 2449 [IN-USE].
TEST_P(Pop3Dialogue, UserPassFailuresAndResponseCodes) {
  FakeSession s = rfc_session();
  s.add_account("broken", "pw", {});
  s.accounts()["mrose"].locked = true;
  Script sc = {greeting,
               "C: PASS secret",
               "S: -ERR No user name given (send USER first).",
               "C: USER frated",
               "S: +OK",
               "C: PASS secret",
               "S: -ERR [AUTH] Authentication failed.",
               "C: PASS secret",
               "S: -ERR No user name given (send USER first).",
               "C: USER mrose",
               "S: +OK",
               "C: PASS tanstaaf",
               "S: -ERR [IN-USE] Maildrop is locked by another session, try again later.",
               "C: USER broken",
               "S: +OK",
               "C: PASS pw",
               "S: -ERR [SYS/TEMP] Temporary server failure, try again later.",
               "C: QUIT",
               "S: +OK dewey POP3 server signing off"};
  run_script(s, sc, GetParam());
  EXPECT_EQ(s.events.back(), "Close");
}

TEST_P(Pop3Dialogue, PasswordMayContainSpaces) {
  FakeSession s;
  s.add_account("ann", " two  words ", {});
  run_script(s,
             {"S: +OK dewey POP3 server ready "s + std::string(kTimestamp), "C: USER ann", "S: +OK",
              "C: PASS  two  words ", "S: +OK maildrop has 0 messages (0 octets)", "C: LIST",
              "S: +OK 0 messages (0 octets)", "S: ."},
             GetParam());
}

TEST_P(Pop3Dialogue, TooManyAuthenticationFailuresClose) {
  FakeSession s = rfc_session();
  run_script(
      s,
      {greeting, "C: USER mrose", "S: +OK", "C: PASS a", "S: -ERR [AUTH] Authentication failed.",
       "C: APOP mrose 00000000000000000000000000000000", "S: -ERR [AUTH] Authentication failed.",
       "C: AUTH PLAIN AG1yb3NlAGI=", "S: -ERR [AUTH] Authentication failed.", "C: NOOP"},
      GetParam());
  EXPECT_TRUE(s.protocol().closed());
  EXPECT_EQ(s.events.back(), "Close");
}

// RFC 2449 §5 CAPA; RFC 2595 §4 STLS; Dovecot-style plaintext refusal without TLS.
TEST_P(Pop3Dialogue, CapaDependsOnStateAndTransport) {
  Options clear = FakeSession::default_options();
  clear.plaintext_allowed = false;
  FakeSession s = rfc_session(clear);
  Script sc = {greeting, "C: CAPA", "S: +OK Capability list follows", "S: TOP",
               "S: SASL SCRAM-SHA-256", "S: RESP-CODES", "S: AUTH-RESP-CODE", "S: PIPELINING",
               "S: UIDL", "S: STLS", "S: IMPLEMENTATION Facteur", "S: .", "C: USER mrose",
               "S: -ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) "
               "connections.",
               "C: AUTH PLAIN AG1yb3NlAHRhbnN0YWFm",
               "S: -ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) "
               "connections.",
               "C: AUTH", "S: +OK", "S: SCRAM-SHA-256", "S: .",
               // APOP sends no password: fine without TLS.
               "C: APOP mrose c4c9334bac560ecc979e58001b3e22fb",
               "S: +OK maildrop has 2 messages (320 octets)", "C: CAPA",
               "S: +OK Capability list follows", "S: TOP", "S: RESP-CODES", "S: AUTH-RESP-CODE",
               "S: PIPELINING", "S: UIDL", "S: IMPLEMENTATION Facteur", "S: ."};
  run_script(s, sc, GetParam());
}

TEST_P(Pop3Dialogue, CapaWithPlaintextAllowed) {
  Options o = FakeSession::default_options();
  o.tls_available = false;
  FakeSession s(o);
  run_script(s,
             {"S: +OK dewey POP3 server ready "s + std::string(kTimestamp), "C: capa",
              "S: +OK Capability list follows", "S: TOP", "S: USER",
              "S: SASL PLAIN LOGIN SCRAM-SHA-256", "S: RESP-CODES", "S: AUTH-RESP-CODE",
              "S: PIPELINING", "S: UIDL", "S: IMPLEMENTATION Facteur", "S: ."},
             GetParam());
}

// RFC 5034 §4 / §6 examples: AUTH PLAIN with and without initial response ("dGVzdAB0ZXN0AHRlc3Q="
// is "test\0test\0test"), cancel, "=" empty response.
TEST_P(Pop3Dialogue, Rfc5034AuthPlain) {
  FakeSession s;
  s.add_account("test", "test", {{"u1", "Subject: x\r\n\r\nhi\r\n"}});  // 18 octets
  run_script(s,
             {"S: +OK dewey POP3 server ready "s + std::string(kTimestamp), "C: AUTH PLAIN",
              "S: + ", "C: *", "S: -ERR Authentication cancelled.",
              "C: AUTH PLAIN =", "S: -ERR [AUTH] Authentication failed.", "C: AUTH PLAIN", "S: + ",
              "C: dGVzdAB0ZXN0AHRlc3Q=", "S: +OK maildrop has 1 message (18 octets)", "C: QUIT",
              "S: +OK dewey POP3 server signing off (1 message left)"},
             GetParam());
  FakeSession s2;
  s2.add_account("test", "test", {});
  run_script(s2,
             {"S: +OK dewey POP3 server ready "s + std::string(kTimestamp),
              "C: AUTH plain dGVzdAB0ZXN0AHRlc3Q=", "S: +OK maildrop has 0 messages (0 octets)"},
             GetParam());
  EXPECT_EQ(s2.events.front(), "SaslStart PLAIN ir");
}

TEST_P(Pop3Dialogue, AuthLoginAsClientsSendIt) {
  FakeSession s;
  s.add_account("tim", "pw", {});
  const std::string user = base64_encode("tim"), pw = base64_encode("pw");
  run_script(s,
             {"S: +OK dewey POP3 server ready "s + std::string(kTimestamp), "C: AUTH LOGIN",
              "S: + VXNlcm5hbWU6", "C: " + user, "S: + UGFzc3dvcmQ6", "C: " + pw,
              "S: +OK maildrop has 0 messages (0 octets)"},
             GetParam());
  FakeSession s2;
  s2.add_account("tim", "pw", {});
  run_script(s2,
             {"S: +OK dewey POP3 server ready "s + std::string(kTimestamp), "C: AUTH LOGIN " + user,
              "S: + UGFzc3dvcmQ6", "C: " + base64_encode("wrong"),
              "S: -ERR [AUTH] Authentication failed."},
             GetParam());
}

// RFC 7677 §3's exchange carried by RFC 5034 framing; the server-final message goes out as a
// challenge answered by an empty line.
TEST_P(Pop3Dialogue, AuthScramSha256Rfc7677) {
  FakeSession s;
  s.add_account("user", "pencil", {});
  auto scram = dir::make_scram_credentials("pencil", 4096,
                                           base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==").value());
  s.accounts()["user"].creds.scram_sha256 = dir::serialize(scram.value());
  s.sasl_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  auto e = [](std::string_view x) { return base64_encode(x); };
  run_script(
      s,
      {"S: +OK dewey POP3 server ready "s + std::string(kTimestamp),
       "C: AUTH SCRAM-SHA-256 " + e("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"),
       "S: + " + e("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ=="
                   ",i=4096"),
       "C: " + e("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+"
                 "Ute9ytag9zjfMHgsqmmiz7AndVQ="),
       "S: + " + e("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
       "C: ", "S: +OK maildrop has 0 messages (0 octets)"},
      GetParam());
}

TEST_P(Pop3Dialogue, AuthErrors) {
  FakeSession s;
  run_script(s,
             {"S: +OK dewey POP3 server ready "s + std::string(kTimestamp), "C: AUTH CRAM-MD5",
              "S: -ERR Unsupported authentication mechanism.", "C: AUTH PLAIN !!!",
              "S: -ERR Invalid base64 data in initial response.", "C: AUTH PLAIN a b",
              "S: -ERR Invalid arguments.", "C: AUTH LOGIN", "S: + VXNlcm5hbWU6", "C: not base64!",
              "S: -ERR Invalid base64 data in response.", "C: NOOP", "S: -ERR Not logged in."},
             GetParam());
}

// RFC 2595 §4: commands pipelined after STLS are dropped, never run inside TLS.
TEST_P(Pop3Dialogue, StlsDropsPipelinedCommands) {
  Options o = FakeSession::default_options();
  o.plaintext_allowed = false;
  FakeSession s = rfc_session(o);
  s.auto_tls = false;
  std::string expected = "+OK dewey POP3 server ready "s + std::string(kTimestamp) + "\r\n";
  EXPECT_EQ(s.take(), expected);
  if (GetParam() == Mode::bytewise) {
    for (char c : "STLS\r\nUSER mrose\r\nPASS tanstaaf\r\n"s)
      s.send(std::string_view(&c, 1));
  } else {
    s.send("STLS\r\nUSER mrose\r\nPASS tanstaaf\r\n");
  }
  s.send("USER late\r\n");  // in clear during the handshake: dropped too
  EXPECT_EQ(s.take(), "+OK Begin TLS negotiation\r\n<TLS>");
  EXPECT_FALSE(s.protocol().tls_active());
  s.protocol().tls_established();
  s.pump();
  EXPECT_TRUE(s.protocol().tls_active());
  EXPECT_EQ(s.events, std::vector<std::string>{"StartTls"});
  // Inside TLS: a fresh AUTHORIZATION state; plaintext logins now allowed, STLS no more.
  s.send("CAPA\r\nSTLS\r\nUSER mrose\r\nPASS tanstaaf\r\n");
  EXPECT_EQ(s.take(),
            "+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL PLAIN LOGIN SCRAM-SHA-256\r\n"
            "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nUIDL\r\nIMPLEMENTATION Facteur\r\n.\r\n"
            "-ERR Command not permitted when TLS active.\r\n+OK\r\n"
            "+OK maildrop has 2 messages (320 octets)\r\n");
}

TEST_P(Pop3Dialogue, EveryCommandInAuthorizationState) {
  Options o = FakeSession::default_options();
  o.tls_available = false;
  o.limits.max_bad_commands = 100;
  FakeSession s(o);
  run_script(s,
             {"S: +OK dewey POP3 server ready "s + std::string(kTimestamp),
              "C: STAT",
              "S: -ERR Not logged in.",
              "C: LIST",
              "S: -ERR Not logged in.",
              "C: LIST 1",
              "S: -ERR Not logged in.",
              "C: RETR 1",
              "S: -ERR Not logged in.",
              "C: DELE 1",
              "S: -ERR Not logged in.",
              "C: NOOP",
              "S: -ERR Not logged in.",
              "C: RSET",
              "S: -ERR Not logged in.",
              "C: TOP 1 1",
              "S: -ERR Not logged in.",
              "C: UIDL",
              "S: -ERR Not logged in.",
              "C: STLS",
              "S: -ERR STLS not available.",
              "C: STLS x",
              "S: -ERR Invalid arguments.",
              "C: USER",
              "S: -ERR Missing user name.",
              "C: PASS x",
              "S: -ERR No user name given (send USER first).",
              "C: USER x",
              "S: +OK",
              "C: PASS",
              "S: -ERR Missing password.",
              "C: APOP x",
              "S: -ERR Usage: APOP name digest",
              "C: APOP x abc",
              "S: -ERR Invalid APOP digest.",
              "C: XYZZY",
              "S: -ERR Unknown command.",
              "C: ",
              "S: -ERR Unknown command.",
              "C: CAPA x",
              "S: -ERR Invalid arguments.",
              "C: QUIT x",
              "S: -ERR Invalid arguments.",
              "C: QUIT",
              "S: +OK dewey POP3 server signing off"},
             GetParam());
  EXPECT_EQ(s.events, std::vector<std::string>{"Close"});
}

TEST_P(Pop3Dialogue, EveryCommandInTransactionState) {
  Options o = FakeSession::default_options();
  o.limits.max_bad_commands = 100;
  FakeSession s = rfc_session(o);
  Script sc = {greeting,
               "C: APOP mrose c4c9334bac560ecc979e58001b3e22fb",
               "S: +OK maildrop has 2 messages (320 octets)",
               "C: USER mrose",
               "S: -ERR Already logged in.",
               "C: PASS x",
               "S: -ERR Already logged in.",
               "C: APOP mrose c4c9334bac560ecc979e58001b3e22fb",
               "S: -ERR Already logged in.",
               "C: AUTH PLAIN",
               "S: -ERR Already logged in.",
               "C: STLS",
               "S: -ERR Already logged in.",
               "C: STAT 1",
               "S: -ERR Invalid arguments.",
               "C: LIST 1 2",
               "S: -ERR Invalid arguments.",
               "C: LIST x",
               "S: -ERR Invalid message number.",
               "C: LIST -1",
               "S: -ERR Invalid message number.",
               "C: LIST 0",
               "S: -ERR no such message, only 2 messages in maildrop",
               "C: LIST 99999999999999999999999",
               "S: -ERR no such message, only 2 messages in maildrop",
               "C: RETR",
               "S: -ERR Usage: RETR message",
               "C: RETR 1 2",
               "S: -ERR Usage: RETR message",
               "C: DELE",
               "S: -ERR Usage: DELE message",
               "C: TOP 1",
               "S: -ERR Usage: TOP message lines",
               "C: TOP 1 -1",
               "S: -ERR Invalid number of lines.",
               "C: TOP x 1",
               "S: -ERR Invalid message number.",
               "C: NOOP x",
               "S: -ERR Invalid arguments.",
               "C: RSET x",
               "S: -ERR Invalid arguments.",
               "C: UIDL 1 2",
               "S: -ERR Invalid arguments.",
               "C: FOO",
               "S: -ERR Unknown command.",
               "C: list 1",
               "S: +OK 1 120",
               "C: QUIT"};
  sc.push_back("S: +OK dewey POP3 server signing off (2 messages left)");
  run_script(s, sc, GetParam());
  EXPECT_EQ(s.events.back(), "Close");
  EXPECT_EQ(s.events[s.events.size() - 2], "Update");
}

TEST_P(Pop3Dialogue, HugeTopLineCountSendsTheWholeMessage) {
  FakeSession s = rfc_session();
  Script sc = {greeting, "C: APOP mrose c4c9334bac560ecc979e58001b3e22fb",
               "S: +OK maildrop has 2 messages (320 octets)", "C: TOP 2 99999999999999999999999",
               "S: +OK"};
  append_message(sc, msg2);
  run_script(s, sc, GetParam());
}

TEST_P(Pop3Dialogue, UpdateFailure) {
  FakeSession s = rfc_session();
  s.update_ok = false;
  run_script(
      s,
      {greeting, "C: APOP mrose c4c9334bac560ecc979e58001b3e22fb",
       "S: +OK maildrop has 2 messages (320 octets)", "C: DELE 2", "S: +OK message 2 deleted",
       "C: QUIT", "S: -ERR [SYS/TEMP] Some deleted messages not removed."},
      GetParam());
  EXPECT_EQ(s.events.back(), "Close");
}

// Bare LF line ends and lower-case keywords are accepted.
TEST(Pop3Protocol, LenientLineEndsAndCase) {
  FakeSession s;
  s.take();
  s.send("noop\nCapa\n");
  EXPECT_TRUE(s.take().starts_with("-ERR Not logged in.\r\n+OK Capability list follows\r\n"));
}

TEST(Pop3Protocol, GreetingWithoutApopTimestamp) {
  Options o = FakeSession::default_options();
  o.hostname.clear();
  FakeSession s(o, "");
  EXPECT_EQ(s.take(), "+OK POP3 server ready\r\n");
  s.send("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n");
  EXPECT_EQ(s.take(), "-ERR APOP not available.\r\n");
}

// RFC 1939 §3: the greeting of the RFC, byte for byte (no hostname configured).
TEST(Pop3Protocol, Rfc1939Greeting) {
  Options o;
  Protocol p(o, std::string(kTimestamp));
  p.start();
  EXPECT_EQ(p.take_output(), "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n");
}

// RFC 2449 §4: a line longer than 255 octets gets -ERR, the rest of it is skipped, the next
// command works; memory stays bounded however long the line is.
TEST(Pop3Protocol, OverLongLines) {
  FakeSession s;
  s.take();
  s.send(std::string(253, 'N') + "\r\n");  // exactly 255 octets: an (unknown) command
  EXPECT_EQ(s.take(), "-ERR Unknown command.\r\n");
  s.send(std::string(254, 'N') + "\r\nNOOP\r\n");
  EXPECT_EQ(s.take(), "-ERR Line too long.\r\n-ERR Not logged in.\r\n");
  // No newline for megabytes: answered once, then discarded as it comes.
  s.send("USER ");
  for (int i = 0; i < 1000; ++i)
    s.send(std::string(1000, 'a'));
  EXPECT_EQ(s.take(), "-ERR Line too long.\r\n");
  s.send("aaaa\r\nCAPA\r\n");
  EXPECT_TRUE(s.take().starts_with("+OK Capability list follows\r\n"));
  EXPECT_FALSE(s.protocol().closed());
}

TEST(Pop3Protocol, TooManyBadCommandsClose) {
  FakeSession s;
  s.take();
  std::string junk;
  for (int i = 0; i < 25; ++i)
    junk += "BOGUS\r\n";
  s.send(junk);
  std::string out = s.take();
  EXPECT_TRUE(out.ends_with("-ERR Unknown command.\r\n-ERR Too many invalid commands.\r\n"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 20);
  EXPECT_TRUE(s.protocol().closed());
  EXPECT_EQ(s.events, std::vector<std::string>{"Close"});
}

TEST(Pop3Protocol, TooMuchPipelinedInputCloses) {
  Options o = FakeSession::default_options();
  o.limits.max_pending_input = 100;
  Protocol p(o, "");
  p.start();
  p.take_output();
  std::string lots;
  for (int i = 0; i < 30; ++i)
    lots += "NOOP\r\n";
  p.receive(lots);
  EXPECT_TRUE(p.closed());
  EXPECT_EQ(p.take_output(), "-ERR [SYS/PERM] Too much pipelined input.\r\n");
  auto ev = p.next_event();
  ASSERT_TRUE(ev);
  EXPECT_TRUE(std::holds_alternative<Close>(*ev));
  EXPECT_FALSE(p.next_event());
}

// Autologout (RFC 1939 §3): no UPDATE, so nothing is deleted.
TEST(Pop3Protocol, TimeoutSkipsUpdate) {
  Options o = FakeSession::default_options();
  Protocol p(o, "");
  p.start();
  p.receive("USER a\r\nPASS b\r\n");
  auto ev = p.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<AuthenticatePassword>(*ev));
  EXPECT_TRUE(p.awaiting_answer());
  EXPECT_FALSE(p.wants_input());
  EXPECT_FALSE(p.next_event());  // unanswered: nothing more
  p.auth_succeeded({{"u1", 10}, {"u2", 20}});
  EXPECT_EQ(p.state(), State::transaction);
  p.receive("DELE 1\r\n");
  EXPECT_FALSE(p.next_event());
  p.take_output();
  p.timed_out();
  EXPECT_EQ(p.take_output(), "-ERR Disconnected for inactivity.\r\n");
  ev = p.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<Close>(*ev));
  EXPECT_FALSE(p.next_event());
  // Late answers are ignored.
  p.update_done(true);
  p.auth_succeeded({});
  EXPECT_EQ(p.take_output(), "");
}

TEST(Pop3Protocol, ShutdownAndTlsFailure) {
  Protocol p(FakeSession::default_options(), "");
  p.start();
  p.take_output();
  p.shutdown();
  EXPECT_EQ(p.take_output(), "-ERR [SYS/TEMP] Server shutting down.\r\n");
  EXPECT_TRUE(p.closed());

  Protocol q(FakeSession::default_options(), "");
  q.start();
  q.receive("STLS\r\n");
  auto ev = q.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<StartTls>(*ev));
  q.receive("USER injected\r\n");  // arrives during the handshake: dropped
  q.tls_failed();
  ev = q.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<Close>(*ev));
}

TEST(Pop3Protocol, AnswersOutOfTurnAreIgnored) {
  Protocol p(FakeSession::default_options(), "");
  p.start();
  p.take_output();
  p.auth_succeeded({{"u", 1}});
  p.auth_failed(AuthFailure::bad_credentials);
  p.sasl_challenge("x");
  p.update_done(true);
  p.tls_established();
  EXPECT_EQ(p.state(), State::authorization);
  EXPECT_EQ(p.take_output(), "");
  // A USER/PASS verdict cannot be answered with a SASL challenge.
  p.receive("USER a\r\nPASS b\r\n");
  ASSERT_TRUE(p.next_event());
  p.sasl_challenge("x");
  EXPECT_EQ(p.take_output(), "+OK\r\n");
  EXPECT_TRUE(p.awaiting_answer());
}

// With a small output high-water mark, pipelined LISTs are answered in slices: next_event()
// pauses, wants_input() stays false while commands remain, and nothing is lost or reordered.
TEST(Pop3Protocol, OutputHighWaterPausesWithoutDeadlock) {
  Options o = FakeSession::default_options();
  o.limits.output_high_water = 64;
  Protocol p(o, "");
  p.start();
  p.receive("USER a\r\nPASS b\r\n");
  ASSERT_TRUE(p.next_event());
  std::vector<MaildropEntry> entries;
  for (int i = 0; i < 10; ++i)
    entries.push_back({"uid" + std::to_string(i), 100});
  p.auth_succeeded(entries);
  std::string cmds;
  for (int i = 0; i < 20; ++i)
    cmds += "LIST\r\n";
  p.receive(cmds);
  std::string out = p.take_output();
  int pauses = 0;
  while (!p.wants_input()) {
    EXPECT_FALSE(p.next_event());
    out += p.take_output();
    ++pauses;
    ASSERT_LT(pauses, 100);
  }
  EXPECT_GT(pauses, 5);
  std::string one = "+OK 10 messages (1000 octets)\r\n";
  for (int i = 1; i <= 10; ++i)
    one += std::to_string(i) + " 100\r\n";
  one += ".\r\n";
  std::string expected =
      "+OK dewey POP3 server ready\r\n+OK\r\n+OK maildrop has 10 messages "
      "(1000 octets)\r\n";
  for (int i = 0; i < 20; ++i)
    expected += one;
  EXPECT_EQ(out, expected);
}

// A message number in Retrieve maps back to the entry given at login.
TEST(Pop3Protocol, RetrieveEventCarriesTheEntry) {
  Protocol p(FakeSession::default_options(), "");
  p.start();
  p.receive("USER a\r\nPASS b\r\n");
  ASSERT_TRUE(p.next_event());
  p.auth_succeeded({{"first", 11}, {"second", 22}});
  p.receive("DELE 1\r\nRETR 2\r\nTOP 2 5\r\nNOOP\r\n");
  auto ev = p.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<Retrieve>(*ev));
  const auto& r = std::get<Retrieve>(*ev);
  EXPECT_EQ(r.msg_number, 2u);
  EXPECT_EQ(r.index, 1u);
  EXPECT_EQ(r.uid, "second");
  EXPECT_EQ(r.size, 22u);
  EXPECT_FALSE(r.top_lines);
  EXPECT_TRUE(p.take_output().ends_with("+OK message 1 deleted\r\n+OK 22 octets\r\n"));
  ev = p.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<Retrieve>(*ev));
  EXPECT_EQ(std::get<Retrieve>(*ev).top_lines, 5u);
  EXPECT_EQ(p.take_output(), "+OK\r\n");
  EXPECT_FALSE(p.next_event());
  EXPECT_EQ(p.take_output(), "+OK\r\n");
}

}  // namespace
}  // namespace facteur::pop3
