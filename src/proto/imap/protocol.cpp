#include "proto/imap/protocol.hpp"

#include <algorithm>
#include <deque>

#include "base/strings.hpp"
#include "mail/transfer_encoding.hpp"
#include "proto/imap/parser.hpp"

namespace facteur::imap {
namespace {

constexpr std::size_t kTailKeep = 32;  // bytes kept from a skipped line to find a literal marker

bool is_plaintext_mechanism(std::string_view m) {
  return iequals(m, "PLAIN") || iequals(m, "LOGIN");
}

// Which commands are valid where (RFC 9051 §6).
enum class Need { any, not_authenticated, authenticated, selected };

Need need_of(std::string_view name) {
  static constexpr std::pair<std::string_view, Need> kTable[] = {
      {"CAPABILITY", Need::any},
      {"NOOP", Need::any},
      {"LOGOUT", Need::any},
      {"ID", Need::any},
      {"STARTTLS", Need::not_authenticated},
      {"AUTHENTICATE", Need::not_authenticated},
      {"LOGIN", Need::not_authenticated},
      {"ENABLE", Need::authenticated},
      {"SELECT", Need::authenticated},
      {"EXAMINE", Need::authenticated},
      {"CREATE", Need::authenticated},
      {"DELETE", Need::authenticated},
      {"RENAME", Need::authenticated},
      {"SUBSCRIBE", Need::authenticated},
      {"UNSUBSCRIBE", Need::authenticated},
      {"LIST", Need::authenticated},
      {"LSUB", Need::authenticated},
      {"NAMESPACE", Need::authenticated},
      {"STATUS", Need::authenticated},
      {"APPEND", Need::authenticated},
      {"IDLE", Need::authenticated},
      {"GETQUOTA", Need::authenticated},
      {"GETQUOTAROOT", Need::authenticated},
      {"SETQUOTA", Need::authenticated},
      {"COMPRESS", Need::authenticated},
      {"CHECK", Need::selected},
      {"CLOSE", Need::selected},
      {"UNSELECT", Need::selected},
      {"EXPUNGE", Need::selected},
      {"SEARCH", Need::selected},
      {"SORT", Need::selected},
      {"THREAD", Need::selected},
      {"FETCH", Need::selected},
      {"STORE", Need::selected},
      {"COPY", Need::selected},
      {"MOVE", Need::selected},
      {"UID EXPUNGE", Need::selected},
      {"UID SEARCH", Need::selected},
      {"UID SORT", Need::selected},
      {"UID THREAD", Need::selected},
      {"UID FETCH", Need::selected},
      {"UID STORE", Need::selected},
      {"UID COPY", Need::selected},
      {"UID MOVE", Need::selected},
  };
  for (const auto& [n, need] : kTable)
    if (n == name) return need;
  return Need::any;
}

bool known_command(std::string_view name) {
  return need_of(name) != Need::any || name == "CAPABILITY" || name == "NOOP" || name == "LOGOUT" ||
         name == "ID";
}

// What to keep of a line being skipped so that a literal announced at its end is still seen:
// the last bytes, or, when they may be the start of "{digits" / "~{digits+}", that marker with
// its number shortened (leading zeros dropped, more than 21 digits kept as 21: still an
// overflow). Bounded whatever the number of digits the client sends.
std::string keep_tail(std::string_view t) {
  const auto brace = t.rfind('{');
  if (brace != std::string_view::npos) {
    const std::string_view after = t.substr(brace + 1);
    std::size_t digits = 0;
    while (digits < after.size() && after[digits] >= '0' && after[digits] <= '9')
      ++digits;
    const std::string_view rest = after.substr(digits);
    if (rest.size() <= 3 && rest.find_first_not_of("+}\r") == std::string_view::npos) {
      std::string_view num = after.substr(0, digits);
      while (num.size() > 1 && num[0] == '0')
        num.remove_prefix(1);
      if (num.size() > 21) num = num.substr(0, 21);
      std::string out;
      if (brace > 0) out += t[brace - 1];  // the "~" of literal8, or anything
      out += '{';
      out.append(num);
      out.append(rest);
      return out;
    }
  }
  return std::string(t.substr(t.size() > kTailKeep ? t.size() - kTailKeep : 0));
}

std::string_view strip_eol(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

struct Protocol::Impl {
  enum class Mode {
    command,          // reading command lines (and accepted literals into cmd)
    append_data,      // streaming APPEND message bytes
    append_rest,      // the line after an APPEND message
    discard_literal,  // skipping a refused non-synchronising literal
    discard_line,     // skipping the rest of a refused command line
    sasl,             // an AUTHENTICATE response line
    idle,             // waiting for DONE
  };
  enum class Wait {
    none,
    login,         // Login / SaslStart / SaslResponse answered by the session
    tls,           // StartTls handshake
    request,       // Request / IdleDone / AppendEnd: done()
    append_begin,  // AppendBegin: accept / reject
    idle,          // IDLE running: the client's DONE
  };
  enum class Pending { other, select, close, idle, append };

  Options opt;
  State state = State::not_authenticated;
  Mode mode = Mode::command;
  Wait wait = Wait::none;
  bool close_queued = false;
  bool close_emitted = false;
  bool starved = false;
  bool tls_active = false;
  bool compress_active = false;
  bool rev2 = false, utf8 = false, condstore = false, qresync = false;
  bool read_only = false;
  std::string selected;

  std::string in;
  std::size_t pos = 0;   // unprocessed input starts here
  std::size_t scan = 0;  // where the search for '\n' resumes
  std::string out;
  std::deque<Event> queued;  // informational events

  // The command being read.
  std::string cmd;
  std::size_t literal_left = 0;
  std::size_t literals = 0;
  std::string tail;  // discard_line: the last bytes seen
  std::uint64_t discard_left = 0;

  // The command being answered.
  std::string tag;
  std::string name;
  Pending pending = Pending::other;
  bool pending_read_only = false;
  std::string pending_mailbox;
  bool idle_valid = true;

  // APPEND in progress.
  std::string append_mailbox;
  std::uint64_t append_left = 0;
  bool append_sync = true;
  bool append_utf8 = false;
  std::size_t append_index = 0;
  bool append_active = false;  // an AppendBegin was emitted and the command is not over

  std::string user;
  unsigned bad_commands = 0;
  unsigned auth_failures = 0;

  explicit Impl(Options o) : opt(std::move(o)), tls_active(opt.tls_active) {}

  bool plaintext_ok() const { return opt.plaintext_allowed || tls_active; }
  bool utf8_mode() const { return rev2 || utf8; }
  ParserOptions parser_options() const {
    ParserOptions p;
    p.utf8 = utf8_mode();
    p.max_depth = opt.limits.max_depth;
    p.max_items = opt.limits.max_items;
    return p;
  }
  ResponseWriter writer() { return ResponseWriter(out, utf8_mode()); }

  std::vector<std::string> offered_mechanisms() const {
    std::vector<std::string> r;
    for (const auto& m : opt.sasl_mechanisms) {
      if (is_plaintext_mechanism(m) && !plaintext_ok()) continue;
      r.push_back(to_upper(m));
    }
    return r;
  }

  std::string capabilities() const {
    std::string c = "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE";
    if (state == State::not_authenticated) {
      if (opt.tls_available && !tls_active) c += " STARTTLS";
      if (!plaintext_ok()) c += " LOGINDISABLED";
      for (const auto& m : offered_mechanisms())
        c += " AUTH=" + m;
      return c;
    }
    c += " NAMESPACE UNSELECT UIDPLUS MOVE CONDSTORE QRESYNC ESEARCH SEARCHRES SORT"
         " THREAD=ORDEREDSUBJECT THREAD=REFERENCES LIST-EXTENDED LIST-STATUS CHILDREN"
         " SPECIAL-USE CREATE-SPECIAL-USE QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE"
         " UTF8=ACCEPT STATUS=SIZE SAVEDATE BINARY MULTIAPPEND WITHIN APPENDLIMIT=";
    c += std::to_string(opt.limits.append_limit);
    if (opt.compress_available && !compress_active) c += " COMPRESS=DEFLATE";
    return c;
  }

  // ---- output helpers

  void tagged(std::string_view t, Outcome o, std::string_view code, std::string_view text) {
    writer().tagged(t, o, code, text);
  }
  void bye(std::string_view text) {
    writer().status("BYE", "", text);
    close();
  }
  void close() {
    if (append_active) {
      append_active = false;
      queued.push_back(AppendAborted{});
    }
    state = State::logout;
    close_queued = true;
    wait = Wait::none;
    in.clear();
    pos = scan = 0;
  }
  // A BAD (or NO) for a command the protocol refuses; counts towards max_bad_commands.
  void refuse(std::string_view t, Outcome o, std::string_view code, std::string_view text) {
    tagged(t, o, code, text);
    if (o == Outcome::bad && ++bad_commands >= opt.limits.max_bad_commands)
      bye("Too many invalid commands");
  }
  // Refuses the command being read. `marker`: the literal announced at the end of its last line
  // (a non-synchronising one is on its way and must be skipped).
  void refuse_reading(std::string_view t, Outcome o, std::string_view code, std::string_view text,
                      std::optional<LiteralMarker> marker) {
    cmd.clear();
    literals = 0;
    mode = Mode::command;
    refuse(t, o, code, text);
    if (close_queued) return;
    if (marker && !marker->synchronizing) skip_literal(marker->size, marker->overflow);
  }
  void skip_literal(std::uint64_t size, bool overflow) {
    skip_literal(size, overflow, opt.limits.max_discard);
  }
  void skip_literal(std::uint64_t size, bool overflow, std::uint64_t max) {
    if (overflow || size > max) {
      bye("Literal too big to skip");
      return;
    }
    discard_left = size;
    mode = Mode::discard_literal;
  }

  // ---- input

  std::size_t avail() const { return in.size() - pos; }

  // A complete line (with its LF) or nullopt. Over-long lines: refuse via `too_long`.
  enum class LineStatus { none, line, too_long };
  LineStatus take_line(std::size_t limit, std::string_view& line) {
    const auto nl = in.find('\n', scan);
    if (nl == std::string::npos) {
      scan = in.size();
      if (avail() > limit + 2) return LineStatus::too_long;
      return LineStatus::none;
    }
    line = std::string_view(in).substr(pos, nl + 1 - pos);
    pos = scan = nl + 1;
    if (strip_eol(line).size() > limit) return LineStatus::too_long;
    return LineStatus::line;
  }

  // An over-long line: answer now, skip to its end keeping the tail (a literal marker there
  // still has to be honoured), and never hold the line.
  void line_too_long(std::string_view t, std::string_view what) {
    tail.clear();
    const std::string_view rest = std::string_view(in).substr(pos);
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      tail = keep_tail(rest);
      pos = scan = in.size();
      mode = Mode::discard_line;
    } else {
      // The whole line is here (take_line returned it): it was consumed already.
      mode = Mode::command;
    }
    cmd.clear();
    literals = 0;
    refuse(t, Outcome::bad, "TOOBIG", what);
  }

  std::optional<Event> step();
  std::optional<Event> step_command();
  std::optional<Event> complete_command(ParseResult r);
  std::optional<Event> literal_gate(const LiteralMarker& m, std::string_view line);
  std::optional<Event> begin_append(ParseResult& r, const LiteralMarker& m);
  std::optional<Event> dispatch(std::string t, Command c);
  std::optional<Event> step_append_rest();
  std::optional<Event> step_discard_line();
  std::optional<Event> step_sasl();
  std::optional<Event> step_idle();
  bool state_ok(std::string_view t, std::string_view n);
};

bool Protocol::Impl::state_ok(std::string_view t, std::string_view n) {
  switch (need_of(n)) {
    case Need::any:
      return true;
    case Need::not_authenticated:
      if (state == State::not_authenticated) return true;
      refuse(t, Outcome::bad, "", "Already authenticated");
      return false;
    case Need::authenticated:
      if (state == State::authenticated || state == State::selected) {
        if (n == "ENABLE" && state == State::selected) {
          refuse(t, Outcome::bad, "", "ENABLE is only valid in the authenticated state");
          return false;
        }
        return true;
      }
      refuse(t, Outcome::bad, "", "Not authenticated");
      return false;
    case Need::selected:
      if (state == State::selected) return true;
      refuse(t, Outcome::bad, "",
             state == State::not_authenticated ? "Not authenticated" : "No mailbox selected");
      return false;
  }
  return false;
}

std::optional<Event> Protocol::Impl::step() {
  switch (mode) {
    case Mode::command:
      return step_command();
    case Mode::append_data: {
      if (avail() == 0) {
        starved = true;
        return std::nullopt;
      }
      const std::size_t n = std::size_t(std::min<std::uint64_t>(append_left, avail()));
      AppendChunk c{std::string_view(in).substr(pos, n)};
      pos += n;
      scan = pos;
      append_left -= n;
      if (append_left == 0) mode = Mode::append_rest;
      return c;
    }
    case Mode::append_rest:
      return step_append_rest();
    case Mode::discard_literal: {
      if (avail() == 0) {
        starved = true;
        return std::nullopt;
      }
      const std::size_t n = std::size_t(std::min<std::uint64_t>(discard_left, avail()));
      pos += n;
      scan = pos;
      discard_left -= n;
      if (discard_left == 0) {
        tail.clear();
        mode = Mode::discard_line;
      }
      return std::nullopt;
    }
    case Mode::discard_line:
      return step_discard_line();
    case Mode::sasl:
      return step_sasl();
    case Mode::idle:
      return step_idle();
  }
  return std::nullopt;
}

std::optional<Event> Protocol::Impl::step_command() {
  if (literal_left > 0) {
    if (avail() == 0) {
      starved = true;
      return std::nullopt;
    }
    const std::size_t n = std::min(literal_left, avail());
    cmd.append(in, pos, n);
    pos += n;
    scan = pos;
    literal_left -= n;
    if (literal_left > 0) {
      starved = true;
      return std::nullopt;
    }
  }
  std::string_view line;
  switch (take_line(opt.limits.max_line, line)) {
    case LineStatus::none:
      starved = true;
      return std::nullopt;
    case LineStatus::too_long: {
      std::string t(tag_of(!cmd.empty()    ? std::string_view(cmd)
                           : !line.empty() ? line
                                           : std::string_view(in).substr(pos)));
      if (!line.empty()) {
        // The full line is consumed; honour a literal at its end.
        const auto m = literal_at_end(strip_eol(line));
        refuse_reading(t, Outcome::bad, "TOOBIG", "Command line too long", m);
      } else {
        line_too_long(t, "Command line too long");
      }
      return std::nullopt;
    }
    case LineStatus::line:
      break;
  }
  const std::string_view text = strip_eol(line);
  if (text.find('\0') != std::string_view::npos) {
    std::string t(tag_of(cmd.empty() ? text : std::string_view(cmd)));
    refuse_reading(t, Outcome::bad, "", "NUL in command", literal_at_end(text));
    return std::nullopt;
  }
  if (cmd.empty() && text.empty()) return std::nullopt;  // empty lines are ignored
  cmd.append(line);
  const auto marker = literal_at_end(text);
  if (cmd.size() > opt.limits.max_command) {
    std::string t(tag_of(cmd));
    refuse_reading(t, Outcome::bad, "TOOBIG", "Command too long", marker);
    return std::nullopt;
  }
  if (marker) return literal_gate(*marker, text);
  ParseResult r = parse_command(cmd, parser_options());
  cmd.clear();
  literals = 0;
  return complete_command(std::move(r));
}

std::optional<Event> Protocol::Impl::literal_gate(const LiteralMarker& m, std::string_view) {
  ParseResult r = parse_command(cmd, parser_options());
  if (r.kind == ParseResult::Kind::error) {
    if (!known_command(r.name) && !r.name.empty() && r.error == "Unknown command") {
      refuse_reading(r.tag, Outcome::bad, "", "Unknown command", m);
    } else {
      refuse_reading(r.tag, r.no ? Outcome::no : Outcome::bad, r.code,
                     r.error.empty() ? "Invalid command" : r.error, m);
    }
    return std::nullopt;
  }
  if (!state_ok(r.tag, r.name)) {
    // state_ok answered; skip what is on its way.
    cmd.clear();
    literals = 0;
    if (!close_queued && !m.synchronizing) skip_literal(m.size, m.overflow);
    return std::nullopt;
  }
  if (r.name == "LOGIN" && !plaintext_ok()) {
    // Refused anyway: say so before the client sends its password.
    refuse_reading(r.tag, Outcome::no, "PRIVACYREQUIRED", "Plaintext authentication requires TLS",
                   m);
    return std::nullopt;
  }
  if (r.kind == ParseResult::Kind::append_message) return begin_append(r, m);
  if (r.kind != ParseResult::Kind::need_literal) {
    refuse_reading(r.tag, Outcome::bad, "", "Invalid command", m);
    return std::nullopt;
  }
  if (m.binary) {
    refuse_reading(r.tag, Outcome::bad, "", "literal8 is only valid in APPEND", m);
    return std::nullopt;
  }
  if (++literals > opt.limits.max_literals) {
    refuse_reading(r.tag, Outcome::bad, "LIMIT", "Too many literals", m);
    return std::nullopt;
  }
  if (m.overflow || m.size > opt.limits.max_literal ||
      cmd.size() + m.size > opt.limits.max_command) {
    refuse_reading(r.tag, Outcome::bad, "TOOBIG", "Literal too big", m);
    return std::nullopt;
  }
  if (m.synchronizing) out += "+ Ready for literal data\r\n";
  literal_left = std::size_t(m.size);
  return std::nullopt;
}

std::optional<Event> Protocol::Impl::begin_append(ParseResult& r, const LiteralMarker& m) {
  const AppendMessage& msg = r.message;
  const bool first = !append_active;
  if (first) {
    append_index = 0;
    append_mailbox = r.mailbox;
    tag = r.tag;
    name = "APPEND";
  } else if (++append_index >= opt.limits.max_append_messages) {
    append_active = false;
    queued.push_back(AppendAborted{});
    refuse_reading(tag, Outcome::no, "LIMIT", "Too many messages in one APPEND", m);
    return std::nullopt;
  }
  cmd.clear();
  literals = 0;
  if (m.overflow || msg.size > opt.limits.append_limit) {
    if (append_active) {
      append_active = false;
      queued.push_back(AppendAborted{});
    }
    refuse_reading(tag, Outcome::no, "TOOBIG", "Message too big", m);
    return std::nullopt;
  }
  append_sync = msg.synchronizing;
  append_utf8 = msg.utf8;
  append_left = msg.size;
  append_active = true;
  wait = Wait::append_begin;
  AppendBegin ev{tag, append_mailbox, msg, append_index};
  return ev;
}

std::optional<Event> Protocol::Impl::step_append_rest() {
  std::string_view line;
  switch (take_line(opt.limits.max_line, line)) {
    case LineStatus::none:
      starved = true;
      return std::nullopt;
    case LineStatus::too_long:
      append_active = false;
      queued.push_back(AppendAborted{});
      if (!line.empty()) {
        refuse_reading(tag, Outcome::bad, "TOOBIG", "Command line too long",
                       literal_at_end(strip_eol(line)));
      } else {
        line_too_long(tag, "Command line too long");
      }
      return std::nullopt;
    case LineStatus::line:
      break;
  }
  const std::string_view text = strip_eol(line);
  const auto marker = literal_at_end(text);
  ParseResult r = parse_append_rest(line, append_utf8, parser_options());
  if (r.kind == ParseResult::Kind::append_done) {
    mode = Mode::command;
    append_active = false;
    wait = Wait::request;
    pending = Pending::append;
    return AppendEnd{};
  }
  if (r.kind == ParseResult::Kind::append_message && marker) return begin_append(r, *marker);
  append_active = false;
  queued.push_back(AppendAborted{});
  refuse_reading(tag, r.no ? Outcome::no : Outcome::bad, r.code,
                 r.error.empty() ? "Invalid APPEND" : r.error, marker);
  return std::nullopt;
}

std::optional<Event> Protocol::Impl::step_discard_line() {
  const std::string_view rest = std::string_view(in).substr(pos);
  const auto nl = rest.find('\n');
  if (nl == std::string_view::npos) {
    tail = keep_tail(tail + std::string(rest));
    pos = scan = in.size();
    starved = true;
    return std::nullopt;
  }
  std::string seg = tail + std::string(rest.substr(0, nl + 1));
  pos = scan = pos + nl + 1;
  tail.clear();
  mode = Mode::command;
  const auto m = literal_at_end(strip_eol(seg));
  if (m && !m->synchronizing) skip_literal(m->size, m->overflow);
  return std::nullopt;
}

std::optional<Event> Protocol::Impl::step_sasl() {
  std::string_view line;
  switch (take_line(opt.limits.max_sasl_line, line)) {
    case LineStatus::none:
      starved = true;
      return std::nullopt;
    case LineStatus::too_long:
      mode = Mode::command;
      if (line.empty()) {
        line_too_long(tag, "Authentication response too long");
      } else {
        refuse(tag, Outcome::bad, "", "Authentication response too long");
      }
      return std::nullopt;
    case LineStatus::line:
      break;
  }
  mode = Mode::command;
  const std::string_view text = strip_eol(line);
  if (text == "*") {
    // RFC 9051 §6.2.2: a cancelled exchange gets a tagged BAD.
    refuse(tag, Outcome::bad, "", "Authentication cancelled");
    return std::nullopt;
  }
  if (!is_base64(text)) {
    refuse(tag, Outcome::bad, "", "Invalid base64 in authentication response");
    return std::nullopt;
  }
  wait = Wait::login;
  return SaslResponse{mail::decode_base64(text)};
}

std::optional<Event> Protocol::Impl::step_idle() {
  std::string_view line;
  switch (take_line(opt.limits.max_line, line)) {
    case LineStatus::none:
      starved = true;
      return std::nullopt;
    case LineStatus::too_long:
      if (line.empty()) {
        // Skip the rest of the junk; IDLE ends with BAD.
        const std::string_view rest = std::string_view(in).substr(pos);
        tail.clear();
        pos = scan = in.size();
        mode = rest.find('\n') == std::string_view::npos ? Mode::discard_line : Mode::command;
      } else {
        mode = Mode::command;
      }
      idle_valid = false;
      wait = Wait::request;
      return IdleDone{false};
    case LineStatus::line:
      break;
  }
  mode = Mode::command;
  idle_valid = iequals(strip_eol(line), "DONE");
  wait = Wait::request;
  return IdleDone{idle_valid};
}

std::optional<Event> Protocol::Impl::complete_command(ParseResult r) {
  if (r.kind == ParseResult::Kind::error) {
    if (r.tag.empty()) {
      refuse("*", Outcome::bad, "", "Invalid tag");
      return std::nullopt;
    }
    if (!r.name.empty() && known_command(r.name) && !state_ok(r.tag, r.name)) return std::nullopt;
    refuse(r.tag, r.no ? Outcome::no : Outcome::bad, r.code,
           r.error.empty() ? "Invalid command" : r.error);
    return std::nullopt;
  }
  if (r.kind == ParseResult::Kind::append_message || r.kind == ParseResult::Kind::need_literal) {
    refuse(r.tag, Outcome::bad, "", "Invalid command");
    return std::nullopt;
  }
  if (!state_ok(r.tag, r.name)) return std::nullopt;
  return dispatch(std::move(r.tag), std::move(*r.command));
}

std::optional<Event> Protocol::Impl::dispatch(std::string t, Command c) {
  tag = t;
  name = std::string(command_name(c));
  pending = Pending::other;
  const bool condstore_before = condstore;
  auto request = [&]() -> std::optional<Event> {
    wait = Wait::request;
    // RFC 7162 §3.1: the first CONDSTORE-enabling command while a mailbox is selected owes the
    // client "* OK [HIGHESTMODSEQ n]".
    const bool announce = !condstore_before && condstore && state == State::selected &&
                          !std::holds_alternative<SelectCmd>(c);
    return Request{std::move(t), std::move(c), announce};
  };
  auto ok = [&](std::string_view text) -> std::optional<Event> {
    tagged(t, Outcome::ok, "", text);
    return std::nullopt;
  };

  if (std::holds_alternative<CapabilityCmd>(c)) {
    writer().capability(capabilities());
    return ok("CAPABILITY completed");
  }
  if (std::holds_alternative<NoopCmd>(c)) {
    if (state == State::not_authenticated) return ok("NOOP completed");
    return request();
  }
  if (std::holds_alternative<LogoutCmd>(c)) {
    writer().status("BYE", "", "Logging out");
    tagged(t, Outcome::ok, "", "LOGOUT completed");
    close();
    return std::nullopt;
  }
  if (std::holds_alternative<IdCmd>(c)) {
    std::vector<std::pair<std::string_view, std::string_view>> f;
    for (const auto& [k, v] : opt.server_id)
      f.emplace_back(k, v);
    writer().id(f);
    return ok("ID completed");
  }
  if (std::holds_alternative<StartTlsCmd>(c)) {
    if (tls_active) {
      refuse(t, Outcome::bad, "", "TLS is already active");
      return std::nullopt;
    }
    if (!opt.tls_available) {
      refuse(t, Outcome::bad, "", "STARTTLS is not available");
      return std::nullopt;
    }
    tagged(t, Outcome::ok, "", "Begin TLS negotiation now");
    // Whatever was pipelined after STARTTLS came in clear: drop it (no command injection).
    in.clear();
    pos = scan = 0;
    wait = Wait::tls;
    return StartTls{};
  }
  if (auto* a = std::get_if<AuthenticateCmd>(&c)) {
    const auto mechs = offered_mechanisms();
    if (std::find(mechs.begin(), mechs.end(), a->mechanism) == mechs.end()) {
      const bool plaintext =
          is_plaintext_mechanism(a->mechanism) &&
          std::any_of(opt.sasl_mechanisms.begin(), opt.sasl_mechanisms.end(),
                      [&](const std::string& m) { return iequals(m, a->mechanism); });
      if (plaintext) {
        tagged(t, Outcome::no, "PRIVACYREQUIRED", "Plaintext authentication requires TLS");
      } else {
        tagged(t, Outcome::no, "CANNOT", "Unsupported authentication mechanism");
      }
      return std::nullopt;
    }
    wait = Wait::login;
    return SaslStart{a->mechanism, std::move(a->initial_response)};
  }
  if (auto* l = std::get_if<LoginCmd>(&c)) {
    if (!plaintext_ok()) {
      tagged(t, Outcome::no, "PRIVACYREQUIRED", "Plaintext authentication requires TLS");
      return std::nullopt;
    }
    user = l->user;
    wait = Wait::login;
    return Login{std::move(l->user), std::move(l->password)};
  }
  if (auto* e = std::get_if<EnableCmd>(&c)) {
    std::vector<std::string> on;
    for (const auto& cap : e->capabilities) {
      bool* flag = nullptr;
      if (cap == "IMAP4REV2") flag = &rev2;
      if (cap == "UTF8=ACCEPT") flag = &utf8;
      if (cap == "CONDSTORE") flag = &condstore;
      if (cap == "QRESYNC") flag = &qresync;
      if (!flag || *flag) continue;  // unknown or already enabled: not listed (RFC 5161 §3.1)
      *flag = true;
      if (flag == &qresync) condstore = true;  // RFC 7162 §3.2.3
      on.push_back(cap == "IMAP4REV2" ? "IMAP4rev2" : cap);
    }
    writer().enabled(on);
    tagged(t, Outcome::ok, "", "ENABLE completed");
    if (!on.empty()) queued.push_back(Enabled{std::move(on)});
    return std::nullopt;
  }
  if (std::holds_alternative<NamespaceCmd>(c)) {
    writer().namespace_personal();
    return ok("NAMESPACE completed");
  }
  if (auto* l = std::get_if<ListCmd>(&c)) {
    if (l->delimiter_query && l->reference.empty()) {
      // RFC 9051 §6.3.9: LIST "" "" returns the hierarchy delimiter.
      writer().list(l->lsub ? "" : "\\Noselect", "", l->lsub);
      return ok(l->lsub ? "LSUB completed" : "LIST completed");
    }
    return request();
  }
  if (auto* cm = std::get_if<CompressCmd>(&c)) {
    if (compress_active) {
      tagged(t, Outcome::no, "COMPRESSIONACTIVE", "Compression is already active");
      return std::nullopt;
    }
    if (cm->mechanism != "DEFLATE" || !opt.compress_available) {
      refuse(t, Outcome::bad, "", "Unsupported compression mechanism");
      return std::nullopt;
    }
    tagged(t, Outcome::ok, "", "DEFLATE active");
    compress_active = true;
    return StartCompression{};
  }
  if (auto* s = std::get_if<SelectCmd>(&c)) {
    if (s->qresync && !qresync) {
      refuse(t, Outcome::bad, "", "QRESYNC is not enabled");  // RFC 7162 §3.2.5
      return std::nullopt;
    }
    if (s->condstore) condstore = true;
    if (state == State::selected) {
      // The old mailbox is closed (without expunge) before the new one opens.
      writer().status("OK", "CLOSED", "Previous mailbox is now closed");
      state = State::authenticated;
      selected.clear();
    }
    pending = Pending::select;
    pending_read_only = s->read_only;
    pending_mailbox = s->mailbox;
    return request();
  }
  if (std::holds_alternative<CloseCmd>(c) || std::holds_alternative<UnselectCmd>(c)) {
    pending = Pending::close;
    return request();
  }
  if (std::holds_alternative<IdleCmd>(c)) {
    out += "+ idling\r\n";
    pending = Pending::idle;
    idle_valid = true;
    mode = Mode::idle;
    wait = Wait::idle;
    return Request{std::move(t), std::move(c)};
  }
  if (auto* f = std::get_if<FetchCmd>(&c)) {
    if (f->vanished && !qresync) {
      refuse(t, Outcome::bad, "", "VANISHED needs ENABLE QRESYNC");
      return std::nullopt;
    }
    // RFC 7162 §3.1: CONDSTORE-enabling commands.
    if (f->changed_since || std::any_of(f->items.begin(), f->items.end(), [](const FetchItem& i) {
          return i.kind == FetchItem::Kind::modseq;
        }))
      condstore = true;
    return request();
  }
  if (auto* st = std::get_if<StoreCmd>(&c)) {
    if (read_only) {
      tagged(t, Outcome::no, "READ-ONLY", "Mailbox is read-only");
      return std::nullopt;
    }
    if (st->unchanged_since) condstore = true;
    return request();
  }
  if (std::holds_alternative<ExpungeCmd>(c) ||
      (std::holds_alternative<CopyCmd>(c) && std::get<CopyCmd>(c).move)) {
    if (read_only) {
      tagged(t, Outcome::no, "READ-ONLY", "Mailbox is read-only");
      return std::nullopt;
    }
    return request();
  }
  if (auto* sr = std::get_if<SearchCmd>(&c)) {
    std::vector<const SearchKey*> stack{&sr->key};
    while (!stack.empty()) {
      const SearchKey* k = stack.back();
      stack.pop_back();
      if (k->kind == SearchKey::Kind::modseq) condstore = true;
      for (const auto& ch : k->children)
        stack.push_back(&ch);
    }
    return request();
  }
  return request();
}

// ---- Protocol

Protocol::Protocol(Options options) : s_(std::make_unique<Impl>(std::move(options))) {}
Protocol::~Protocol() = default;
Protocol::Protocol(Protocol&&) noexcept = default;
Protocol& Protocol::operator=(Protocol&&) noexcept = default;

void Protocol::start() {
  Impl& s = *s_;
  std::string text = s.opt.hostname.empty() ? std::string() : s.opt.hostname + " ";
  text += "Facteur IMAP ready";
  s.writer().status("OK", code::capability(s.capabilities()), text);
}

void Protocol::receive(std::string_view bytes) {
  Impl& s = *s_;
  if (s.close_queued || s.wait == Impl::Wait::tls) return;
  if (s.pos > 0) {
    s.in.erase(0, s.pos);
    s.scan -= s.pos;
    s.pos = 0;
  }
  s.in.append(bytes);
  s.starved = false;
  if (s.in.size() > s.opt.limits.max_pending_input) s.bye("Too much pipelined input");
}

std::optional<Event> Protocol::next_event() {
  Impl& s = *s_;
  using Wait = Impl::Wait;
  for (;;) {
    if (!s.queued.empty()) {
      Event e = std::move(s.queued.front());
      s.queued.pop_front();
      return e;
    }
    if (s.close_queued) {
      if (s.close_emitted) return std::nullopt;
      s.close_emitted = true;
      return Close{};
    }
    if (s.wait != Wait::none && s.wait != Wait::idle) return std::nullopt;
    if (s.out.size() >= s.opt.limits.output_high_water && s.wait != Wait::idle) return std::nullopt;
    if (s.wait == Wait::idle && s.mode != Impl::Mode::idle) return std::nullopt;
    const std::size_t before_pos = s.pos;
    const auto before_mode = s.mode;
    const auto before_out = s.out.size();
    auto ev = s.step();
    if (ev) return ev;
    if (s.starved) return std::nullopt;
    if (s.pos == before_pos && s.mode == before_mode && s.out.size() == before_out &&
        s.queued.empty() && !s.close_queued && s.wait == Wait::none) {
      // No progress possible without input (defensive: never spin).
      s.starved = true;
      return std::nullopt;
    }
  }
}

std::string Protocol::take_output() {
  return std::exchange(s_->out, std::string());
}

bool Protocol::wants_input() const {
  const Impl& s = *s_;
  if (s.close_queued || !s.queued.empty()) return false;
  if (s.wait == Impl::Wait::idle) return s.mode == Impl::Mode::idle && s.starved;
  if (s.wait != Impl::Wait::none) return false;
  return s.starved;
}

ResponseWriter Protocol::writer() {
  return s_->writer();
}

void Protocol::login_succeeded() {
  Impl& s = *s_;
  if (s.wait != Impl::Wait::login) return;
  s.wait = Impl::Wait::none;
  s.mode = Impl::Mode::command;
  s.state = State::authenticated;
  s.tagged(s.tag, Outcome::ok, code::capability(s.capabilities()), "Logged in");
}

void Protocol::login_failed(LoginFailure why) {
  Impl& s = *s_;
  if (s.wait != Impl::Wait::login) return;
  s.wait = Impl::Wait::none;
  s.mode = Impl::Mode::command;
  switch (why) {
    case LoginFailure::bad_credentials:
      s.tagged(s.tag, Outcome::no, code::kAuthenticationFailed, "Authentication failed");
      if (++s.auth_failures >= s.opt.limits.max_auth_failures) s.bye("Too many failed logins");
      break;
    case LoginFailure::unavailable:
      s.tagged(s.tag, Outcome::no, code::kUnavailable, "Temporary failure, try again later");
      break;
    case LoginFailure::authorization:
      s.tagged(s.tag, Outcome::no, "AUTHORIZATIONFAILED", "Not authorized");
      break;
    case LoginFailure::expired:
      s.tagged(s.tag, Outcome::no, "EXPIRED", "Credentials expired");
      break;
  }
}

void Protocol::sasl_challenge(std::string_view data) {
  Impl& s = *s_;
  if (s.wait != Impl::Wait::login) return;
  s.out += "+ ";
  s.out += mail::encode_base64(data, 0);
  s.out += "\r\n";
  s.wait = Impl::Wait::none;
  s.mode = Impl::Mode::sasl;
}

void Protocol::done(Outcome outcome, std::string_view c, std::string_view text) {
  Impl& s = *s_;
  if (s.wait != Impl::Wait::request) return;
  s.wait = Impl::Wait::none;
  std::string code_text(c);
  std::string t(text);
  switch (s.pending) {
    case Impl::Pending::select:
      if (outcome == Outcome::ok) {
        s.state = State::selected;
        s.read_only = s.pending_read_only;
        s.selected = s.pending_mailbox;
        if (code_text.empty()) code_text = s.read_only ? code::kReadOnly : code::kReadWrite;
      } else {
        s.state = State::authenticated;
        s.selected.clear();
      }
      break;
    case Impl::Pending::close:
      if (outcome == Outcome::ok) {
        s.state = State::authenticated;
        s.selected.clear();
        s.read_only = false;
      }
      break;
    case Impl::Pending::idle:
      if (!s.idle_valid) {
        outcome = Outcome::bad;
        code_text.clear();
        t = "Expected DONE";
      } else if (t.empty() && outcome == Outcome::ok) {
        t = "IDLE terminated";
      }
      break;
    default:
      break;
  }
  if (t.empty()) t = s.name + (outcome == Outcome::ok ? " completed" : " failed");
  s.pending = Impl::Pending::other;
  s.tagged(s.tag, outcome, code_text, t);
  if (outcome == Outcome::bad && ++s.bad_commands >= s.opt.limits.max_bad_commands)
    s.bye("Too many invalid commands");
}

void Protocol::append_accept() {
  Impl& s = *s_;
  if (s.wait != Impl::Wait::append_begin) return;
  s.wait = Impl::Wait::none;
  if (s.append_sync) s.out += "+ Ready for literal data\r\n";
  s.mode = s.append_left > 0 ? Impl::Mode::append_data : Impl::Mode::append_rest;
}

void Protocol::append_reject(Outcome outcome, std::string_view c, std::string_view text) {
  Impl& s = *s_;
  if (s.wait != Impl::Wait::append_begin) return;
  s.wait = Impl::Wait::none;
  s.append_active = false;
  s.refuse_reading(s.tag, outcome, c, text.empty() ? "APPEND failed" : text, std::nullopt);
  // A non-synchronising message is on its way: skip it (it is within the APPEND limit).
  if (!s.close_queued && !s.append_sync)
    s.skip_literal(s.append_left, false, s.opt.limits.append_limit);
}

void Protocol::tls_established() {
  Impl& s = *s_;
  if (s.wait != Impl::Wait::tls) return;
  s.wait = Impl::Wait::none;
  s.tls_active = true;
  s.in.clear();
  s.pos = s.scan = 0;
  s.starved = true;
}

void Protocol::tls_failed() {
  if (s_->wait != Impl::Wait::tls) return;
  s_->close();
}

void Protocol::timed_out() {
  Impl& s = *s_;
  if (s.close_queued) return;
  if (s.wait != Impl::Wait::tls) s.writer().status("BYE", "", "Autologout; idle for too long");
  s.close();
}

void Protocol::shutdown() {
  Impl& s = *s_;
  if (s.close_queued) return;
  if (s.wait != Impl::Wait::tls) s.writer().status("BYE", "", "Server shutting down");
  s.close();
}

void Protocol::abort(std::string_view reason) {
  Impl& s = *s_;
  if (s.close_queued) return;
  if (s.wait != Impl::Wait::tls) s.writer().status("BYE", "", reason);
  s.close();
}

std::string Protocol::capabilities() const {
  return s_->capabilities();
}
State Protocol::state() const {
  return s_->state;
}
bool Protocol::closed() const {
  return s_->close_queued;
}
bool Protocol::awaiting_answer() const {
  const auto w = s_->wait;
  return !s_->close_queued && w != Impl::Wait::none;
}
bool Protocol::idling() const {
  return s_->wait == Impl::Wait::idle;
}
bool Protocol::tls_active() const {
  return s_->tls_active;
}
bool Protocol::imap4rev2() const {
  return s_->rev2;
}
bool Protocol::utf8_accept() const {
  return s_->utf8_mode();
}
bool Protocol::condstore() const {
  return s_->condstore;
}
bool Protocol::qresync() const {
  return s_->qresync;
}
bool Protocol::read_only() const {
  return s_->read_only;
}
const std::string& Protocol::selected_mailbox() const {
  return s_->selected;
}
const std::string& Protocol::user() const {
  return s_->user;
}

}  // namespace facteur::imap
