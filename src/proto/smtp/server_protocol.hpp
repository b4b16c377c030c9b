// smtp::ServerProtocol: the sans-I/O SMTP server state machine (port 25 MX, 587 submission,
// 465 submissions). Bytes in, replies and events out; the session coroutine (src/server) only
// moves bytes, runs TLS and timeouts, and answers the events that ask for a decision.
//
// Implements RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY, EXPN, HELP), with
// PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531),
// ENHANCEDSTATUSCODES (RFC 2034, RFC 3463), STARTTLS (RFC 3207), CHUNKING/BDAT (RFC 3030), the
// DSN parameters (RFC 3461) and AUTH (RFC 4954) with the submission rules of RFC 6409 / RFC 8314.
//
// AUTH: the protocol only frames the exchange (base64, "334 " challenges, "=" empty initial
// response, "*" cancel, 12288-octet lines) and enforces where AUTH may happen; the mechanisms
// are the directory's (directory/sasl.hpp): the session feeds SaslStart / SaslResponse data to
// one and answers sasl_challenge(), auth_succeeded() or auth_failed(). AUTH is offered on roles
// submission and submissions (on mx only with ServerOptions::auth_on_mx), and only once TLS is
// active unless ServerOptions::plaintext_auth_allowed (loopback, trusted networks). On the
// submission roles MAIL needs a successful AUTH first (530 5.7.0, RFC 4954 §6); whether the
// envelope sender and From: belong to the account (553 5.7.1) is the session's decision, made
// with authenticated_identity() when MailFrom arrives. STARTTLS forgets the authentication.
//
// TRUST: faces the internet. Every byte is hostile: input buffering is bounded by
// Limits::max_command_line (Limits::max_sasl_line for AUTH lines) plus what one receive()
// brings, message data is streamed out, never held; bare CR/LF in DATA rejects the message (no
// SMTP smuggling); bytes pipelined after STARTTLS are discarded (no command injection into the
// TLS session); repeated bad commands or failed logins close the connection. No exceptions
// escape (allocation failure aside).
//
// Driving it (one connection):
//   ServerProtocol p(options);
//   p.start();                                  // queues the 220 greeting
//   loop:
//     while (auto ev = p.next_event()) {        // handle every event in order
//       ... MailFrom -> p.accept_sender() / p.reject_sender(reply), etc.
//       ... SaslStart/SaslResponse -> step the mechanism -> p.sasl_challenge(bytes) /
//                                     p.auth_succeeded(identity) / p.auth_failed(why)
//       ... StartTls -> write(p.take_output()); TLS handshake; p.tls_established()/tls_failed()
//       ... Close    -> write(p.take_output()); close the socket; done
//     }
//     write(p.take_output());                   // nullopt: flush (PIPELINING), then read
//     p.receive(read_some(phase_timeout(p.phase())));   // on timeout: p.timed_out()
// An event that asks for an answer must be answered before next_event() is called again (until
// then next_event() returns nullopt). receive() is meant to be called only after next_event()
// returned nullopt; anything else only makes the buffer grow by what was passed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proto/smtp/envelope.hpp"
#include "proto/smtp/received.hpp"
#include "proto/smtp/reply.hpp"

