// smtp::ClientProtocol: the sans-I/O SMTP client state machine for one outbound connection
// (the queue's deliveries to MX hosts and smarthosts). Bytes in, commands and events out; the
// session coroutine only connects, moves bytes, runs TLS and applies the timeouts it is given.
//
// Implements RFC 5321 (greeting, EHLO with the HELO fallback, MAIL, RCPT, DATA, RSET, QUIT),
// PIPELINING (RFC 2920: MAIL, the RCPTs and DATA go as one group, replies are matched in
// order), SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), STARTTLS (RFC 3207), DSN
// parameters (RFC 3461, ORCPT per RFC 6533), CHUNKING (RFC 3030: one "BDAT n LAST"), enhanced
// status codes (RFC 2034, RFC 3463) and AUTH PLAIN / LOGIN for smarthosts (RFC 4954, RFC 4616).
//
// Content decisions made here, per message:
//  - 8-bit content to a server without 8BITMIME: converted to 7 bit (quoted-printable bodies,
//    RFC 6152 §3 choice (a), message_content.hpp); when 8-bit octets sit in header fields it
//    cannot be converted and every recipient fails permanently with 5.6.3 (choice (b)).
//  - SMTPUTF8 (RFC 6531 §3.4): used when the peer offers it and the envelope has a UTF-8
//    address or the message asked for SMTPUTF8 and has 8-bit header fields. When the peer lacks
//    it: a UTF-8 sender or such headers fail every recipient permanently with 5.6.7, a UTF-8
//    recipient fails alone with 5.6.7, the ASCII rest is sent without SMTPUTF8. No RFC 6857
//    downgrade is attempted.
//  - SIZE: a message larger than the peer's advertised SIZE fails permanently with 5.3.4
//    without being sent (RFC 1870 §6.1).
//  - DSN: RET/ENVID/NOTIFY/ORCPT are passed on only when the peer offers DSN; otherwise
//    MessageResult::peer_dsn is false and the queue itself owes the "relayed" notices for
//    NOTIFY=SUCCESS recipients (RFC 3461 §4.1).
//
// TRUST: talks to remote servers (any host an MX record names). Replies are read with bounds
// (ReplyLimits), hostile or broken replies end the conversation as a temporary failure, bytes
// pipelined behind the 220 to STARTTLS are dropped (no reply injection into the TLS session),
// credentials are only sent over TLS (unless ClientOptions::auth_without_tls). No exceptions.
//
// Driving it (one connection; after connect):
//   ClientProtocol c(options);
//   loop:
//     while (auto ev = c.next_event()) {
//       ... ClientStartTls -> flush take_output(); TLS handshake; c.tls_established()/tls_failed()
//       ... ClientReady    -> c.send(message) (its bytes stay valid until its MessageDone)
//                             or c.quit()
//       ... MessageDone    -> record the per-recipient results (no answer)
//       ... ClientClosed   -> flush take_output(), close the socket; done
//     }
//     for (auto out = c.take_output(); !out.empty(); out = c.take_output())
//       write(out, c.write_timeout());
//     if (c.wants_input()) read_some(c.read_timeout()) -> c.receive(bytes) / on timeout
//       c.timed_out() / on EOF or error c.connection_lost()
// take_output() hands out at most ClientOptions::output_chunk bytes of message data per call,
// so a large message never sits in memory twice.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proto/smtp/capabilities.hpp"
#include "proto/smtp/envelope.hpp"
#include "proto/smtp/reply.hpp"
#include "proto/smtp/reply_reader.hpp"

