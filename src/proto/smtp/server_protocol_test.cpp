#include "proto/smtp/server_protocol.hpp"

#include <functional>

#include <gtest/gtest.h>

namespace facteur::smtp {
namespace {

using namespace std::string_literals;

// ---- harness: feeds pieces of input, answers events by a policy, records a transcript.

struct Policy {
  // Addresses containing "reject" are refused; everything else accepted.
  std::optional<Reply> message_reply;  // set: the message is rejected with it
  bool tls_ok = true;
};

struct Transcript {
  std::string output;
  std::vector<std::string> events;  // chunks are not listed; their bytes form `messages`
  std::vector<std::string> messages;
  std::string current;
};

ServerOptions options() {
  ServerOptions o;
  o.hostname = "mx.example.net";
  o.tls_available = true;
  o.limits.max_message_size = 1000;
  o.limits.max_recipients = 3;
  o.limits.max_command_line = 128;
  o.limits.max_data_line = 100;
  o.limits.max_errors = 8;
  return o;
}

std::string params_text(const MailParams& p) {
  std::string s;
  if (p.size) s += " SIZE=" + std::to_string(*p.size);
  if (p.body == Body::eight_bit_mime) s += " BODY=8BITMIME";
  if (p.body == Body::seven_bit) s += " BODY=7BIT";
  if (p.smtputf8) s += " SMTPUTF8";
  if (p.ret == DsnRet::full) s += " RET=FULL";
  if (p.ret == DsnRet::headers) s += " RET=HDRS";
  if (p.envid) s += " ENVID=" + *p.envid;
  return s;
}

std::string params_text(const RcptParams& p) {
  std::string s;
  if (p.notify) s += " NOTIFY=" + std::to_string(p.notify);
  if (p.orcpt) s += " ORCPT=" + p.orcpt->addr_type + ";" + p.orcpt->address;
  return s;
}

void drain(ServerProtocol& p, Transcript& t, const Policy& policy) {
  while (auto ev = p.next_event()) {
    std::visit(
        [&](auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, Hello>) {
            t.events.push_back((e.extended ? "EHLO " : "HELO ") + e.domain);
          } else if constexpr (std::is_same_v<T, MailFrom>) {
            t.events.push_back("MAIL <" + e.path.to_string() + ">" + params_text(e.params));
            if (e.path.to_string().find("reject") != std::string::npos) {
              p.reject_sender({550, "5.7.1", "Sender refused"});
            } else {
              p.accept_sender();
            }
          } else if constexpr (std::is_same_v<T, RcptTo>) {
            t.events.push_back("RCPT <" + e.path.to_string() + ">" + params_text(e.params));
            if (e.path.to_string().find("reject") != std::string::npos) {
              p.reject_recipient({550, "5.1.1", "No such user"});
            } else {
              p.accept_recipient();
            }
          } else if constexpr (std::is_same_v<T, MessageBegin>) {
            t.events.push_back(e.chunking ? "BEGIN BDAT" : "BEGIN DATA");
            t.current.clear();
          } else if constexpr (std::is_same_v<T, MessageChunk>) {
            t.current.append(e.bytes);
          } else if constexpr (std::is_same_v<T, MessageEnd>) {
            t.events.push_back("END");
            t.messages.push_back(t.current);
            if (policy.message_reply) {
              p.message_rejected(*policy.message_reply);
            } else {
              p.message_accepted("Q" + std::to_string(t.messages.size()));
            }
          } else if constexpr (std::is_same_v<T, MessageAborted>) {
            t.events.push_back("ABORT");
          } else if constexpr (std::is_same_v<T, Reset>) {
            t.events.push_back("RESET");
          } else if constexpr (std::is_same_v<T, StartTls>) {
            t.events.push_back("STARTTLS");
            t.output += p.take_output();
            if (policy.tls_ok) {
              p.tls_established();
            } else {
              p.tls_failed();
            }
          } else if constexpr (std::is_same_v<T, Close>) {
            t.events.push_back("CLOSE");
          }
        },
        *ev);
  }
  t.output += p.take_output();
  EXPECT_LE(p.buffered_input(), options().limits.max_command_line);  // bounded buffering
}

Transcript run_pieces(const std::vector<std::string>& pieces, ServerOptions o = options(),
                      Policy policy = {}) {
  ServerProtocol p(std::move(o));
  Transcript t;
  p.start();
  drain(p, t, policy);
  for (const auto& piece : pieces) {
    p.receive(piece);
    drain(p, t, policy);
  }
  return t;
}

Transcript run(const std::string& input, ServerOptions o = options(), Policy policy = {}) {
  return run_pieces({input}, std::move(o), policy);
}

// Joins the expected reply lines with CRLF.
std::string lines(std::initializer_list<std::string_view> ls) {
  std::string s;
  for (auto l : ls) {
    s += l;
    s += "\r\n";
  }
  return s;
}

const std::string kGreeting = "220 mx.example.net ESMTP Facteur\r\n";
const std::string kEhlo =
    lines({"250-mx.example.net", "250-PIPELINING", "250-SIZE 1000", "250-8BITMIME", "250-SMTPUTF8",
           "250-ENHANCEDSTATUSCODES", "250-CHUNKING", "250-DSN", "250 STARTTLS"});

struct Dialogue {
  std::string name;
  std::string input;
  std::string output;               // after the greeting
  std::vector<std::string> events;  // without chunks
  std::vector<std::string> messages;
};

void check(const Dialogue& d, const Transcript& t, const std::string& how) {
  EXPECT_EQ(t.output, kGreeting + d.output) << d.name << how;
  EXPECT_EQ(t.events, d.events) << d.name << how;
  EXPECT_EQ(t.messages, d.messages) << d.name << how;
}

const std::vector<Dialogue>& dialogues() {
  static const std::vector<Dialogue> kDialogues = {
      {"RFC 5321 D.1 transaction",
       "EHLO client.example.org\r\nMAIL FROM:<smith@bar.com>\r\nRCPT TO:<jones@foo.com>\r\n"
       "RCPT TO:<green@foo.com>\r\nDATA\r\nBlah blah blah...\r\n..etc. etc. etc.\r\n.\r\n"
       "QUIT\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok",
                      "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued as Q1",
                      "221 2.0.0 Bye"}),
       {"EHLO client.example.org", "MAIL <smith@bar.com>", "RCPT <jones@foo.com>",
        "RCPT <green@foo.com>", "BEGIN DATA", "END", "CLOSE"},
       {"Blah blah blah...\r\n.etc. etc. etc.\r\n"}},
      {"HELO lists no extension, case-insensitive verbs",
       "helo c.example\r\nmail from:<a@b.example>\r\nrcpt to:<c@d.example>\r\ndata\r\nx\r\n.\r\n"
       "quit\r\n",
       lines({"250 mx.example.net", "250 2.1.0 Ok", "250 2.1.5 Ok",
              "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued as Q1",
              "221 2.0.0 Bye"}),
       {"HELO c.example", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN DATA", "END", "CLOSE"},
       {"x\r\n"}},
      {"Postfix leniency: space after the colon; parameters reach the session",
       "EHLO c\r\nMAIL FROM: <a@b.example> SIZE=20 BODY=8BITMIME RET=HDRS ENVID=e+2B1\r\n"
       "RCPT TO: <c@d.example> NOTIFY=FAILURE,DELAY ORCPT=rfc822;c+40d.example\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok"}),
       {"EHLO c", "MAIL <a@b.example> SIZE=20 BODY=8BITMIME RET=HDRS ENVID=e+1",
        "RCPT <c@d.example> NOTIFY=12 ORCPT=rfc822;c@d.example"},
       {}},
      {"null sender, Postmaster, rejected recipient",
       "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<reject@d.example>\r\nRCPT TO:<Postmaster>\r\nDATA\r\n"
       ".\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "550 5.1.1 No such user", "250 2.1.5 Ok",
                      "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued as Q1"}),
       {"EHLO c", "MAIL <>", "RCPT <reject@d.example>", "RCPT <Postmaster>", "BEGIN DATA", "END"},
       {""}},
      {"sequence errors (503) and §3.3 no valid recipients (554)",
       "MAIL FROM:<a@b.example>\r\nEHLO c\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"
       "MAIL FROM:<a@b.example>\r\nMAIL FROM:<a@b.example>\r\nDATA\r\n",
       lines({"503 5.5.1 Error: send HELO/EHLO first"}) + kEhlo +
           lines({"503 5.5.1 Error: need MAIL command", "503 5.5.1 Error: need MAIL command",
                  "250 2.1.0 Ok", "503 5.5.1 Error: nested MAIL command",
                  "554 5.5.1 Error: no valid recipients"}),
       {"EHLO c", "MAIL <a@b.example>"},
       {}},
      {"rejected sender leaves no transaction",
       "EHLO c\r\nMAIL FROM:<reject@b.example>\r\nRCPT TO:<c@d.example>\r\n",
       kEhlo + lines({"550 5.7.1 Sender refused", "503 5.5.1 Error: need MAIL command"}),
       {"EHLO c", "MAIL <reject@b.example>"},
       {}},
      {"RSET and EHLO reset the transaction (§4.1.1.5, §4.1.4)",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRSET\r\nMAIL FROM:<a@b.example>\r\nEHLO c2\r\n"
       "RCPT TO:<c@d.example>\r\nRSET x\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.0.0 Ok", "250 2.1.0 Ok"}) + kEhlo +
           lines({"503 5.5.1 Error: need MAIL command", "501 5.5.4 Syntax: RSET"}),
       {"EHLO c", "MAIL <a@b.example>", "RESET", "MAIL <a@b.example>", "RESET", "EHLO c2"},
       {}},
      {"NOOP VRFY EXPN HELP TURN ETRN unknown (§3.5.3, §4.1.1.11)",
       "NOOP\r\nNOOP hello\r\nVRFY bob\r\nVRFY\r\nEXPN list\r\nHELP\r\nTURN\r\nFOO\r\n",
       lines({"250 2.0.0 Ok", "250 2.0.0 Ok",
              "252 2.5.0 Cannot VRFY user; send mail and delivery will be attempted",
              "501 5.5.4 Syntax: VRFY address", "502 5.5.1 Error: EXPN not available",
              "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS",
              "502 5.5.1 Error: command not implemented",
              "500 5.5.2 Error: command not recognized"}),
       {},
       {}},
      {"syntax errors: 501 and 555 for unknown parameters (§4.1.1.11)",
       "EHLO\r\nEHLO c\r\nMAIL FROM:a@b.example\r\nMAIL FROM:<a@b.example> FOO=1\r\n",
       lines({"501 5.5.4 Syntax: EHLO hostname"}) + kEhlo +
           lines({"501 5.5.4 Syntax: MAIL FROM:<address>", "555 5.5.4 Unsupported option: FOO"}),
       {"EHLO c"},
       {}},
      {"bad addresses",
       "EHLO c\r\nMAIL FROM:<a..b@c.example>\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<>\r\n",
       kEhlo + lines({"501 5.1.7 Bad sender address syntax", "250 2.1.0 Ok",
                      "501 5.1.3 Bad recipient address syntax"}),
       {"EHLO c", "MAIL <a@b.example>"},
       {}},
      {"SMTPUTF8 (RFC 6531 §3.5): UTF-8 paths need the parameter",
       "EHLO c\r\nMAIL FROM:<\xc3\xa9@b.example>\r\nMAIL FROM:<a@b.example>\r\n"
       "RCPT TO:<\xc3\xa9@d.example>\r\nRSET\r\nMAIL FROM:<\xc3\xa9@b.example> SMTPUTF8\r\n"
       "RCPT TO:<\xc3\xa9@d.example>\r\n",
       kEhlo + lines({"553 5.6.7 Non-ASCII address needs SMTPUTF8", "250 2.1.0 Ok",
                      "553 5.6.7 Non-ASCII address needs SMTPUTF8", "250 2.0.0 Ok", "250 2.1.0 Ok",
                      "250 2.1.5 Ok"}),
       {"EHLO c", "MAIL <a@b.example>", "RESET", "MAIL <\xc3\xa9@b.example> SMTPUTF8",
        "RCPT <\xc3\xa9@d.example>"},
       {}},
      {"SIZE over the limit at MAIL (RFC 1870 §6.1)",
       "EHLO c\r\nMAIL FROM:<a@b.example> SIZE=1001\r\nMAIL FROM:<a@b.example> SIZE=1000\r\n",
       kEhlo + lines({"552 5.3.4 Message size exceeds fixed limit", "250 2.1.0 Ok"}),
       {"EHLO c", "MAIL <a@b.example> SIZE=1000"},
       {}},
      {"too many recipients: 452 4.5.3 (§4.5.3.1.8, §4.5.3.1.10)",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<r1@d.example>\r\nRCPT TO:<r2@d.example>\r\n"
       "RCPT TO:<reject@d.example>\r\nRCPT TO:<r3@d.example>\r\nRCPT TO:<r4@d.example>\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok", "550 5.1.1 No such user",
                      "250 2.1.5 Ok", "452 4.5.3 Error: too many recipients"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <r1@d.example>", "RCPT <r2@d.example>",
        "RCPT <reject@d.example>", "RCPT <r3@d.example>"},
       {}},
      {"two transactions on one connection",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\none\r\n.\r\n"
       "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\ntwo\r\n.\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                      "250 2.0.0 Ok: queued as Q1", "250 2.1.0 Ok", "250 2.1.5 Ok",
                      "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued as Q2"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN DATA", "END",
        "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN DATA", "END"},
       {"one\r\n", "two\r\n"}},
      {"SMTP smuggling: <LF>.<CR><LF> does not end the message, it is rejected whole",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nhello\n.\r\n"
       "MAIL FROM:<evil@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nforged\r\n.\r\nQUIT\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                      "550 5.5.2 Message rejected: bare <CR> or <LF> in the data; lines must "
                      "end with <CR><LF>",
                      "221 2.0.0 Bye"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN DATA", "ABORT", "CLOSE"},
       {}},
      {"SMTP smuggling: <CR>.<CR><LF>",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nhello\r.\r\n"
       "RSET\r\n.\r\nNOOP\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                      "550 5.5.2 Message rejected: bare <CR> or <LF> in the data; lines must "
                      "end with <CR><LF>",
                      "250 2.0.0 Ok"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN DATA", "ABORT"},
       {}},
      {"SMTP smuggling: <LF>.<LF>",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nhello\n.\nRSET\r\n"
       ".\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                      "550 5.5.2 Message rejected: bare <CR> or <LF> in the data; lines must "
                      "end with <CR><LF>"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN DATA", "ABORT"},
       {}},
      {"DATA line over max_data_line (§4.5.3.1.6)",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n" +
           std::string(99, 'x') + "\r\n.\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                      "550 5.5.2 Message rejected: a line is longer than 100 bytes"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN DATA", "ABORT"},
       {}},
      {"DATA over the size limit: 552 5.3.4 at the end",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n" +
           [] {
             std::string s;
             for (int i = 0; i < 11; ++i)
               s += std::string(98, 'y') + "\r\n";
             return s;
           }() +
           ".\r\nNOOP\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                      "552 5.3.4 Message size exceeds fixed limit", "250 2.0.0 Ok"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN DATA", "ABORT"},
       {}},
      {"BDAT (RFC 3030 §4.2 example shape), binary-safe",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 5\r\nab\r\n.BDAT 6 "
       "LAST\r\n\n\r\0.\r\n"s,
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok: 5 bytes",
                      "250 2.0.0 Ok: queued as Q1"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN BDAT", "END"},
       {std::string("ab\r\n.\n\r\0.\r\n", 11)}},
      {"BDAT 0 LAST ends the message; DATA after BDAT is 503 (RFC 3030 §3)",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 3\r\nxyzDATA\r\n"
       "RCPT TO:<e@d.example>\r\nBDAT 0 LAST\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok: 3 bytes",
                      "503 5.5.1 Error: DATA after BDAT in the same transaction",
                      "503 5.5.1 Error: BDAT transfer in progress", "250 2.0.0 Ok: queued as Q1"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN BDAT", "END"},
       {"xyz"}},
      {"BDAT without a transaction: the chunk is read and skipped",
       "EHLO c\r\nBDAT 6 LAST\r\nRSET\r\nMAIL FROM:<a@b.example>\r\nBDAT 4\r\nQUITNOOP\r\n",
       kEhlo + lines({"503 5.5.1 Error: need MAIL command", "250 2.1.0 Ok",
                      "554 5.5.1 Error: no valid recipients", "250 2.0.0 Ok"}),
       {"EHLO c", "MAIL <a@b.example>"},
       {}},
      {"BDAT over the size limit: 552, the chunk is skipped, the transaction is gone",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 600\r\n" +
           std::string(600, 'z') + "BDAT 401 LAST\r\n" + std::string(401, 'w') +
           "RCPT TO:<c@d.example>\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok: 600 bytes",
                      "552 5.3.4 Message size exceeds fixed limit",
                      "503 5.5.1 Error: need MAIL command"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN BDAT", "ABORT"},
       {}},
      {"RSET during BDAT aborts the message",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 2\r\nabRSET\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok: 2 bytes", "250 2.0.0 Ok"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN BDAT", "ABORT"},
       {}},
      {"BDAT with a bad size closes: the stream cannot be resynchronised",
       "EHLO c\r\nBDAT x\r\nNOOP\r\n",
       kEhlo + lines({"501 5.5.4 Syntax: BDAT size [LAST]; closing connection"}),
       {"EHLO c", "CLOSE"},
       {}},
      {"QUIT in the middle of a BDAT transfer aborts",
       "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 1\r\naQUIT\r\nNOOP\r\n",
       kEhlo + lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok: 1 bytes", "221 2.0.0 Bye"}),
       {"EHLO c", "MAIL <a@b.example>", "RCPT <c@d.example>", "BEGIN BDAT", "ABORT", "CLOSE"},
       {}},
      {"too many errors: 421 4.7.0 and close",
       "A\r\nB\r\nC\r\nD\r\nNOOP\r\nE\r\nF\r\nG\r\nH\r\nI\r\n",
       [] {
         std::string bad = "500 5.5.2 Error: command not recognized\r\n";
         return bad + bad + bad + bad + "250 2.0.0 Ok\r\n" + bad + bad + bad + bad +
                "421 4.7.0 mx.example.net Error: too many errors\r\n";
       }(),
       {"CLOSE"},
       {}},
      {"command line too long, NUL in a command, bare LF accepted as a command end",
       std::string(200, 'N') + "\r\nNO\0OP\r\nNOOP\n"s,
       lines({"500 5.5.2 Error: line too long", "500 5.5.2 Error: invalid character in command",
              "250 2.0.0 Ok"}),
       {},
       {}},
      {"STARTTLS: pipelined commands after it are discarded (RFC 3207 §4.2, CVE-2011-0411)",
       "EHLO c\r\nSTARTTLS\r\nMAIL FROM:<injected@b.example>\r\n",
       kEhlo + lines({"220 2.0.0 Ready to start TLS"}),
       {"EHLO c", "STARTTLS"},
       {}},
      {"STARTTLS errors",
       "STARTTLS now\r\nEHLO c\r\nMAIL FROM:<a@b.example>\r\nSTARTTLS\r\n",
       lines({"501 5.5.4 Syntax: STARTTLS"}) + kEhlo +
           lines({"250 2.1.0 Ok", "503 5.5.1 Error: MAIL transaction in progress"}),
       {"EHLO c", "MAIL <a@b.example>"},
       {}},
  };
  return kDialogues;
}

