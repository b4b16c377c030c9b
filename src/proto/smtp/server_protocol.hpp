// smtp::ServerProtocol: the sans-I/O SMTP server state machine (port 25 MX, 587 submission,
// 465 submissions). Bytes in, replies and events out; the session coroutine (src/server) only
// moves bytes, runs TLS and timeouts, and answers the events that ask for a decision.
//
// Implements RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY, EXPN, HELP), with
// PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531),
// ENHANCEDSTATUSCODES (RFC 2034, RFC 3463), STARTTLS (RFC 3207), CHUNKING/BDAT (RFC 3030) and
// the DSN parameters (RFC 3461). AUTH (RFC 4954) is not there yet (AUTH gets 502): it will come
// as an Auth{mechanism, initial_response} event answered by auth_challenge(bytes) /
// auth_succeeded(identity) / auth_failed(reply), the line reader switching to a SASL-response
// mode; role submission will then refuse MAIL before AUTH.
//
// TRUST: faces the internet. Every byte is hostile: input buffering is bounded by
// Limits::max_command_line plus what one receive() brings, message data is streamed out, never
// held; bare CR/LF in DATA rejects the message (no SMTP smuggling); bytes pipelined after
// STARTTLS are discarded (no command injection into the TLS session); repeated bad commands
// close the connection. No exceptions escape (allocation failure aside).
//
// Driving it (one connection):
//   ServerProtocol p(options);
//   p.start();                                  // queues the 220 greeting
//   loop:
//     while (auto ev = p.next_event()) {        // handle every event in order
//       ... MailFrom -> p.accept_sender() / p.reject_sender(reply), etc.
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
};

struct ServerOptions {
  std::string hostname;        // greeting, EHLO reply, 421 texts
  Role role = Role::mx;        // informational until AUTH lands
  bool tls_available = false;  // STARTTLS can be offered (a certificate is loaded)
  bool tls_active = false;     // the connection is already TLS (submissions, port 465)
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
// Answer: accept_sender() or reject_sender(reply).
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
// STARTTLS: "220 2.0.0 Ready to start TLS" is queued, all input buffered after the command line
// is discarded. Answer: take_output() and write it in clear, run the handshake, then
// tls_established() (state reset, EHLO required again) or tls_failed() (closes, nothing queued).
struct StartTls {};
// The conversation is over (QUIT, too many errors, timed_out(), tls_failed()): write what
// take_output() returns, then close the connection. No event follows.
struct Close {};

using Event = std::variant<Hello, MailFrom, RcptTo, MessageBegin, MessageChunk, MessageEnd,
                           MessageAborted, Reset, StartTls, Close>;

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
  void tls_established();
  void tls_failed();

  // The session's read timer fired: queues "421 4.4.2 ... timeout" and closes (next_event()
  // then yields MessageAborted if a message was in progress, and Close).
  void timed_out();

  Phase phase() const;
  bool closed() const;           // Close was or is about to be emitted
  bool awaiting_answer() const;  // an event is waiting for its answer
  // Unconsumed input bytes. Once next_event() returned nullopt with no answer awaited, this is
  // at most Limits::max_command_line (a partial command line).
  std::size_t buffered_input() const;

  // For the Received: field and the logs.
  const std::string& helo_name() const;  // "" before EHLO/HELO
  bool esmtp() const;                    // the last greeting was EHLO
  bool tls_active() const;
  std::string_view received_protocol() const;  // "ESMTPS", "UTF8SMTPS"... (RFC 3848, 6531)

  ~ServerProtocol();
  ServerProtocol(ServerProtocol&&) noexcept;
  ServerProtocol& operator=(ServerProtocol&&) noexcept;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace facteur::smtp