namespace facteur::smtp {

enum class TlsMode {
  none,           // never STARTTLS
  opportunistic,  // STARTTLS when offered; in clear when not offered or refused (454)
  required,       // no STARTTLS offered or accepted: temporary failure, nothing sent
};

struct ClientCredentials {  // smarthost login (AUTH PLAIN, else AUTH LOGIN)
  std::string username;
  std::string password;
};

struct ClientOptions {
  std::string helo_name;  // our host name for EHLO/HELO
  TlsMode starttls = TlsMode::opportunistic;
  bool tls_active = false;  // implicit TLS (port 465): no STARTTLS
  std::optional<ClientCredentials> auth;
  bool auth_without_tls = false;  // send credentials in clear (tests, loopback smarthost)
  bool pipelining = true;         // use PIPELINING when offered
  bool chunking = true;           // use BDAT when offered
  ReplyLimits reply_limits;
  std::size_t output_chunk = 64 * 1024;  // message bytes per take_output()
};

// RFC 5321 §4.5.3.2 timeouts, by what the client waits for.
enum class ClientPhase {
  greeting,    // the 220: 5 minutes
  command,     // EHLO, STARTTLS, AUTH, RSET, QUIT: 5 minutes
  mail,        // reply to MAIL: 5 minutes
  rcpt,        // reply to RCPT: 5 minutes
  data_init,   // reply to DATA (354): 2 minutes
  data_block,  // writing message data: 3 minutes per write
  data_end,    // reply to the final "." or BDAT LAST: 10 minutes
};
std::chrono::seconds timeout_for(ClientPhase phase);

// ---- What the session gives per message

struct OutboundRecipient {
  Path path;
  unsigned notify = kNotifyNone;           // DsnNotify bits, passed on when the peer has DSN
  std::optional<OriginalRecipient> orcpt;  // ORCPT, passed on when the peer has DSN
};

struct OutboundMessage {
  Path reverse_path;  // <> for bounces
  std::vector<OutboundRecipient> recipients;
  // The message (CRLF line ends expected; bare CR/LF are sent as CRLF). Must stay valid and
  // unchanged until the message's MessageDone.
  std::string_view data;
  bool smtputf8 = false;  // the submission asked for SMTPUTF8 (RFC 6531)
  DsnRet ret = DsnRet::unspecified;
  std::optional<std::string> envid;
  std::optional<std::string> auth;  // AUTH= to pass on (RFC 4954 §5) when the peer has AUTH
};

// ---- Results

enum class DeliveryStatus {
  delivered,          // the peer took responsibility (2xx to the end of data)
  temporary_failure,  // 4xx, connection trouble, timeout: try again later
  permanent_failure,  // 5xx, or a content decision above: bounce
};

struct RecipientResult {
  DeliveryStatus status = DeliveryStatus::temporary_failure;
  // The peer's reply (text lines joined with '\n') when `remote`, else ours: DSN
  // Diagnostic-Code "smtp; <code> <enhanced> <text>" only for remote replies.
  Reply reply;
  bool remote = false;
  // What the reply answered: "MAIL FROM", "RCPT TO", "DATA", "end of data", "BDAT", "RSET",
  // or "" for our own decisions and connection trouble (for the bounce text).
  std::string_view stage;
};

struct MessageResult {
  std::vector<RecipientResult> recipients;  // in OutboundMessage::recipients order
  bool peer_dsn = false;           // the DSN parameters went to the peer (it does NOTIFY now)
  bool converted_to_7bit = false;  // RFC 6152 §3 conversion happened
  bool smtputf8 = false;           // sent with SMTPUTF8
};

// Why the connection ended (ClientClosed).
enum class SessionFailure {
  none,             // QUIT after the session's quit()
  greeting,         // no 220 (RFC 5321 §3.1: 554 "no SMTP service here")
  hello,            // EHLO and HELO both refused
  tls,              // STARTTLS required but not offered, refused, or the handshake failed
  auth,             // smarthost authentication failed or impossible
  peer_closed,      // 421 at any point (RFC 5321 §3.8)
  protocol,         // malformed or unexpected replies
  connection_lost,  // EOF or I/O error
  timeout,
};

// ---- Events

// STARTTLS got its 220. Answer: write take_output(), handshake, tls_established() (EHLO
// again) or tls_failed() (ClientClosed follows; with TlsMode::opportunistic the queue may try
// again in clear).
struct ClientStartTls {};
// The connection can take a message. Answer: send(message) or quit().
struct ClientReady {};
// A message's transaction is over. No answer; ClientReady or ClientClosed follows.
struct MessageDone {
  MessageResult result;
};
// The conversation is over: write take_output() (a QUIT, maybe), close. Nothing follows.
struct ClientClosed {
  SessionFailure failure = SessionFailure::none;
  std::optional<Reply> reply;  // the peer reply that ended it, if one did
  bool permanent = false;      // a 5xx ended it (greeting, HELO, AUTH): the host refuses us
  std::string detail;          // for the logs and the DSN text
};

using ClientEvent = std::variant<ClientStartTls, ClientReady, MessageDone, ClientClosed>;

class ClientProtocol {
 public:
  explicit ClientProtocol(ClientOptions options);

  void receive(std::string_view bytes);     // bytes read from the socket
  std::optional<ClientEvent> next_event();  // nullopt: write take_output(), then wants_input()
  std::string take_output();                // "" when nothing more to write now
  bool wants_input() const;                 // a reply is awaited and everything was written

  // Answers.
  bool send(OutboundMessage message);  // false (ignored) unless ClientReady was the last event
  void quit();
  void tls_established();
  void tls_failed();

  // Session-side trouble: unresolved recipients become temporary failures, then ClientClosed.
  void timed_out();
  void connection_lost();

  ClientPhase phase() const;
  std::chrono::seconds read_timeout() const { return timeout_for(phase()); }
  std::chrono::seconds write_timeout() const { return timeout_for(ClientPhase::data_block); }
  bool closed() const;  // ClientClosed was or is about to be emitted
  bool tls_active() const;
  bool authenticated() const;
  const Capabilities& capabilities() const;  // of the last EHLO
  const Reply& greeting() const;             // the 220 (for Remote-MTA and the logs)

  ~ClientProtocol();
  ClientProtocol(ClientProtocol&&) noexcept;
  ClientProtocol& operator=(ClientProtocol&&) noexcept;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// ORCPT value for the wire (RFC 3461 §4.2, RFC 6533 §3): "rfc822;" xtext, or "utf-8;" with
// non-ASCII code points as \x{HEX} and '+', '=', '\' escaped the same way.
std::string encode_orcpt(const OriginalRecipient& orcpt);

}  // namespace facteur::smtp
