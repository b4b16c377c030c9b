// imap::Protocol: the sans-I/O IMAP server state machine (port 143 with STARTTLS, 993 implicit
// TLS). Bytes in, responses and events out; the session coroutine (src/server/imap_session)
// moves bytes, runs TLS, zlib and timeouts, and answers the events from the store.
//
// Implements RFC 9051 (IMAP4rev2) and RFC 3501 (IMAP4rev1) framing and states: tagged commands,
// synchronising literals "{n}" (the "+" continuation is sent only once the command so far
// parsed and the size is within limits, RFC 9051 §7.5), RFC 7888 LITERAL+ "{n+}", RFC 3516
// literal8 in APPEND, RFC 4959 SASL-IR, RFC 5161 ENABLE (IMAP4rev2, CONDSTORE, QRESYNC,
// UTF8=ACCEPT), RFC 2177 IDLE, RFC 3502 MULTIAPPEND with APPEND streamed as chunks, RFC 7889
// APPENDLIMIT, RFC 4978 COMPRESS (command only), RFC 2971 ID, RFC 2342 NAMESPACE, the capability
// list per state (LOGINDISABLED and no AUTH=PLAIN without privacy, RFC 9051 §6.2.3), and the
// BAD/NO rules for commands in the wrong state.
//
// TRUST: faces the internet. Every byte is hostile: lines are bounded (Limits::max_line), other
// literals too (max_literal, max_command), APPEND data is streamed out and never held; a literal
// over its limit is refused before any of it is read ("{4294967296}" gets "NO [TOOBIG]" with no
// "+"); rejected non-synchronising literals are skipped (up to max_discard, else BYE); bytes
// pipelined after STARTTLS are discarded; repeated bad commands and failed logins close the
// connection. No exceptions escape (allocation failure aside).
//
// Driving it (one connection):
//   Protocol p(options);
//   p.start();                                   // queues the greeting
//   loop:
//     while (auto ev = p.next_event()) {         // handle every event in order
//       ... Login / SaslStart / SaslResponse -> p.login_succeeded() / login_failed() /
//                                               sasl_challenge(data)
//       ... Request{tag, command} -> write untagged data with p.writer(), then p.done(...)
//       ... AppendBegin -> p.append_accept() or p.append_reject(...); AppendChunk: write the
//           bytes to the blob; AppendEnd -> commit all messages, p.done(ok, APPENDUID...);
//           AppendAborted -> drop what was staged
//       ... StartTls -> write(p.take_output()); handshake; p.tls_established()/tls_failed()
//       ... StartCompression -> write(p.take_output()) uncompressed, then deflate both ways
//       ... Close -> write(p.take_output()); close the socket; done
//     }
//     write(p.take_output());                    // nullopt: flush, then
//     if (p.wants_input()) p.receive(read_some());   // on timeout: p.timed_out()
//   While IDLE (Request with IdleCmd, "+ idling" already queued): keep reading (wants_input()
//   is true) and write untagged updates; the client's DONE brings IdleDone -> p.done(ok).
// An event that asks for an answer must be answered before next_event() is called again (until
// then next_event() returns nullopt). Views in events stay valid until the next call of a
// non-const member.
//
// Answering Requests (helpers of this module in brackets):
//   every command      before done(): view.flush(w, MailboxView::moment_for(cmd), opts)
//                      [mailbox_view.hpp]; condstore_enabled: "* OK [HIGHESTMODSEQ n]"
//   SELECT/EXAMINE     view.reset(uids...), write_select(w, info); QRESYNC: VANISHED (EARLIER)
//                      of vanished_within(known_uids, store.expunged_since(...)) + changed FLAGS
//   LIST/LSUB          list_replies(cmd, mailboxes, subscriptions) [list.hpp] -> w.list(),
//                      w.status_data() for replies with .status
//   STATUS             w.status_data(); GETQUOTA*/SETQUOTA: w.quota(), w.quota_root()
//   FETCH              view.resolve(set, uid), fetch_needs() [fetch.hpp], w.fetch(seq) items;
//                      section_range / apply_partial / filter_header_fields / binary_content
//   STORE              view.resolve; FETCH FLAGS unless .silent; code::modified() on conflicts
//   SEARCH/SORT/THREAD SearchProgram [search.hpp]; w.search_results(), view.save(saved_result());
//                      sort_messages / envelope_sort_keys / thread_messages [thread.hpp]
//   COPY/MOVE          code::copyuid(); MOVE: w.status("OK", copyuid, "") + view.expunged() +
//                      view.flush(Moment::any) (RFC 6851 §4.3)
//   EXPUNGE            view.expunged(result) + view.flush(Moment::any); UID EXPUNGE likewise
//   CLOSE              expunge \Deleted silently (no responses), view.clear()
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "proto/imap/command.hpp"
#include "proto/imap/response.hpp"

