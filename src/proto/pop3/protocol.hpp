// pop3::Protocol: the sans-I/O POP3 server state machine (ports 110 with STLS, 995 implicit TLS).
// Bytes in, replies and events out; the session coroutine (src/server) only moves bytes, runs
// TLS and timeouts, and answers the events that ask for a decision (credentials, maildrop).
//
// Implements RFC 1939 (USER, PASS, APOP, QUIT, STAT, LIST, RETR, DELE, NOOP, RSET, TOP, UIDL),
// RFC 2449 (CAPA, response codes, PIPELINING, 255-octet command lines), RFC 2595 §4 (STLS),
// RFC 5034 (AUTH with initial response, "*" cancel, AUTH-RESP-CODE) and the RFC 3206 / RFC 2449
// response codes [SYS/TEMP], [SYS/PERM], [AUTH], [IN-USE].
//
// SASL: the protocol only frames AUTH (base64, "+ " challenges, "=" empty initial response, "*"
// cancel). The mechanisms themselves (PLAIN, LOGIN, SCRAM-SHA-256) are the directory's
// (directory/sasl.hpp): the session feeds them SaslStart/SaslResponse data and answers with
// sasl_challenge(), auth_succeeded() or auth_failed(). Which mechanisms are plaintext (PLAIN,
// LOGIN) is known here, so they are refused without TLS unless Options::plaintext_allowed.
//
// TRUST: faces the internet. Every byte is hostile: command lines are bounded
// (Limits::max_command_line, over-long lines get -ERR and are skipped without being held),
// pipelined input is bounded (Limits::max_pending_input), bytes pipelined after STLS are dropped
// (no command injection into the TLS session), repeated bad commands and authentication
// failures close the connection. No exceptions escape (allocation failure aside).
//
// Driving it (one connection):
//   Protocol p(options, apop_timestamp);
//   p.start();                                   // queues the +OK greeting
//   loop:
//     while (auto ev = p.next_event()) {         // handle every event in order
//       ... AuthenticatePassword -> check; lock + list maildrop -> p.auth_succeeded(entries)
//                                   or p.auth_failed(AuthFailure::...)
//       ... Retrieve -> write(p.take_output()) (it ends with the +OK line), then stream the
//                       message through a DotStuffer (dot_stuffer.hpp); no answer
//       ... StartTls -> write(p.take_output()); TLS handshake; p.tls_established()/tls_failed()
//       ... Update   -> commit the deletions, release the lock -> p.update_done(ok)
//       ... Close    -> write(p.take_output()); close the socket (release the lock); done
//     }
//     write(p.take_output());                    // nullopt: flush (PIPELINING), then
//     if (p.wants_input()) p.receive(read_some());   // on timeout: p.timed_out()
// An event that asks for an answer must be answered before next_event() is called again (until
// then next_event() returns nullopt). next_event() also returns nullopt when the queued output
// passes Limits::output_high_water while commands are still buffered: wants_input() is then
// false and the session just flushes and calls next_event() again (reading there could block
// forever on a client that pipelined everything and waits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace facteur::pop3 {

struct Limits {
  std::size_t max_command_line = 255;  // octets with CRLF (RFC 2449 §4: servers MUST take 255)
  std::size_t max_sasl_line = 8192;    // octets with CRLF, AUTH continuation responses
  std::size_t max_pending_input = 256 * 1024;  // unprocessed pipelined bytes before -ERR and close
  std::size_t output_high_water = 256 * 1024;  // queued output that pauses command processing
  unsigned max_auth_failures = 3;              // failed logins before -ERR and close
  unsigned max_bad_commands = 20;              // unknown/invalid commands before -ERR and close
};

struct Options {
  std::string hostname;            // greeting and sign-off texts
  bool tls_available = false;      // STLS can be offered (a certificate is loaded, plain port)
  bool tls_active = false;         // the connection is already TLS (pop3s, port 995)
  bool plaintext_allowed = false;  // plaintext auth without TLS is fine (loopback peer);
                                   // with TLS active it always is
  // SASL mechanisms the session can run (upper case). PLAIN and LOGIN are offered only when
  // plaintext authentication is allowed; the others always.
  std::vector<std::string> sasl_mechanisms = {"PLAIN", "LOGIN", "SCRAM-SHA-256"};
  Limits limits;
};

// One message of the maildrop as the store lists it at login.
struct MaildropEntry {
  std::string uid;         // UIDL: 1 to 70 characters 0x21-0x7E, stable across sessions
  std::uint64_t size = 0;  // exact octets as RETR sends them before dot-stuffing (CRLF lines)
};

