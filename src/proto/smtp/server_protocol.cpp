#include "proto/smtp/server_protocol.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <utility>

#include "base/base64.hpp"
#include "base/strings.hpp"
#include "proto/smtp/arguments.hpp"
#include "proto/smtp/data_reader.hpp"

namespace facteur::smtp {

namespace {

// Message bytes are handed out in pieces of at most this size.
constexpr std::size_t kChunkSize = 64 * 1024;

// What an AUTH command line may hold besides its initial response: "AUTH SCRAM-SHA-256 ".
constexpr std::size_t kAuthVerbRoom = 64;

enum class Mode {
  command,  // reading command lines
  data,     // DATA content, up to <CRLF>.<CRLF>
  bdat,     // a BDAT chunk of known size
  sasl,     // a 334 challenge went out: the next line is a SASL response
  closed,
};

enum class Pending { none, sender, recipient, message, tls, auth };

}  // namespace

struct ServerProtocol::State {
  ServerOptions opt;
  Mode mode = Mode::command;
  Pending pending = Pending::none;
  std::string in;
  std::size_t in_pos = 0;
  bool discarding_line = false;  // an over-long command line is being skipped
  bool discarding_sasl = false;  // ... and it was an AUTH line or a SASL response
  bool ignore_input = false;     // after STARTTLS until the handshake is done
  std::string out;
  std::deque<Event> events;
  std::string chunk;
  std::size_t errors = 0;

  // Session.
  std::string helo;
  bool esmtp = false;
  bool tls_active = false;
  std::optional<std::string> authenticated;
  std::size_t auth_failures = 0;
  bool sasl_running = false;  // the session holds a mechanism for an exchange in progress

  // Transaction (§3.3): sender accepted, recipients accepted, message progress.
  bool has_sender = false;
  bool smtputf8 = false;
  std::size_t recipients = 0;
  bool message_begun = false;  // MessageBegin emitted, no end/abort yet
  bool aborted_notified = false;
  std::optional<DataReader> reader;

  // BDAT chunk in progress.
  std::uint64_t bdat_remaining = 0;
  bool bdat_last = false;
  bool bdat_deliver = false;  // false: read and discard, then send bdat_reply
  std::uint64_t bdat_size = 0;
  std::uint64_t bdat_chunk_size = 0;
  Reply bdat_reply;

  explicit State(ServerOptions o) : opt(std::move(o)), tls_active(opt.tls_active) {}

  // ---- output

  void reply(int code, std::string_view enhanced, std::string_view text) {
    append_reply(out, code, enhanced, text);
  }
  void reply(const Reply& r) { append_reply(out, r.code, r.enhanced, r.text); }

  // A protocol error caused by the client: counted towards max_errors.
  void error(const Reply& r) {
    reply(r);
    ++errors;
    if (opt.limits.max_errors != 0 && errors >= opt.limits.max_errors) {
      reply(421, "4.7.0", opt.hostname + " Error: too many errors");
      close();
    }
  }
  void error(int code, std::string_view enhanced, std::string_view text) {
    error(Reply{code, std::string(enhanced), std::string(text)});
  }

  // ---- state changes

  void close() {
    if (mode == Mode::closed) return;
    end_sasl();
    abort_message();
    clear_transaction();
    mode = Mode::closed;
    pending = Pending::none;
    in.clear();
    in_pos = 0;
    events.emplace_back(Close{});
  }

  // The exchange ends without the session's verdict: tell it to drop its mechanism.
  void end_sasl() {
    if (sasl_running) events.emplace_back(SaslAborted{});
    sasl_running = false;
  }

  bool auth_enabled() const { return opt.role != Role::mx || opt.auth_on_mx; }
  bool auth_offered() const {
    return auth_enabled() && !opt.sasl_mechanisms.empty() &&
           (tls_active || opt.plaintext_auth_allowed);
  }

  // Longest line accepted in the current state: AUTH lines and SASL responses may be long.
  std::size_t line_limit(std::string_view buf) const {
    if (mode == Mode::sasl) return opt.limits.max_sasl_line;
    if (auth_offered() && buf.size() >= 5 && istarts_with(buf, "AUTH "))
      return std::max(opt.limits.max_sasl_line + kAuthVerbRoom, opt.limits.max_command_line);
    return opt.limits.max_command_line;
  }