namespace facteur::imap {

struct Limits {
  std::size_t max_line = 64 * 1024;      // octets of one command line between literals (RFC 7162
                                         // §4 asks for at least 8192)
  std::size_t max_literal = 64 * 1024;   // one literal outside APPEND's message
  std::size_t max_command = 256 * 1024;  // a whole command with its literals (APPEND data aside)
  std::size_t max_literals = 64;         // literals in one command (each re-checks the command
                                         // so far: max_literals x max_command parse work)
  std::uint64_t append_limit = 64ull * 1024 * 1024;  // one APPEND message (APPENDLIMIT=)
  std::size_t max_append_messages = 1000;            // messages in one MULTIAPPEND
  std::uint64_t max_discard = 1024 * 1024;  // a refused "{n+}" literal is skipped up to this size,
                                            // a larger one closes the connection
  std::size_t max_sasl_line = 16 * 1024;    // AUTHENTICATE continuation lines
  std::size_t max_pending_input = 2 * 1024 * 1024;  // unprocessed input before BYE
  std::size_t output_high_water = 256 * 1024;       // queued output that pauses command reading
  unsigned max_bad_commands = 20;                   // BAD responses before BYE
  unsigned max_auth_failures = 3;                   // failed logins before BYE
  std::size_t max_depth = 64;                       // nesting in SEARCH programs and lists
  std::size_t max_items = 10'000;                   // elements of one list
};

struct Options {
  std::string hostname;            // greeting text
  bool tls_available = false;      // STARTTLS can be offered (certificate loaded, port 143)
  bool tls_active = false;         // the connection is TLS already (imaps, port 993)
  bool plaintext_allowed = false;  // LOGIN / AUTH=PLAIN without TLS are fine (loopback peer)
  bool compress_available = true;  // offer COMPRESS=DEFLATE after login
  // SASL mechanisms the session can run, upper case. PLAIN and LOGIN are offered only when
  // plaintext authentication is allowed (or TLS is active).
  std::vector<std::string> sasl_mechanisms = {"PLAIN", "SCRAM-SHA-256"};
  // ID response fields (RFC 2971 §3.3).
  std::vector<std::pair<std::string, std::string>> server_id = {{"name", "Facteur"}};
  Limits limits;
};

enum class State { not_authenticated, authenticated, selected, logout };

// Why a login failed; picks the response code (RFC 5530).
enum class LoginFailure {
  bad_credentials,  // NO [AUTHENTICATIONFAILED] (counts towards max_auth_failures)
  unavailable,      // NO [UNAVAILABLE]: directory or store down
  authorization,    // NO [AUTHORIZATIONFAILED]: authenticated but not allowed to act as that user
  expired,          // NO [EXPIRED]
};

// ---- Events (next_event). "Answer:" names the calls that must follow; the others need none.

// LOGIN user password (allowed only with privacy or Options::plaintext_allowed; else the
// protocol answered NO [PRIVACYREQUIRED] itself). Answer: login_succeeded() / login_failed().
struct Login {
  std::string user;
  std::string password;
};
// AUTHENTICATE with a mechanism from the offered list; `initial_response` decoded (SASL-IR).
// Answer: sasl_challenge(data), login_succeeded() or login_failed().
struct SaslStart {
  std::string mechanism;
  std::optional<std::string> initial_response;
};
// The client's base64-decoded answer to the last challenge. Same answers as SaslStart. ("*"
// cancels inside the protocol: tagged BAD, no event; the session drops its mechanism object.)
struct SaslResponse {
  std::string data;
};
// STARTTLS: "OK Begin TLS negotiation now" is queued, pipelined input discarded. Answer:
// write take_output() in clear, handshake, tls_established() or tls_failed().
struct StartTls {};
// COMPRESS DEFLATE accepted: "OK" queued. Write take_output() uncompressed, then compress
// everything after in both directions (raw deflate, RFC 4978 §4). No answer.
struct StartCompression {};
// ENABLE turned these on (upper case); informational (the OK is already queued).
struct Enabled {
  std::vector<std::string> capabilities;
};
// Any other command valid in the current state. Answer: untagged data via writer(), then
// done(). SELECT/EXAMINE: a previously selected mailbox is already closed ("* OK [CLOSED]" was
// queued); done(ok) enters the selected state (the default code is READ-WRITE / READ-ONLY),
// done(no) leaves it authenticated. CLOSE/UNSELECT: done(ok) returns to authenticated. IDLE:
// "+ idling" is queued; do not answer until IdleDone.
struct Request {
  std::string tag;
  Command command;
  // This command enabled CONDSTORE (RFC 7162 §3.1: FETCH MODSEQ/CHANGEDSINCE, STORE
  // UNCHANGEDSINCE, SEARCH MODSEQ) while a mailbox is selected: write "* OK [HIGHESTMODSEQ n]"
  // for it before the tagged response.
  bool condstore_enabled = false;
};
// The client ended IDLE. `valid`: it sent "DONE" (otherwise the protocol answers BAD whatever
// done() says). Answer: done().
struct IdleDone {
  bool valid = true;
};
// One APPEND message is announced (MULTIAPPEND: one per message, index 0, 1, ...). The size is
// within Limits::append_limit. Answer: append_accept() (then AppendChunk events bring exactly
// message.size octets) or append_reject(...) (the whole APPEND is over: drop anything staged).
struct AppendBegin {
  std::string tag;
  std::string mailbox;
  AppendMessage message;
  std::size_t index = 0;
};
struct AppendChunk {
  std::string_view bytes;
};
// The APPEND command ended well after its last message. Answer: done(ok, code::appenduid(...))
// after committing every message, or done(no, ...) having stored none (RFC 3502 §6.3.11:
// all or nothing).
struct AppendEnd {};
// The APPEND in progress is dead (syntax error after a message, timeout, shutdown, connection
// closing): store nothing. The response, if any, is queued already. No answer.
struct AppendAborted {};
// The conversation is over (LOGOUT, BYE for errors, timed_out(), tls_failed(), shutdown(),
// abort()): write what take_output() returns, then close. No event follows.
struct Close {};

using Event =
    std::variant<Login, SaslStart, SaslResponse, StartTls, StartCompression, Enabled, Request,
                 IdleDone, AppendBegin, AppendChunk, AppendEnd, AppendAborted, Close>;

class Protocol {
 public:
  explicit Protocol(Options options);