// Why a login did not succeed; picks the response code.
enum class AuthFailure {
  bad_credentials,  // -ERR [AUTH] (counts towards Limits::max_auth_failures)
  in_use,           // -ERR [IN-USE]: the maildrop is locked by another session
  temporary,        // -ERR [SYS/TEMP]: the store or the directory is unavailable
};

enum class State { authorization, transaction, update, closed };

// ---- Events (next_event). "Answer:" names the calls that must follow; the others need none.

// USER + PASS. Answer: auth_succeeded(entries) or auth_failed(why).
struct AuthenticatePassword {
  std::string user;
  std::string password;
};
// APOP name digest (RFC 1939 §7); `digest` is 32 hex digits (lower-cased), `timestamp` the one
// from the greeting. Answer: auth_succeeded(entries) or auth_failed(why).
struct AuthenticateApop {
  std::string user;
  std::string digest;
  std::string timestamp;
};
// AUTH mechanism [initial-response] with a mechanism from Options::sasl_mechanisms (upper case).
// `initial_response` is base64-decoded; nullopt when the client sent none ("=" gives "").
// Answer: sasl_challenge(data), auth_succeeded(entries) or auth_failed(why).
struct SaslStart {
  std::string mechanism;
  std::optional<std::string> initial_response;
};
// The client's answer to the last sasl_challenge(), base64-decoded. Same answers as SaslStart.
// (A "*" cancel or bad base64 ends the exchange inside the protocol: no event, the session just
// drops its mechanism object; the next SaslStart starts over.)
struct SaslResponse {
  std::string data;
};
// STLS: "+OK Begin TLS negotiation" is queued, all input buffered after the command line is
// discarded. Answer: take_output() and write it in clear, run the handshake, then
// tls_established() (back to a fresh AUTHORIZATION state) or tls_failed() (closes).
struct StartTls {};
// RETR n / TOP n lines: "+OK ..." is queued. Write take_output() first, then the message of
// `uid` through DotStuffer(top_lines), which also ends it with ".\r\n". No answer.
struct Retrieve {
  std::size_t msg_number = 0;  // 1-based, as the client named it
  std::size_t index = 0;       // 0-based index into the auth_succeeded() entries
  std::string uid;
  std::uint64_t size = 0;
  std::optional<std::size_t> top_lines;  // TOP: header, blank line, at most this many body lines
};
// QUIT in TRANSACTION: enter UPDATE (RFC 1939 §6). Remove these messages (maybe none), release
// the maildrop lock. Answer: update_done(ok).
struct Update {
  std::vector<std::string> deleted_uids;  // in message-number order
};
// The conversation is over (QUIT, update_done(), too many errors, timed_out(), tls_failed(),
// shutdown()): write what take_output() returns, then close the connection (and release the
// maildrop lock if one is held: without UPDATE nothing is deleted). No event follows.
struct Close {};

using Event = std::variant<AuthenticatePassword, AuthenticateApop, SaslStart, SaslResponse,
                           StartTls, Retrieve, Update, Close>;

class Protocol {
 public:
  // apop_timestamp: "<pid.clock@host>" put in the greeting (RFC 1939 §7); empty disables APOP.
  Protocol(Options options, std::string apop_timestamp);

  void start();                          // queues the +OK greeting
  void receive(std::string_view bytes);  // bytes read from the socket (ignored once closed)
  std::optional<Event> next_event();     // nullopt: flush take_output(), then see wants_input()
  std::string take_output();             // queued replies, in order; empties the queue
  bool wants_input() const;              // nothing left to do without more bytes from the client

  // Answers.
  void auth_succeeded(std::vector<MaildropEntry> entries);  // -> TRANSACTION, "+OK maildrop..."
  void auth_failed(AuthFailure why);
  void sasl_challenge(std::string_view data);  // sends "+ base64(data)" and awaits SaslResponse
  void update_done(bool ok);  // "+OK ... signing off" / "-ERR [SYS/TEMP] some deleted messages
                              // not removed" (RFC 1939 §6), then Close
  void tls_established();
  void tls_failed();

  // The session's idle timer fired (autologout, RFC 1939 §3): "-ERR" and Close, no UPDATE.
  void timed_out();
  // The server is stopping: "-ERR [SYS/TEMP]" and Close, no UPDATE.
  void shutdown();

  State state() const;
  bool closed() const;           // Close was or is about to be emitted
  bool awaiting_answer() const;  // an event is waiting for its answer
  bool tls_active() const;
  const std::string& user() const;  // the USER/APOP name of the current or last login attempt

  ~Protocol();
  Protocol(Protocol&&) noexcept;
  Protocol& operator=(Protocol&&) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> s_;
};

}  // namespace facteur::pop3