namespace facteur::smtp {

enum class Role { mx, submission, submissions };

struct Limits {
  std::uint64_t max_message_size = 36'700'160;  // bytes (35 MiB), advertised with SIZE
  std::size_t max_recipients = 100;             // per transaction; more get 452 (§4.5.3.1.8)
  std::size_t max_command_line = 2048;          // bytes with CRLF; §4.5.3.1.4 says >= 512
  std::size_t max_data_line = 1000;             // bytes with CRLF (§4.5.3.1.6); 0: no limit
  std::size_t max_errors = 20;  // bad or out-of-sequence commands before 421; 0: no limit
  // SASL response lines, CRLF included: RFC 4954 §4 lets a client send 12288 octets of base64
  // in one line. An AUTH command line may be 64 octets longer (verb, mechanism name).
  std::size_t max_sasl_line = 12290;
  std::size_t max_auth_failures = 3;  // failed logins (bad credentials) before 421; 0: no limit
};

struct ServerOptions {
  std::string hostname;        // greeting, EHLO reply, 421 texts
  Role role = Role::mx;        // submission roles offer AUTH and require it before MAIL
  bool tls_available = false;  // STARTTLS can be offered (a certificate is loaded)
  bool tls_active = false;     // the connection is already TLS (submissions, port 465)
  // AUTH without TLS is fine (loopback peer, trusted network): RFC 4954 §4 wants a
  // configuration that refuses it, which is the default.
  bool plaintext_auth_allowed = false;
  bool auth_on_mx = false;  // offer AUTH on role mx too (never by default)
  // Mechanisms the session can run, upper case, in the order advertised.
  std::vector<std::string> sasl_mechanisms = {"PLAIN", "LOGIN", "SCRAM-SHA-256"};
  Limits limits;
};

// Which timeout the session applies while waiting for input (RFC 5321 §4.5.3.2).
enum class Phase { command, data };

// ---- Events (next_event). "Answer:" names the calls that must follow; the others need none.

// EHLO/HELO was accepted (its reply is already queued); informational.
struct Hello {
  std::string domain;  // the client's argument, as sent
  bool extended;       // EHLO
};
// Answer: accept_sender() or reject_sender(reply). On the submission roles the connection is
// authenticated (authenticated_identity() is set): the session checks that the sender belongs
// to the account (553 5.7.1 otherwise).
struct MailFrom {
  Path path;
  MailParams params;
};
// Answer: accept_recipient() or reject_recipient(reply).
struct RcptTo {
  Path path;
  RcptParams params;
};
// A message starts (DATA got its 354, or the first BDAT chunk of the transaction).
struct MessageBegin {
  bool chunking;  // BDAT: bytes are passed as sent; DATA: dot-unstuffed, CRLF line ends
};
// Message bytes; `bytes` stays valid until the next non-const call on the protocol.
struct MessageChunk {
  std::string_view bytes;
};
// The whole message arrived and passed every check. Answer: message_accepted(queue_id) or
// message_rejected(reply). Either way the transaction is over.
struct MessageEnd {};
// The message in progress is dropped (too big, bare CR/LF, line too long, RSET during BDAT,
// connection closing...): discard the spool. The transaction is over too; the protocol has
// queued (or will queue when the data ends) the reply itself.
struct MessageAborted {};
// A transaction with an accepted sender was cleared without a message (RSET, EHLO/HELO):
// forget the envelope.
struct Reset {};
// AUTH mechanism [initial-response] (RFC 4954 §4) with a mechanism of
// ServerOptions::sasl_mechanisms (upper case). `initial_response` is base64-decoded; nullopt
// when the client sent none ("=" gives ""). Answer: sasl_challenge(data), auth_succeeded(id)
// or auth_failed(why).
struct SaslStart {
  std::string mechanism;
  std::optional<std::string> initial_response;
};
// The client's answer to the last sasl_challenge(), base64-decoded. Same answers as SaslStart.
// (A "*" cancel, bad base64 or an over-long line ends the exchange inside the protocol with a
// 501/500 reply and no event: the session drops its mechanism object when the next SaslStart
// comes, or at once when it sees SaslAborted.)
struct SaslResponse {
  std::string data;
};
// The exchange the session was running ended without a verdict from it (cancel, bad base64,
// over-long line, timeout, close): drop the mechanism object. No answer.
struct SaslAborted {};
// STARTTLS: "220 2.0.0 Ready to start TLS" is queued, all input buffered after the command line
// is discarded. Answer: take_output() and write it in clear, run the handshake, then
// tls_established() (state reset, EHLO required again) or tls_failed() (closes, nothing queued).
struct StartTls {};
// The conversation is over (QUIT, too many errors, timed_out(), tls_failed()): write what
// take_output() returns, then close the connection. No event follows.
struct Close {};

using Event =
    std::variant<Hello, MailFrom, RcptTo, MessageBegin, MessageChunk, MessageEnd, MessageAborted,
                 Reset, StartTls, Close, SaslStart, SaslResponse, SaslAborted>;

// Why a login did not succeed; picks the reply (RFC 4954 §6).
enum class AuthFailure {
  bad_credentials,    // 535 5.7.8 (counts towards Limits::max_auth_failures)
  malformed,          // 501 5.5.2: the client broke the mechanism's syntax
  too_weak,           // 534 5.7.9: policy wants a stronger mechanism for this account
  transition_needed,  // 432 4.7.12: the account must change its password first
  temporary,          // 454 4.7.0: the directory or the store is unavailable
};

class ServerProtocol {
 public:
  explicit ServerProtocol(ServerOptions options);

  void start();                          // queues the 220 greeting
  void receive(std::string_view bytes);  // bytes read from the socket (ignored once closed)
  std::optional<Event> next_event();     // nullopt: flush take_output(), then read more input
  std::string take_output();             // queued replies, in order; empties the queue

  // Answers.
  void accept_sender();
  void reject_sender(Reply reply);
  void accept_recipient();
  void reject_recipient(Reply reply);
  void message_accepted(std::string_view queue_id);  // "250 2.0.0 Ok: queued as <id>"
  void message_rejected(Reply reply);
  void sasl_challenge(std::string_view data);  // "334 base64(data)", awaits SaslResponse
  void auth_succeeded(std::string identity);   // "235 2.7.0 Authentication successful"
  void auth_failed(AuthFailure why);
  void tls_established();
  void tls_failed();

  // The session's read timer fired: queues "421 4.4.2 ... timeout" and closes (next_event()
  // then yields MessageAborted if a message was in progress, and Close).
  void timed_out();

  Phase phase() const;
  bool closed() const;           // Close was or is about to be emitted
  bool too_many_errors() const;  // closed because the client reached Limits::max_errors
  bool awaiting_answer() const;  // an event is waiting for its answer
  // Unconsumed input bytes. Once next_event() returned nullopt with no answer awaited, this is
  // at most Limits::max_command_line (a partial command line).
  std::size_t buffered_input() const;

  // For the Received: field and the logs.
  const std::string& helo_name() const;  // "" before EHLO/HELO
  bool esmtp() const;                    // the last greeting was EHLO
  bool tls_active() const;
  bool auth_offered() const;  // AUTH is in the EHLO reply now
  // The identity given to auth_succeeded(); nullopt before AUTH and after STARTTLS.
  const std::optional<std::string>& authenticated_identity() const;
  // "ESMTPS", "ESMTPSA", "UTF8SMTPSA"... (RFC 3848, RFC 6531 §3.7.3)
  std::string_view received_protocol() const;

  ~ServerProtocol();
  ServerProtocol(ServerProtocol&&) noexcept;
  ServerProtocol& operator=(ServerProtocol&&) noexcept;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace facteur::smtp