TEST(ServerProtocol, Dialogues) {
  for (const auto& d : dialogues())
    check(d, run(d.input), " (whole)");
}

// The same dialogues fed byte by byte and split in two at every position must give the same
// replies and events: nothing depends on where the reads end. (STARTTLS excepted: there the
// read boundary decides what was "pipelined after it".)
TEST(ServerProtocol, ChunkBoundaryIndependence) {
  for (const auto& d : dialogues()) {
    if (d.name.starts_with("STARTTLS")) continue;
    std::vector<std::string> bytes;
    for (char c : d.input)
      bytes.emplace_back(1, c);
    check(d, run_pieces(bytes), " (byte by byte)");
    for (std::size_t i = 1; i < d.input.size(); ++i) {
      check(d, run_pieces({d.input.substr(0, i), d.input.substr(i)}),
            " (split at " + std::to_string(i) + ")");
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// RFC 3207 §4.2: after the handshake the client must EHLO again; the STARTTLS keyword is gone.
TEST(ServerProtocol, StartTlsResetsState) {
  auto t = run_pieces({"EHLO c\r\nSTARTTLS\r\n", "MAIL FROM:<a@b.example>\r\nEHLO c\r\n"});
  std::string after = kEhlo.substr(0, kEhlo.size() - std::string("250 STARTTLS\r\n").size());
  after.replace(after.rfind("250-DSN"), 7, "250 DSN");
  EXPECT_EQ(t.output, kGreeting + kEhlo + "220 2.0.0 Ready to start TLS\r\n" +
                          "503 5.5.1 Error: send HELO/EHLO first\r\n" + after);
  EXPECT_EQ(t.events, (std::vector<std::string>{"EHLO c", "STARTTLS", "EHLO c"}));

  // Already TLS (port 465): no STARTTLS offered, refused if tried.
  auto o = options();
  o.role = Role::submissions;
  o.tls_active = true;
  auto t2 = run("EHLO c\r\nSTARTTLS\r\n", o);
  std::string with_auth = after;
  with_auth.replace(with_auth.rfind("250 DSN"), 7, "250-DSN\r\n250 AUTH PLAIN LOGIN SCRAM-SHA-256");
  EXPECT_EQ(t2.output, kGreeting + with_auth + "503 5.5.1 Error: TLS already active\r\n");
  // No certificate: not offered, not implemented.
  o = options();
  o.tls_available = false;
  auto t3 = run("STARTTLS\r\n", o);
  EXPECT_EQ(t3.output, kGreeting + "502 5.5.1 Error: command not implemented\r\n");
  // A failed handshake closes without writing anything more.
  Policy fail;
  fail.tls_ok = false;
  auto t4 = run("STARTTLS\r\nNOOP\r\n", options(), fail);
  EXPECT_EQ(t4.output, kGreeting + "220 2.0.0 Ready to start TLS\r\n");
  EXPECT_EQ(t4.events, (std::vector<std::string>{"STARTTLS", "CLOSE"}));
}

// Bytes the client sends while the handshake is pending are not commands either.
TEST(ServerProtocol, StartTlsIgnoresInputUntilAnswered) {
  ServerProtocol p(options());
  p.start();
  p.receive("STARTTLS\r\n");
  auto ev = p.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<StartTls>(*ev));
  EXPECT_EQ(p.take_output(), kGreeting + "220 2.0.0 Ready to start TLS\r\n");
  p.receive("RSET\r\n");
  EXPECT_FALSE(p.next_event());
  p.tls_established();
  EXPECT_TRUE(p.tls_active());
  EXPECT_FALSE(p.next_event());
  EXPECT_EQ(p.take_output(), "");
}

// PIPELINING (RFC 2920 §3.1): replies come in command order, in one flush per input batch.
TEST(ServerProtocol, PipelinedRepliesWaitForAnswers) {
  ServerProtocol p(options());
  p.start();
  EXPECT_EQ(p.take_output(), kGreeting);
  p.receive("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nNOOP\r\n");
  ASSERT_TRUE(std::holds_alternative<Hello>(*p.next_event()));
  ASSERT_TRUE(std::holds_alternative<MailFrom>(*p.next_event()));
  EXPECT_TRUE(p.awaiting_answer());
  EXPECT_FALSE(p.next_event());  // nothing moves until the sender is answered
  p.accept_sender();
  auto rcpt = p.next_event();
  ASSERT_TRUE(rcpt && std::holds_alternative<RcptTo>(*rcpt));
  p.reject_recipient({450, "4.2.0", "Try later"});
  EXPECT_FALSE(p.next_event());
  EXPECT_EQ(p.take_output(), kEhlo + "250 2.1.0 Ok\r\n450 4.2.0 Try later\r\n250 2.0.0 Ok\r\n");
  // An answer that is not a rejection cannot be used to reject.
  p.receive("RCPT TO:<x@d.example>\r\n");
  ASSERT_TRUE(std::holds_alternative<RcptTo>(*p.next_event()));
  p.reject_recipient({250, "2.0.0", "oops"});
  EXPECT_FALSE(p.next_event());
  EXPECT_EQ(p.take_output(), "451 4.3.0 Error: recipient not accepted\r\n");
}

TEST(ServerProtocol, RejectedMessage) {
  Policy policy;
  policy.message_reply = Reply{554, "5.7.1", "Spam"};
  auto t =
      run("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nx\r\n.\r\n"
          "RCPT TO:<c@d.example>\r\n",
          options(), policy);
  EXPECT_EQ(t.output,
            kGreeting + kEhlo +
                lines({"250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
                       "554 5.7.1 Spam", "503 5.5.1 Error: need MAIL command"}));
}

// RFC 5321 §4.5.3.2: the session applies the data timeout while message bytes are due.
TEST(ServerProtocol, PhaseAndTimeout) {
  ServerProtocol p(options());
  p.start();
  EXPECT_EQ(p.phase(), Phase::command);
  p.receive("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\npart");
  std::vector<std::string> seen;
  while (auto ev = p.next_event()) {
    if (std::holds_alternative<MailFrom>(*ev)) p.accept_sender();
    if (std::holds_alternative<RcptTo>(*ev)) p.accept_recipient();
    if (std::holds_alternative<MessageChunk>(*ev))
      seen.emplace_back(std::get<MessageChunk>(*ev).bytes);
  }
  EXPECT_EQ(seen, std::vector<std::string>{"part"});
  EXPECT_EQ(p.phase(), Phase::data);
  p.take_output();
  p.timed_out();
  auto ev = p.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<MessageAborted>(*ev));
  ev = p.next_event();
  ASSERT_TRUE(ev && std::holds_alternative<Close>(*ev));
  EXPECT_FALSE(p.next_event());
  EXPECT_TRUE(p.closed());
  EXPECT_EQ(p.take_output(), "421 4.4.2 mx.example.net Error: timeout exceeded\r\n");
  p.receive("NOOP\r\n");
  EXPECT_FALSE(p.next_event());
}

// RFC 5321 §4.3.2 lets a server close with 421 (4.7.0, RFC 3463) on abuse; the session needs to
// know it was errors, not QUIT or a timeout, to slow the client's next attempt down.
TEST(ServerProtocol, TooManyErrorsIsReported) {
  ServerProtocol p(options());
  p.start();
  p.receive("EHLO c\r\nX\r\nY\r\n");
  while (p.next_event()) {
  }
  EXPECT_FALSE(p.too_many_errors());
  p.receive("QUIT\r\n");
  while (p.next_event()) {
  }
  EXPECT_TRUE(p.closed());
  EXPECT_FALSE(p.too_many_errors());

  ServerProtocol q(options());
  q.start();
  for (int i = 0; i < 8; ++i)
    q.receive("BOGUS\r\n");
  while (q.next_event()) {
  }
  EXPECT_TRUE(q.closed());
  EXPECT_TRUE(q.too_many_errors());
  EXPECT_NE(q.take_output().find("421 4.7.0"), std::string::npos);
}

// Hostile input must not make the buffer grow: a 10 MB line without CRLF keeps at most one
// command line in memory, then gets one 500.
TEST(ServerProtocol, BoundedBuffer) {
  ServerProtocol p(options());
  p.start();
  std::string junk(4096, 'A');
  for (int i = 0; i < 2560; ++i) {
    p.receive(junk);
    EXPECT_FALSE(p.next_event());
    ASSERT_LE(p.buffered_input(), 128u);
  }
  p.receive("\r\nNOOP\r\n");
  EXPECT_FALSE(p.next_event());
  EXPECT_EQ(p.take_output(), kGreeting + "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n");
}

// Large messages stream out in chunks and come back intact.
TEST(ServerProtocol, LargeMessageStreams) {
  auto o = options();
  o.limits.max_message_size = 10'000'000;
  o.limits.max_data_line = 1000;
  std::string body;
  for (int i = 0; i < 50'000; ++i)
    body += (i % 7 == 0 ? ".line " : "line ") + std::to_string(i) + "\r\n";
  std::string stuffed;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '.' && (i == 0 || body[i - 1] == '\n')) stuffed += '.';
    stuffed += body[i];
  }
  std::string input =
      "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n" + stuffed + ".\r\n";
  std::vector<std::string> pieces;
  for (std::size_t i = 0; i < input.size(); i += 65536)
    pieces.push_back(input.substr(i, 65536));
  auto t = run_pieces(pieces, o);
  ASSERT_EQ(t.messages.size(), 1u);
  EXPECT_EQ(t.messages[0], body);
}

TEST(ServerProtocol, ReceivedProtocol) {
  ServerProtocol p(options());
  p.start();
  p.receive("HELO c\r\n");
  while (p.next_event()) {
  }
  EXPECT_EQ(p.received_protocol(), "SMTP");
  EXPECT_EQ(p.helo_name(), "c");
  p.receive("EHLO d\r\nMAIL FROM:<a@b.example> SMTPUTF8\r\n");
  while (auto ev = p.next_event())
    if (std::holds_alternative<MailFrom>(*ev)) p.accept_sender();
  EXPECT_TRUE(p.esmtp());
  EXPECT_EQ(p.received_protocol(), "UTF8SMTP");
}

}  // namespace
}  // namespace facteur::smtp