  void start();                          // queues "* OK [CAPABILITY ...] ... ready"
  void receive(std::string_view bytes);  // bytes from the socket (ignored once closed)
  std::optional<Event> next_event();     // nullopt: flush take_output(), then see wants_input()
  std::string take_output();             // queued responses, in order; empties the queue
  bool wants_input() const;              // nothing to do without more bytes from the client

  // For untagged responses while answering a Request (or during IDLE).
  ResponseWriter writer();

  // Answers.
  void login_succeeded();  // "OK [CAPABILITY ...] Logged in" -> authenticated
  void login_failed(LoginFailure why = LoginFailure::bad_credentials);
  void sasl_challenge(std::string_view data);  // "+ base64(data)"
  // Completes the Request / IdleDone / AppendEnd in progress: "tag OK|NO|BAD [code] text".
  // An empty text becomes "<COMMAND> completed" / "failed".
  void done(Outcome outcome, std::string_view code = {}, std::string_view text = {});
  void append_accept();  // "+ Ready for literal data" when synchronising; chunks follow
  void append_reject(Outcome outcome, std::string_view code, std::string_view text);
  void tls_established();
  void tls_failed();

  void timed_out();                     // "* BYE Autologout..." and Close
  void shutdown();                      // "* BYE Server shutting down" and Close
  void abort(std::string_view reason);  // "* BYE reason" and Close (e.g. the store failed)

  // The capability list for the current state (no "CAPABILITY" prefix).
  std::string capabilities() const;

  State state() const;
  bool closed() const;
  bool awaiting_answer() const;  // an event is waiting for its answer (IDLE counts)
  bool idling() const;
  bool tls_active() const;
  bool imap4rev2() const;    // ENABLE IMAP4rev2: rev2 responses (ESEARCH, no RECENT...)
  bool utf8_accept() const;  // UTF-8 names and quoted strings (rev2 or UTF8=ACCEPT)
  bool condstore() const;    // CONDSTORE enabled (explicitly or by a CONDSTORE command)
  bool qresync() const;      // QRESYNC enabled: VANISHED instead of EXPUNGE
  bool read_only() const;    // the selected mailbox was EXAMINEd
  const std::string& selected_mailbox() const;  // "" unless selected
  const std::string& user() const;              // LOGIN user of the last attempt

  ~Protocol();
  Protocol(Protocol&&) noexcept;
  Protocol& operator=(Protocol&&) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> s_;
};

}  // namespace facteur::imap
