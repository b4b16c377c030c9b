// AUTH in the SMTP server protocol: RFC 4954 framing and codes, the submission rules of
// RFC 6409 / RFC 8314, pipelining around AUTH and STARTTLS resetting the authentication.
#include <gtest/gtest.h>

#include "base/base64.hpp"
#include "proto/smtp/server_protocol.hpp"

namespace facteur::smtp {
namespace {

using namespace std::string_literals;

// A scripted stand-in for the directory's mechanisms:
//  PLAIN: "\0user\0secret" (any authzid) succeeds, anything else is bad credentials; no initial
//         response gets an empty challenge. "malformed" as the whole message -> malformed.
//  LOGIN: "Username:" / "Password:" challenges, user "user" and password "secret".
//  SCRAM-SHA-256: two rounds: "server-first" challenge, then "v=proof" as the server-final
//         challenge, then an empty response succeeds.
struct FakeSasl {
  std::string mechanism;
  int round = 0;
  std::string user;
  std::optional<AuthFailure> force;  // answer every verdict with this failure

  void start(ServerProtocol& p, const SaslStart& s) {
    mechanism = s.mechanism;
    round = 0;
    user.clear();
    if (!s.initial_response) {
      if (mechanism == "PLAIN") return p.sasl_challenge("");
      if (mechanism == "LOGIN") return p.sasl_challenge("Username:");
      return p.auth_failed(AuthFailure::malformed);  // SCRAM needs client-first
    }
    step(p, *s.initial_response);
  }
  void step(ServerProtocol& p, const std::string& data) {
    ++round;
    if (mechanism == "PLAIN") {
      if (data == "malformed") return p.auth_failed(AuthFailure::malformed);
      auto nul = data.find('\0');
      auto nul2 = nul == std::string::npos ? nul : data.find('\0', nul + 1);
      if (nul2 != std::string::npos && data.substr(nul2 + 1) == "secret")
        return verdict(p, data.substr(nul + 1, nul2 - nul - 1));
      return p.auth_failed(AuthFailure::bad_credentials);
    }
    if (mechanism == "LOGIN") {
      if (user.empty()) {
        user = data;
        return p.sasl_challenge("Password:");
      }
      if (user == "user" && data == "secret") return verdict(p, user);
      return p.auth_failed(AuthFailure::bad_credentials);
    }
    // SCRAM-SHA-256 shape
    if (round == 1) return p.sasl_challenge("r=nonce,s=salt,i=4096");
    if (round == 2) return p.sasl_challenge("v=proof");
    if (round == 3 && data.empty()) return verdict(p, "scram-user");
    return p.auth_failed(AuthFailure::bad_credentials);
  }
  void verdict(ServerProtocol& p, const std::string& identity) {
    if (force) return p.auth_failed(*force);
    p.auth_succeeded(identity);
  }
};

struct Transcript {
  std::string output;
  std::vector<std::string> events;
};

void drain(ServerProtocol& p, Transcript& r, FakeSasl& sasl) {
  while (auto ev = p.next_event()) {
    std::visit(
        [&](auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, Hello>) {
            r.events.push_back("EHLO");
          } else if constexpr (std::is_same_v<T, MailFrom>) {
            std::string line = "MAIL <" + e.path.to_string() + ">";
            if (e.params.auth) line += " AUTH=" + *e.params.auth;
            r.events.push_back(line);
            p.accept_sender();
          } else if constexpr (std::is_same_v<T, RcptTo>) {
            r.events.push_back("RCPT");
            p.accept_recipient();
          } else if constexpr (std::is_same_v<T, SaslStart>) {
            r.events.push_back("SASL " + e.mechanism +
                               (e.initial_response ? " [" + *e.initial_response + "]" : ""));
            sasl.start(p, e);
          } else if constexpr (std::is_same_v<T, SaslResponse>) {
            r.events.push_back("RESP [" + e.data + "]");
            sasl.step(p, e.data);
          } else if constexpr (std::is_same_v<T, SaslAborted>) {
            r.events.push_back("SASL ABORTED");
          } else if constexpr (std::is_same_v<T, StartTls>) {
            r.events.push_back("STARTTLS");
            r.output += p.take_output();
            p.tls_established();
          } else if constexpr (std::is_same_v<T, Close>) {
            r.events.push_back("CLOSE");
          } else if constexpr (std::is_same_v<T, MessageEnd>) {
            r.events.push_back("END");
            p.message_accepted("Q");
          }
        },
        *ev);
  }
  r.output += p.take_output();
}

ServerOptions submission(bool tls = true) {
  ServerOptions o;
  o.hostname = "mail.example.net";
  o.role = Role::submission;
  o.tls_available = true;
  o.tls_active = tls;
  o.limits.max_command_line = 128;
  return o;
}

Transcript run_pieces(const std::vector<std::string>& pieces, ServerOptions o = submission(),
                      FakeSasl sasl = {}) {
  ServerProtocol p(std::move(o));
  Transcript r;
  p.start();
  p.take_output();
  for (const auto& piece : pieces) {
    p.receive(piece);
    drain(p, r, sasl);
  }
  return r;
}

Transcript run(const std::string& input, ServerOptions o = submission(), FakeSasl sasl = {}) {
  return run_pieces({input}, std::move(o), std::move(sasl));
}

std::string lines(std::initializer_list<std::string_view> ls) {
  std::string s;
  for (auto l : ls) {
    s += l;
    s += "\r\n";
  }
  return s;
}

std::string b64(std::string_view s) {
  return base64_encode(s);
}

const std::string kEhloTls = lines(
    {"250-mail.example.net", "250-PIPELINING", "250-SIZE 36700160", "250-8BITMIME", "250-SMTPUTF8",
     "250-ENHANCEDSTATUSCODES", "250-CHUNKING", "250-DSN", "250 AUTH PLAIN LOGIN SCRAM-SHA-256"});
const std::string kEhloClear =
    lines({"250-mail.example.net", "250-PIPELINING", "250-SIZE 36700160", "250-8BITMIME",
           "250-SMTPUTF8", "250-ENHANCEDSTATUSCODES", "250-CHUNKING", "250-DSN", "250 STARTTLS"});
const std::string kEhloClearAuth =
    lines({"250-mail.example.net", "250-PIPELINING", "250-SIZE 36700160", "250-8BITMIME",
           "250-SMTPUTF8", "250-ENHANCEDSTATUSCODES", "250-CHUNKING", "250-DSN",
           "250-AUTH PLAIN LOGIN SCRAM-SHA-256", "250 STARTTLS"});

struct Dialogue {
  std::string name;
  std::string input;
  std::string output;
  std::vector<std::string> events;
};

const std::vector<Dialogue>& dialogues() {
  static const std::vector<Dialogue> kDialogues = {
      {"RFC 4954 §4.1: PLAIN with an initial response",
       "EHLO client.example.com\r\nAUTH PLAIN dGVzdAB1c2VyAHNlY3JldA==\r\n"
       "MAIL FROM:<a@example.com>\r\n",
       kEhloTls + lines({"235 2.7.0 Authentication successful", "250 2.1.0 Ok"}),
       {"EHLO", "SASL PLAIN [test\0user\0secret]"s, "MAIL <a@example.com>"}},
      {"RFC 4954 §4.1: PLAIN without an initial response gets an empty 334",
       "EHLO c\r\nAUTH PLAIN\r\n" + b64("\0user\0secret"s) + "\r\n",
       kEhloTls + lines({"334 ", "235 2.7.0 Authentication successful"}),
       {"EHLO", "SASL PLAIN", "RESP [\0user\0secret]"s}},
      {"LOGIN: two challenges, lower-case mechanism name",
       "EHLO c\r\nauth login\r\n" + b64("user") + "\r\n" + b64("secret") + "\r\n",
       kEhloTls +
           lines({"334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 2.7.0 Authentication successful"}),
       {"EHLO", "SASL LOGIN", "RESP [user]", "RESP [secret]"}},
      {"SCRAM shape: server-final goes out as a challenge, answered by an empty line",
       "EHLO c\r\nAUTH SCRAM-SHA-256 " + b64("n,,n=u,r=abc") + "\r\n" + b64("c=biws,p=x") +
           "\r\n\r\n",
       kEhloTls + lines({"334 " + b64("r=nonce,s=salt,i=4096"), "334 " + b64("v=proof"),
                         "235 2.7.0 Authentication successful"}),
       {"EHLO", "SASL SCRAM-SHA-256 [n,,n=u,r=abc]", "RESP [c=biws,p=x]", "RESP []"}},
      {"'=' is a zero-length initial response (RFC 4954 §4)",
       "EHLO c\r\nAUTH PLAIN =\r\n",
       kEhloTls + lines({"535 5.7.8 Authentication credentials invalid"}),
       {"EHLO", "SASL PLAIN []"}},
      {"'*' cancels with 501 (RFC 4954 §4)",
       "EHLO c\r\nAUTH LOGIN\r\n*\r\nNOOP\r\n",
       kEhloTls + lines({"334 VXNlcm5hbWU6", "501 5.7.0 Authentication cancelled", "250 2.0.0 Ok"}),
       {"EHLO", "SASL LOGIN", "SASL ABORTED"}},
      {"undecodable response and initial response: 501 (RFC 4954 §4)",
       "EHLO c\r\nAUTH PLAIN !!!\r\nAUTH PLAIN\r\nnot base64\r\nAUTH PLAIN dXNlcg\r\n",
       kEhloTls +
           lines({"501 5.5.2 Cannot decode initial response", "334 ",
                  "501 5.5.2 Cannot decode response", "501 5.5.2 Cannot decode initial response"}),
       {"EHLO", "SASL PLAIN", "SASL ABORTED"}},
      {"unknown mechanism 504, syntax 501, mechanism-level malformed 501",
       "EHLO c\r\nAUTH CRAM-MD5\r\nAUTH\r\nAUTH PLAIN a b\r\nAUTH PLAIN " + b64("malformed") +
           "\r\n",
       kEhloTls + lines({"504 5.5.4 Unrecognized authentication type",
                         "501 5.5.4 Syntax: AUTH mechanism [initial-response]",
                         "501 5.5.4 Syntax: AUTH mechanism [initial-response]",
                         "501 5.5.2 Malformed authentication data"}),
       {"EHLO", "SASL PLAIN [malformed]"}},
      {"AUTH needs EHLO; HELO is not enough",
       "AUTH PLAIN =\r\nHELO c\r\nAUTH PLAIN =\r\n",
       lines({"503 5.5.1 Error: send EHLO first", "250 mail.example.net",
              "503 5.5.1 Error: send EHLO first"}),
       {"EHLO"}},
      {"second AUTH after success: 503 (RFC 4954 §4)",
       "EHLO c\r\nAUTH PLAIN " + b64("\0user\0secret"s) + "\r\nAUTH PLAIN =\r\n",
       kEhloTls +
           lines({"235 2.7.0 Authentication successful", "503 5.5.1 Error: already authenticated"}),
       {"EHLO", "SASL PLAIN [\0user\0secret]"s}},
      {"submission: MAIL before AUTH is 530 5.7.0 (RFC 4954 §6)",
       "EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n",
       kEhloTls +
           lines({"530 5.7.0 Authentication required", "503 5.5.1 Error: need MAIL command"}),
       {"EHLO"}},
      {"bad credentials three times: 535 5.7.8, then 421 and close",
       "EHLO c\r\nAUTH PLAIN " + b64("\0user\0x"s) + "\r\nAUTH PLAIN " + b64("\0user\0y"s) +
           "\r\nAUTH PLAIN " + b64("\0user\0z"s) + "\r\nNOOP\r\n",
       kEhloTls + lines({"535 5.7.8 Authentication credentials invalid",
                         "535 5.7.8 Authentication credentials invalid",
                         "535 5.7.8 Authentication credentials invalid",
                         "421 4.7.0 mail.example.net Error: too many failed authentications"}),
       {"EHLO", "SASL PLAIN [\0user\0x]"s, "SASL PLAIN [\0user\0y]"s, "SASL PLAIN [\0user\0z]"s,
        "CLOSE"}},
      {"AUTH= on MAIL (RFC 4954 §5 example), xtext-decoded",
       "EHLO c\r\nAUTH PLAIN " + b64("\0user\0secret"s) +
           "\r\nMAIL FROM:<e=mc2@example.com> AUTH=e+3Dmc2@example.com\r\nRSET\r\n"
           "MAIL FROM:<a@example.com> AUTH=<>\r\nRSET\r\nMAIL FROM:<a@example.com> AUTH=x\r\n"
           "MAIL FROM:<a@example.com> AUTH\r\n",
       kEhloTls + lines({"235 2.7.0 Authentication successful", "250 2.1.0 Ok", "250 2.0.0 Ok",
                         "250 2.1.0 Ok", "250 2.0.0 Ok", "501 5.5.4 Bad AUTH parameter",
                         "501 5.5.4 Bad AUTH parameter"}),
       {"EHLO", "SASL PLAIN [\0user\0secret]"s, "MAIL <e=mc2@example.com> AUTH=e=mc2@example.com",
        "MAIL <a@example.com> AUTH=<>"}},
      {"RFC 4954 §4 / RFC 2920: what follows AUTH without an initial response is the response",
       "EHLO c\r\nAUTH PLAIN\r\nMAIL FROM:<a@example.com>\r\nNOOP\r\n",
       kEhloTls + lines({"334 ", "501 5.5.2 Cannot decode response", "250 2.0.0 Ok"}),
       {"EHLO", "SASL PLAIN", "SASL ABORTED"}},
      {"commands pipelined after AUTH with an initial response wait for the verdict",
       "EHLO c\r\nAUTH PLAIN " + b64("\0user\0secret"s) +
           "\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n",
       kEhloTls + lines({"235 2.7.0 Authentication successful", "250 2.1.0 Ok", "250 2.1.5 Ok"}),
       {"EHLO", "SASL PLAIN [\0user\0secret]"s, "MAIL <a@example.com>", "RCPT"}},
  };
  return kDialogues;
}

TEST(ServerAuth, Dialogues) {
  for (const auto& d : dialogues()) {
    auto r = run(d.input);
    EXPECT_EQ(r.output, d.output) << d.name;
    EXPECT_EQ(r.events, d.events) << d.name;
  }
}

TEST(ServerAuth, ChunkBoundaryIndependence) {
  for (const auto& d : dialogues()) {
    std::vector<std::string> bytes;
    for (char c : d.input)
      bytes.emplace_back(1, c);
    auto r = run_pieces(bytes);
    EXPECT_EQ(r.output, d.output) << d.name << " (byte by byte)";
    EXPECT_EQ(r.events, d.events) << d.name << " (byte by byte)";
    for (std::size_t i = 1; i < d.input.size(); ++i) {
      auto r2 = run_pieces({d.input.substr(0, i), d.input.substr(i)});
      EXPECT_EQ(r2.output, d.output) << d.name << " split at " << i;
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// RFC 4954 §4 / RFC 8314: no AUTH in clear unless plaintext is allowed; RFC 3207 §4: 530
// "Must issue a STARTTLS command first" while AUTH cannot be offered.
TEST(ServerAuth, NeedsTlsUnlessPlaintextAllowed) {
  auto r = run("EHLO c\r\nAUTH PLAIN =\r\nMAIL FROM:<a@example.com>\r\n", submission(false));
  EXPECT_EQ(r.output,
            kEhloClear + lines({"538 5.7.11 Encryption required for requested authentication "
                                "mechanism",
                                "530 5.7.0 Must issue a STARTTLS command first"}));

  auto o = submission(false);
  o.plaintext_auth_allowed = true;  // loopback
  r = run("EHLO c\r\nAUTH PLAIN " + b64("\0user\0secret"s) + "\r\n", o);
  EXPECT_EQ(r.output, kEhloClearAuth + lines({"235 2.7.0 Authentication successful"}));
}

// Role mx: no AUTH unless asked for; then the same rules apply, MAIL needs no AUTH and AUTH
// during a transaction is 503 (RFC 4954 §4).
TEST(ServerAuth, MxRole) {
  auto o = submission(true);
  o.role = Role::mx;
  auto r = run("EHLO c\r\nAUTH PLAIN =\r\nMAIL FROM:<a@example.com> AUTH=<>\r\n", o);
  EXPECT_EQ(r.output.find("250 AUTH"), std::string::npos);
  EXPECT_EQ(r.output.find("250-AUTH"), std::string::npos);
  EXPECT_NE(r.output.find("502 5.5.1 Error: command not implemented\r\n"), std::string::npos);
  EXPECT_NE(r.output.find("555 5.5.4 Unsupported option: AUTH\r\n"), std::string::npos);

  o.auth_on_mx = true;
  r = run("EHLO c\r\nMAIL FROM:<a@example.com> AUTH=bob@example.com\r\nAUTH PLAIN " +
              b64("\0user\0secret"s) + "\r\nRSET\r\nAUTH PLAIN " + b64("\0user\0secret"s) + "\r\n",
          o);
  EXPECT_EQ(r.output,
            kEhloTls + lines({"250 2.1.0 Ok",
                              "503 5.5.1 Error: AUTH not permitted during a mail transaction",
                              "250 2.0.0 Ok", "235 2.7.0 Authentication successful"}));
  // RFC 4954 §5: an unauthenticated client's AUTH= counts as AUTH=<>.
  EXPECT_EQ(r.events[1], "MAIL <a@example.com> AUTH=<>");
}

TEST(ServerAuth, FailureKinds) {
  const std::pair<AuthFailure, std::string> cases[] = {
      {AuthFailure::too_weak, "534 5.7.9 Authentication mechanism is too weak"},
      {AuthFailure::transition_needed, "432 4.7.12 A password transition is needed"},
      {AuthFailure::temporary, "454 4.7.0 Temporary authentication failure"},
      {AuthFailure::malformed, "501 5.5.2 Malformed authentication data"},
  };
  for (const auto& [why, reply] : cases) {
    FakeSasl sasl;
    sasl.force = why;
    // Non-credential failures never close: five in a row still get their own reply.
    std::string in = "EHLO c\r\n";
    for (int i = 0; i < 5; ++i)
      in += "AUTH PLAIN " + b64("\0user\0secret"s) + "\r\n";
    auto r = run(in, submission(), sasl);
    std::string expected = kEhloTls;
    for (int i = 0; i < 5; ++i)
      expected += reply + "\r\n";
    EXPECT_EQ(r.output, expected) << reply;
  }
}

// RFC 3207 §4.2: after STARTTLS the server forgets what it learnt, the authentication too.
TEST(ServerAuth, StartTlsResetsAuthentication) {
  auto o = submission(false);
  o.plaintext_auth_allowed = true;
  ServerProtocol p(o);
  FakeSasl sasl;
  Transcript r;
  p.start();
  p.receive("EHLO c\r\nAUTH PLAIN " + b64("\0user\0secret"s) + "\r\n");
  drain(p, r, sasl);
  ASSERT_TRUE(p.authenticated_identity());
  EXPECT_EQ(*p.authenticated_identity(), "user");
  EXPECT_EQ(p.received_protocol(), "ESMTPA");
  p.receive("STARTTLS\r\n");
  drain(p, r, sasl);
  EXPECT_FALSE(p.authenticated_identity());
  p.receive("EHLO c\r\nMAIL FROM:<a@example.com>\r\nAUTH LOGIN " + b64("user") + "\r\n" +
            b64("secret") + "\r\nMAIL FROM:<a@example.com>\r\n");
  r.output.clear();
  drain(p, r, sasl);
  EXPECT_EQ(r.output, kEhloTls + lines({"530 5.7.0 Authentication required", "334 UGFzc3dvcmQ6",
                                        "235 2.7.0 Authentication successful", "250 2.1.0 Ok"}));
  EXPECT_EQ(p.received_protocol(), "ESMTPSA");
}

// RFC 4954 §4: responses of 12288 octets are accepted; longer lines get 500 5.5.6 and end the
// exchange, without ever buffering more than one such line.
TEST(ServerAuth, LongLines) {
  std::string payload(9216, 'x');  // base64: exactly 12288 octets
  std::string enc = b64(payload);
  ASSERT_EQ(enc.size(), 12288u);
  auto r = run("EHLO c\r\nAUTH LOGIN\r\n" + enc + "\r\n*\r\n");
  EXPECT_EQ(r.output, kEhloTls + lines({"334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6",
                                        "501 5.7.0 Authentication cancelled"}));
  // An AUTH line with a long initial response is fine despite max_command_line = 128.
  r = run("EHLO c\r\nAUTH LOGIN " + enc + "\r\n*\r\n");
  EXPECT_EQ(r.output, kEhloTls + lines({"334 UGFzc3dvcmQ6", "501 5.7.0 Authentication cancelled"}));
  // Other commands keep their limit.
  r = run("EHLO c\r\nNOOP " + std::string(200, 'x') + "\r\n");
  EXPECT_EQ(r.output, kEhloTls + lines({"500 5.5.2 Error: line too long"}));

  ServerProtocol p(submission());
  FakeSasl sasl;
  Transcript out;
  p.start();
  p.receive("EHLO c\r\nAUTH LOGIN\r\n");
  drain(p, out, sasl);
  for (int i = 0; i < 100; ++i) {
    p.receive(std::string(1000, 'A'));
    drain(p, out, sasl);
    ASSERT_LE(p.buffered_input(), 12290u + 64);
  }
  p.receive("\r\nNOOP\r\n");
  out.output.clear();
  drain(p, out, sasl);
  EXPECT_EQ(out.output,
            lines({"500 5.5.6 Authentication Exchange line is too long", "250 2.0.0 Ok"}));
  EXPECT_EQ(out.events.back(), "SASL ABORTED");

  // Same for an AUTH command line itself.
  r = run("EHLO c\r\nAUTH PLAIN " + std::string(13000, 'A') + "\r\nNOOP\r\n");
  EXPECT_EQ(r.output, kEhloTls + lines({"500 5.5.6 Authentication Exchange line is too long",
                                        "250 2.0.0 Ok"}));
}

TEST(ServerAuth, TimeoutDuringExchangeAborts) {
  ServerProtocol p(submission());
  FakeSasl sasl;
  Transcript r;
  p.start();
  p.receive("EHLO c\r\nAUTH LOGIN\r\n");
  drain(p, r, sasl);
  p.timed_out();
  drain(p, r, sasl);
  EXPECT_EQ(r.events, (std::vector<std::string>{"EHLO", "SASL LOGIN", "SASL ABORTED", "CLOSE"}));
  EXPECT_TRUE(p.closed());
}

// The answer is awaited: nothing moves until the session gives its verdict.
TEST(ServerAuth, VerdictAwaited) {
  ServerProtocol p(submission());
  p.start();
  p.receive("EHLO c\r\nAUTH PLAIN " + b64("\0user\0secret"s) + "\r\nNOOP\r\n");
  ASSERT_TRUE(std::holds_alternative<Hello>(*p.next_event()));
  auto ev = p.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<SaslStart>(*ev));
  EXPECT_TRUE(p.awaiting_answer());
  EXPECT_FALSE(p.next_event());
  p.accept_sender();  // not the awaited answer: ignored
  EXPECT_FALSE(p.next_event());
  p.auth_succeeded("user@example.net");
  EXPECT_FALSE(p.next_event());
  auto out = p.take_output();
  EXPECT_TRUE(out.ends_with("235 2.7.0 Authentication successful\r\n250 2.0.0 Ok\r\n")) << out;
  EXPECT_EQ(*p.authenticated_identity(), "user@example.net");
  EXPECT_TRUE(p.auth_offered());
}

}  // namespace
}  // namespace facteur::smtp