  // Drops the message in progress (if any), telling the session once.
  void abort_message() {
    if (message_begun && !aborted_notified) events.emplace_back(MessageAborted{});
    message_begun = false;
    aborted_notified = false;
    reader.reset();
  }

  void clear_transaction() {
    has_sender = false;
    smtputf8 = false;
    recipients = 0;
    message_begun = false;
    aborted_notified = false;
    reader.reset();
    bdat_size = 0;
  }

  // RSET, EHLO/HELO: the envelope goes, the session is told.
  void reset_transaction() {
    if (message_begun) {
      abort_message();
    } else if (has_sender) {
      events.emplace_back(Reset{});
    }
    clear_transaction();
  }

  // ---- input

  std::string_view unread() const { return std::string_view(in).substr(in_pos); }

  // One step of work on buffered input; false when more input is needed.
  bool step() {
    switch (mode) {
      case Mode::command:
      case Mode::sasl:
        return step_command();
      case Mode::data:
        return step_data();
      case Mode::bdat:
        return step_bdat();
      case Mode::closed:
        return false;
    }
    return false;
  }

  bool step_command() {
    auto buf = unread();
    auto nl = buf.find('\n');
    const std::size_t limit = line_limit(buf);
    if (nl == std::string_view::npos) {
      // Bounded memory: never keep more than one command line.
      if (buf.size() > limit && !discarding_line) {
        discarding_line = true;
        discarding_sasl = limit != opt.limits.max_command_line || mode == Mode::sasl;
      }
      if (discarding_line) in_pos = in.size();
      return false;
    }
    std::string_view line = buf.substr(0, nl);
    in_pos += nl + 1;
    if (discarding_line || nl + 1 > limit) {
      const bool sasl = discarding_line
                            ? discarding_sasl
                            : (limit != opt.limits.max_command_line || mode == Mode::sasl);
      discarding_line = false;
      if (sasl) {
        // RFC 4954 §4, §6: the exchange ends with 500 5.5.6.
        if (mode == Mode::sasl) {
          mode = Mode::command;
          end_sasl();
        }
        error(500, "5.5.6", "Authentication Exchange line is too long");
      } else {
        error(500, "5.5.2", "Error: line too long");
      }
      return true;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (mode == Mode::sasl) {
      sasl_response(line);
      return true;
    }
    if (line.find_first_of(std::string_view("\0\r", 2)) != std::string_view::npos) {
      error(500, "5.5.2", "Error: invalid character in command");
      return true;
    }
    command(line);
    return true;
  }

  bool step_data() {
    auto buf = unread();
    if (buf.empty()) return false;
    chunk.clear();
    auto n = reader->feed(buf.substr(0, kChunkSize), chunk);
    in_pos += n;
    if (!chunk.empty()) events.emplace_back(MessageChunk{chunk});
    if (reader->error() != DataReader::Error::none && !aborted_notified) {
      events.emplace_back(MessageAborted{});
      aborted_notified = true;
    }
    if (reader->done()) {
      mode = Mode::command;
      switch (reader->error()) {
        case DataReader::Error::none:
          events.emplace_back(MessageEnd{});
          pending = Pending::message;
          return true;
        case DataReader::Error::bare_newline:
          reply(550, "5.5.2",
                "Message rejected: bare <CR> or <LF> in the data; lines must end with <CR><LF>");
          break;
        case DataReader::Error::line_too_long:
          reply(550, "5.5.2",
                "Message rejected: a line is longer than " +
                    std::to_string(opt.limits.max_data_line) + " bytes");
          break;
        case DataReader::Error::too_big:
          reply(552, "5.3.4", "Message size exceeds fixed limit");
          break;
      }
      clear_transaction();
    }
    return true;
  }

  bool step_bdat() {
    if (bdat_remaining > 0) {
      auto buf = unread();
      if (buf.empty()) return false;
      auto take = static_cast<std::size_t>(
          std::min<std::uint64_t>({bdat_remaining, buf.size(), kChunkSize}));
      if (bdat_deliver) {
        chunk.assign(buf.substr(0, take));
        events.emplace_back(MessageChunk{chunk});
      }
      in_pos += take;
      bdat_remaining -= take;
      if (bdat_remaining > 0) return true;
    }
    mode = Mode::command;
    if (!bdat_deliver) {
      error(bdat_reply);
    } else if (bdat_last) {
      events.emplace_back(MessageEnd{});
      pending = Pending::message;
    } else {
      reply(250, "2.0.0", "Ok: " + std::to_string(bdat_chunk_size) + " bytes");
    }
    return true;
  }

  // ---- commands

  void command(std::string_view line) {
    auto sp = line.find(' ');
    std::string verb = to_upper(line.substr(0, sp));
    std::string_view args = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);

    if (verb == "EHLO" || verb == "HELO") return cmd_hello(args, verb == "EHLO");
    if (verb == "MAIL") return cmd_mail(args);
    if (verb == "RCPT") return cmd_rcpt(args);
    if (verb == "DATA") return cmd_data(args);
    if (verb == "BDAT") return cmd_bdat(args);
    if (verb == "RSET") return cmd_rset(args);
    if (verb == "NOOP") return reply(250, "2.0.0", "Ok");
    if (verb == "QUIT") {
      reply(221, "2.0.0", "Bye");
      return close();
    }
    if (verb == "VRFY") {
      if (trim(args).empty()) return error(501, "5.5.4", "Syntax: VRFY address");
      // §3.5.3: 252 when the server will not verify but will accept mail.
      return reply(252, "2.5.0", "Cannot VRFY user; send mail and delivery will be attempted");
    }
    if (verb == "EXPN") return error(502, "5.5.1", "Error: EXPN not available");
    if (verb == "HELP")
      return reply(214, "2.0.0",
                   "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS");
    if (verb == "STARTTLS") return cmd_starttls(args);
    if (verb == "AUTH" && auth_enabled()) return cmd_auth(args);
    if (verb == "TURN" || verb == "ETRN" || verb == "ATRN" || verb == "SEND" || verb == "SOML" ||
        verb == "SAML" || verb == "AUTH")
      return error(502, "5.5.1", "Error: command not implemented");
    error(500, "5.5.2", "Error: command not recognized");
  }

  // A BDAT transfer is under way: only BDAT, RSET, NOOP, QUIT make sense (RFC 3030 §3).
  bool in_bdat_transfer() const { return message_begun && reader == std::nullopt; }

  void cmd_hello(std::string_view args, bool extended) {
    auto domain = trim(args);
    if (domain.empty() || domain.find(' ') != std::string_view::npos || domain.size() > 255)
      return error(501, "5.5.4", extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
    reset_transaction();  // §4.1.4: EHLO/HELO also reset the state
    helo = std::string(domain);
    esmtp = extended;
    if (!extended) {
      reply(250, "", opt.hostname);
    } else {
      std::string text = opt.hostname;
      text += "\nPIPELINING";
      text += "\nSIZE " + std::to_string(opt.limits.max_message_size);
      text += "\n8BITMIME\nSMTPUTF8\nENHANCEDSTATUSCODES\nCHUNKING\nDSN";
      if (auth_offered()) {
        text += "\nAUTH";
        for (const auto& m : opt.sasl_mechanisms)
          text += " " + m;
      }
      if (opt.tls_available && !tls_active) text += "\nSTARTTLS";
      reply(250, "", text);
    }
    events.emplace_back(Hello{helo, extended});
  }

  void cmd_mail(std::string_view args) {
    if (helo.empty()) return error(503, "5.5.1", "Error: send HELO/EHLO first");
    if (has_sender) return error(503, "5.5.1", "Error: nested MAIL command");
    if (opt.role != Role::mx && !authenticated) {
      // RFC 4954 §6 (530 5.7.0); RFC 3207 §4 when AUTH cannot even be offered yet.
      return error(
          530, "5.7.0",
          auth_offered() ? "Authentication required" : "Must issue a STARTTLS command first");
    }
    auto arg = parse_path_argument(args, "FROM:");
    if (!arg) return error(arg.error());
    auto params =
        parse_mail_params(arg->params, {esmtp, opt.limits.max_message_size, auth_offered()});
    if (!params) return error(params.error());
    // RFC 4954 §5: an unauthenticated client's AUTH= value is treated as AUTH=<>.
    if (params->auth && !authenticated) params->auth = "<>";
    auto path = parse_path(arg->path, PathKind::reverse, params->smtputf8);
    if (!path) return error(path.error());
    smtputf8 = params->smtputf8;
    events.emplace_back(MailFrom{std::move(*path), std::move(*params)});
    pending = Pending::sender;
  }

  void cmd_rcpt(std::string_view args) {
    if (!has_sender) return error(503, "5.5.1", "Error: need MAIL command");
    if (in_bdat_transfer()) return error(503, "5.5.1", "Error: BDAT transfer in progress");
    auto arg = parse_path_argument(args, "TO:");
    if (!arg) return error(arg.error());
    auto params = parse_rcpt_params(arg->params, esmtp);
    if (!params) return error(params.error());
    auto path = parse_path(arg->path, PathKind::forward, smtputf8);
    if (!path) return error(path.error());
    if (recipients >= opt.limits.max_recipients)  // §4.5.3.1.10: the client retries later
      return reply(452, "4.5.3", "Error: too many recipients");
    events.emplace_back(RcptTo{std::move(*path), std::move(*params)});
    pending = Pending::recipient;
  }

  void cmd_data(std::string_view args) {
    if (!args.empty()) return error(501, "5.5.4", "Syntax: DATA");
    if (!has_sender) return error(503, "5.5.1", "Error: need MAIL command");
    if (in_bdat_transfer())  // RFC 3030 §3: no DATA once BDAT was used
      return error(503, "5.5.1", "Error: DATA after BDAT in the same transaction");
    if (recipients == 0) return error(554, "5.5.1", "Error: no valid recipients");
    reply(354, "", "End data with <CR><LF>.<CR><LF>");
    reader.emplace(opt.limits.max_message_size, opt.limits.max_data_line);
    message_begun = true;
    aborted_notified = false;
    mode = Mode::data;
    events.emplace_back(MessageBegin{false});
  }

  void cmd_bdat(std::string_view args) {
    // RFC 3030 §2: BDAT SP chunk-size [SP end-marker]. The size must parse, otherwise the chunk
    // cannot be skipped and the stream cannot be resynchronised: close.
    auto parts = split(args, ' ');
    std::uint64_t size = 0;
    bool ok = !parts.empty() && parts.size() <= 2 && !parts[0].empty() && parts[0].size() <= 20;
    if (ok) {
      auto [p, ec] = std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), size);
      ok = ec == std::errc{} && p == parts[0].data() + parts[0].size();
    }
    if (ok && parts.size() == 2) ok = iequals(parts[1], "LAST");
    if (!ok) {
      reply(501, "5.5.4", "Syntax: BDAT size [LAST]; closing connection");
      return close();
    }
    mode = Mode::bdat;
    bdat_remaining = size;
    bdat_chunk_size = size;
    bdat_last = parts.size() == 2;
    bdat_deliver = false;
    if (helo.empty()) {
      bdat_reply = {503, "5.5.1", "Error: send HELO/EHLO first"};
    } else if (!has_sender) {
      bdat_reply = {503, "5.5.1", "Error: need MAIL command"};
    } else if (recipients == 0) {
      bdat_reply = {554, "5.5.1", "Error: no valid recipients"};
    } else if (size > opt.limits.max_message_size - bdat_size) {
      abort_message();
      clear_transaction();
      bdat_reply = {552, "5.3.4", "Message size exceeds fixed limit"};
    } else {
      bdat_deliver = true;
      bdat_size += size;
      if (!message_begun) {
        message_begun = true;
        aborted_notified = false;
        events.emplace_back(MessageBegin{true});
      }
    }
  }

  void cmd_rset(std::string_view args) {
    if (!args.empty()) return error(501, "5.5.4", "Syntax: RSET");
    reset_transaction();
    reply(250, "2.0.0", "Ok");
  }

  // RFC 4954 §4: AUTH mechanism [initial-response].
  void cmd_auth(std::string_view args) {
    if (helo.empty() || !esmtp) return error(503, "5.5.1", "Error: send EHLO first");
    if (authenticated) return error(503, "5.5.1", "Error: already authenticated");
    if (has_sender)
      return error(503, "5.5.1", "Error: AUTH not permitted during a mail transaction");
    if (!auth_offered())
      return error(538, "5.7.11", "Encryption required for requested authentication mechanism");
    auto parts = split(trim(args), ' ');
    if (parts.empty() || parts[0].empty() || parts.size() > 2 ||
        (parts.size() == 2 && parts[1].empty()))
      return error(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
    std::string mechanism = to_upper(parts[0]);
    if (std::find(opt.sasl_mechanisms.begin(), opt.sasl_mechanisms.end(), mechanism) ==
        opt.sasl_mechanisms.end())
      return error(504, "5.5.4", "Unrecognized authentication type");
    SaslStart start{std::move(mechanism), std::nullopt};
    if (parts.size() == 2) {
      if (parts[1] == "=") {
        start.initial_response = std::string();  // zero-length initial response
      } else {
        auto decoded = base64_decode(parts[1]);
        if (!decoded) return error(501, "5.5.2", "Cannot decode initial response");
        start.initial_response = std::move(*decoded);
      }
    }
    sasl_running = true;
    events.emplace_back(std::move(start));
    pending = Pending::auth;
  }

  // A line in answer to a 334 challenge (RFC 4954 §4).
  void sasl_response(std::string_view line) {
    mode = Mode::command;
    if (line == "*") {
      end_sasl();
      return error(501, "5.7.0", "Authentication cancelled");
    }
    auto decoded = base64_decode(line);
    if (!decoded) {
      end_sasl();
      return error(501, "5.5.2", "Cannot decode response");
    }
    events.emplace_back(SaslResponse{std::move(*decoded)});
    pending = Pending::auth;
  }

  void cmd_starttls(std::string_view args) {
    if (!args.empty()) return error(501, "5.5.4", "Syntax: STARTTLS");
    if (tls_active) return error(503, "5.5.1", "Error: TLS already active");
    if (!opt.tls_available) return error(502, "5.5.1", "Error: command not implemented");
    if (has_sender) return error(503, "5.5.1", "Error: MAIL transaction in progress");
    reply(220, "2.0.0", "Ready to start TLS");
    // RFC 3207 §4.2 / CVE-2011-0411: what the client pipelined after STARTTLS was sent in clear
    // and must not be executed inside the TLS session.
    in.clear();
    in_pos = 0;
    discarding_line = false;
    ignore_input = true;
    events.emplace_back(StartTls{});
    pending = Pending::tls;
  }
};

// ---- ServerProtocol

ServerProtocol::ServerProtocol(ServerOptions options)
    : s_(std::make_unique<State>(std::move(options))) {}
ServerProtocol::~ServerProtocol() = default;
ServerProtocol::ServerProtocol(ServerProtocol&&) noexcept = default;
ServerProtocol& ServerProtocol::operator=(ServerProtocol&&) noexcept = default;

void ServerProtocol::start() {
  s_->reply(220, "", s_->opt.hostname + " ESMTP Facteur");
}

void ServerProtocol::receive(std::string_view bytes) {
  if (s_->mode == Mode::closed || s_->ignore_input) return;
  if (s_->in_pos > 0) {
    s_->in.erase(0, s_->in_pos);
    s_->in_pos = 0;
  }
  s_->in.append(bytes);
}

std::optional<Event> ServerProtocol::next_event() {
  auto& s = *s_;
  while (true) {
    if (!s.events.empty()) {
      Event ev = std::move(s.events.front());
      s.events.pop_front();
      return ev;
    }
    if (s.pending != Pending::none || s.mode == Mode::closed) return std::nullopt;
    if (!s.step()) return std::nullopt;
  }
}

std::string ServerProtocol::take_output() {
  return std::exchange(s_->out, {});
}

void ServerProtocol::accept_sender() {
  if (s_->pending != Pending::sender) return;
  s_->pending = Pending::none;
  s_->has_sender = true;
  s_->reply(250, "2.1.0", "Ok");
}

void ServerProtocol::reject_sender(Reply reply) {
  if (s_->pending != Pending::sender) return;
  s_->pending = Pending::none;
  s_->smtputf8 = false;
  if (reply.code < 400 || reply.code > 599) reply = {451, "4.3.0", "Error: sender not accepted"};
  s_->reply(reply);
}

void ServerProtocol::accept_recipient() {
  if (s_->pending != Pending::recipient) return;
  s_->pending = Pending::none;
  ++s_->recipients;
  s_->reply(250, "2.1.5", "Ok");
}

void ServerProtocol::reject_recipient(Reply reply) {
  if (s_->pending != Pending::recipient) return;
  s_->pending = Pending::none;
  if (reply.code < 400 || reply.code > 599) reply = {451, "4.3.0", "Error: recipient not accepted"};
  s_->reply(reply);
}

void ServerProtocol::message_accepted(std::string_view queue_id) {
  if (s_->pending != Pending::message) return;
  s_->pending = Pending::none;
  s_->clear_transaction();
  s_->reply(250, "2.0.0", "Ok: queued as " + std::string(queue_id));
}

void ServerProtocol::message_rejected(Reply reply) {
  if (s_->pending != Pending::message) return;
  s_->pending = Pending::none;
  s_->clear_transaction();
  if (reply.code < 400 || reply.code > 599) reply = {451, "4.3.0", "Error: message not accepted"};
  s_->reply(reply);
}

void ServerProtocol::sasl_challenge(std::string_view data) {
  auto& s = *s_;
  if (s.pending != Pending::auth) return;
  s.pending = Pending::none;
  s.mode = Mode::sasl;
  append_reply(s.out, 334, "", base64_encode(data));
}

void ServerProtocol::auth_succeeded(std::string identity) {
  auto& s = *s_;
  if (s.pending != Pending::auth) return;
  s.pending = Pending::none;
  s.sasl_running = false;
  s.authenticated = std::move(identity);
  s.reply(235, "2.7.0", "Authentication successful");
}

void ServerProtocol::auth_failed(AuthFailure why) {
  auto& s = *s_;
  if (s.pending != Pending::auth) return;
  s.pending = Pending::none;
  s.sasl_running = false;
  switch (why) {
    case AuthFailure::bad_credentials:
      s.reply(535, "5.7.8", "Authentication credentials invalid");
      ++s.auth_failures;
      if (s.opt.limits.max_auth_failures != 0 &&
          s.auth_failures >= s.opt.limits.max_auth_failures) {
        s.reply(421, "4.7.0", s.opt.hostname + " Error: too many failed authentications");
        s.close();
      }
      return;
    case AuthFailure::malformed:
      return s.error(501, "5.5.2", "Malformed authentication data");
    case AuthFailure::too_weak:
      return s.reply(534, "5.7.9", "Authentication mechanism is too weak");
    case AuthFailure::transition_needed:
      return s.reply(432, "4.7.12", "A password transition is needed");
    case AuthFailure::temporary:
      return s.reply(454, "4.7.0", "Temporary authentication failure");
  }
}

void ServerProtocol::tls_established() {
  if (s_->pending != Pending::tls) return;
  auto& s = *s_;
  s.pending = Pending::none;
  s.ignore_input = false;
  s.tls_active = true;
  // RFC 3207 §4.2: forget everything learnt in clear; the client must EHLO again.
  s.clear_transaction();
  s.helo.clear();
  s.esmtp = false;
  s.authenticated.reset();
  s.in.clear();
  s.in_pos = 0;
}

void ServerProtocol::tls_failed() {
  if (s_->pending != Pending::tls) return;
  s_->out.clear();  // nothing can be written on a broken TLS stream
  s_->close();
}

void ServerProtocol::timed_out() {
  if (s_->mode == Mode::closed) return;
  s_->reply(421, "4.4.2", s_->opt.hostname + " Error: timeout exceeded");
  s_->close();
}

bool ServerProtocol::auth_offered() const {
  return s_->auth_offered();
}
const std::optional<std::string>& ServerProtocol::authenticated_identity() const {
  return s_->authenticated;
}

Phase ServerProtocol::phase() const {
  return (s_->mode == Mode::data || s_->mode == Mode::bdat) ? Phase::data : Phase::command;
}
bool ServerProtocol::closed() const {
  return s_->mode == Mode::closed;
}
bool ServerProtocol::too_many_errors() const {
  return s_->opt.limits.max_errors != 0 && s_->errors >= s_->opt.limits.max_errors;
}
// The asking event is always the last one queued: it has been handed out once the queue is empty.
bool ServerProtocol::awaiting_answer() const {
  return s_->pending != Pending::none && s_->events.empty();
}
std::size_t ServerProtocol::buffered_input() const {
  return s_->in.size() - s_->in_pos;
}
const std::string& ServerProtocol::helo_name() const {
  return s_->helo;
}
bool ServerProtocol::esmtp() const {
  return s_->esmtp;
}
bool ServerProtocol::tls_active() const {
  return s_->tls_active;
}
std::string_view ServerProtocol::received_protocol() const {
  return smtp::received_protocol(s_->esmtp, s_->tls_active, s_->authenticated.has_value(),
                                 s_->smtputf8);
}

}  // namespace facteur::smtp
