#include "proto/pop3/protocol.hpp"

#include <algorithm>
#include <utility>

#include "base/strings.hpp"
#include "base/base64.hpp"

namespace facteur::pop3 {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kPlaintextRefused =
    "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";

bool is_plaintext_mechanism(std::string_view name) {
  return iequals(name, "PLAIN") || iequals(name, "LOGIN");
}

// A decimal number made of digits only; saturates at `max` (TOP's line count may be huge).
std::optional<std::size_t> parse_number(std::string_view s, std::size_t max) {
  if (s.empty()) return std::nullopt;
  std::size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::size_t d = std::size_t(c - '0');
    v = (v > (max - d) / 10) ? max : v * 10 + d;
  }
  return v;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  for (auto w : split(s, ' '))
    if (!w.empty()) out.push_back(w);
  return out;
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

}  // namespace

struct Protocol::Impl {
  // What the protocol waits for besides client commands.
  enum class Wait {
    none,
    auth,          // AuthenticatePassword / AuthenticateApop: the session's verdict
    sasl_session,  // SaslStart / SaslResponse: sasl_challenge() or a verdict
    sasl_client,   // a challenge went out: the client's next line is a SASL response
    tls,           // StartTls: the handshake
    update,        // Update: update_done()
  };
  enum class LineKind { none, line, skipped };
  struct Line {
    LineKind kind = LineKind::none;
    std::string_view text;
  };

  Options opt;
  std::string timestamp;
  State state = State::authorization;
  Wait wait = Wait::none;
  bool close_emitted = false;
  bool discarding = false;  // dropping the rest of an over-long line
  bool tls_active = false;

  std::string in;
  std::size_t in_pos = 0;    // start of the unprocessed input
  std::size_t scan_pos = 0;  // where the search for '\n' resumes
  std::string out;

  std::string user;
  bool have_user = false;  // USER accepted, PASS may follow
  unsigned auth_failures = 0;
  unsigned bad_commands = 0;

  std::vector<MaildropEntry> entries;
  std::vector<bool> deleted;
  std::size_t live_count = 0;
  std::uint64_t live_size = 0;

  Impl(Options o, std::string ts)
      : opt(std::move(o)), timestamp(std::move(ts)), tls_active(opt.tls_active) {}

  bool plaintext_ok() const { return opt.plaintext_allowed || tls_active; }

  void reply(std::string_view line) {
    out.append(line);
    out.append(kCrlf);
  }

  void close() {
    state = State::closed;
    wait = Wait::none;
    in.clear();
    in_pos = scan_pos = 0;
  }

  // An invalid command: -ERR, and past the limit the connection goes.
  void bad(std::string_view message) {
    if (++bad_commands >= opt.limits.max_bad_commands) {
      reply("-ERR Too many invalid commands.");
      close();
      return;
    }
    reply(message);
  }

  std::vector<std::string> offered_mechanisms() const {
    std::vector<std::string> names;
    for (const auto& m : opt.sasl_mechanisms) {
      if (is_plaintext_mechanism(m) && !plaintext_ok()) continue;
      names.push_back(to_upper(m));
    }
    return names;
  }

  std::size_t line_limit() const {
    return wait == Wait::sasl_client ? opt.limits.max_sasl_line : opt.limits.max_command_line;
  }

  void over_long_line() {
    if (wait == Wait::sasl_client) {
      wait = Wait::none;
      bad("-ERR Authentication response too long.");
    } else {
      bad("-ERR Line too long.");
    }
  }

  // The next complete line of input, without its CRLF (or LF).
  Line take_line() {
    const auto nl = in.find('\n', scan_pos);
    if (nl == std::string::npos) {
      scan_pos = in.size();
      if (in.size() - in_pos > line_limit()) {
        // No end in sight: answer now, drop what we have and skip up to the next LF.
        in.clear();
        in_pos = scan_pos = 0;
        discarding = true;
        over_long_line();
        return {LineKind::skipped, {}};
      }
      return {};
    }
    const std::size_t start = in_pos;
    in_pos = scan_pos = nl + 1;
    if (nl + 1 - start > line_limit()) {
      over_long_line();
      return {LineKind::skipped, {}};
    }
    std::string_view text(in.data() + start, nl - start);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    return {LineKind::line, text};
  }

  // ---- replies built from the maildrop

  std::string maildrop_summary() const {
    return "maildrop has " + std::to_string(live_count) + " message" +
           (live_count == 1 ? "" : "s") + " (" + std::to_string(live_size) + " octets)";
  }

  // Resolves a message-number argument; replies -ERR itself when there is none to use.
  std::optional<std::size_t> message_index(std::string_view arg) {
    auto n = parse_number(arg, SIZE_MAX);
    if (!n) {
      bad("-ERR Invalid message number.");
      return std::nullopt;
    }
    // Texts as in RFC 1939 §5's examples.
    if (*n == 0 || *n > entries.size() || deleted[*n - 1]) {
      reply("-ERR no such message, only " + std::to_string(live_count) + " message" +
            (live_count == 1 ? "" : "s") + " in maildrop");
      return std::nullopt;
    }
    return *n - 1;
  }

  // ---- commands

  std::optional<Event> command(std::string_view line) {
    if (line.find('\0') != std::string_view::npos) {
      bad("-ERR Invalid command.");
      return std::nullopt;
    }
    const auto space = line.find(' ');
    const std::string keyword = to_upper(line.substr(0, space));
    const std::string_view rest = space == std::string_view::npos ? "" : line.substr(space + 1);
    const auto args = words(rest);

    if (keyword == "CAPA") return args.empty() ? capa() : none_bad("-ERR Invalid arguments.");
    if (keyword == "QUIT") {
      if (!args.empty()) return none_bad("-ERR Invalid arguments.");
      return quit();
    }
    if (state == State::authorization) {
      if (keyword == "USER") return cmd_user(rest);
      if (keyword == "PASS") return cmd_pass(rest);
      if (keyword == "APOP") return cmd_apop(args);
      if (keyword == "AUTH") return cmd_auth(args);
      if (keyword == "STLS") return cmd_stls(args);
      if (keyword == "STAT" || keyword == "LIST" || keyword == "RETR" || keyword == "DELE" ||
          keyword == "NOOP" || keyword == "RSET" || keyword == "TOP" || keyword == "UIDL")
        return none_bad("-ERR Not logged in.");
      return none_bad("-ERR Unknown command.");
    }
    // TRANSACTION
    if (keyword == "STAT") {
      if (!args.empty()) return none_bad("-ERR Invalid arguments.");
      reply("+OK " + std::to_string(live_count) + " " + std::to_string(live_size));
      return std::nullopt;
    }
    if (keyword == "LIST" || keyword == "UIDL") return cmd_listing(keyword == "UIDL", args);
    if (keyword == "RETR") {
      if (args.size() != 1) return none_bad("-ERR Usage: RETR message");
      return cmd_retrieve(args[0], std::nullopt);
    }
    if (keyword == "TOP") {
      if (args.size() != 2) return none_bad("-ERR Usage: TOP message lines");
      auto lines = parse_number(args[1], SIZE_MAX);
      if (!lines) return none_bad("-ERR Invalid number of lines.");
      return cmd_retrieve(args[0], *lines);
    }
    if (keyword == "DELE") {
      if (args.size() != 1) return none_bad("-ERR Usage: DELE message");
      auto n = parse_number(args[0], SIZE_MAX);
      if (n && *n >= 1 && *n <= entries.size() && deleted[*n - 1]) {
        reply("-ERR message " + std::to_string(*n) + " already deleted");
        return std::nullopt;
      }
      if (auto i = message_index(args[0])) {
        deleted[*i] = true;
        --live_count;
        live_size -= entries[*i].size;
        reply("+OK message " + std::to_string(*i + 1) + " deleted");
      }
      return std::nullopt;
    }
    if (keyword == "NOOP") {
      if (!args.empty()) return none_bad("-ERR Invalid arguments.");
      reply("+OK");
      return std::nullopt;
    }
    if (keyword == "RSET") {
      if (!args.empty()) return none_bad("-ERR Invalid arguments.");
      std::fill(deleted.begin(), deleted.end(), false);
      count_live();
      reply("+OK " + maildrop_summary());
      return std::nullopt;
    }
    if (keyword == "USER" || keyword == "PASS" || keyword == "APOP" || keyword == "AUTH" ||
        keyword == "STLS")
      return none_bad("-ERR Already logged in.");
    return none_bad("-ERR Unknown command.");
  }

  std::optional<Event> none_bad(std::string_view message) {
    bad(message);
    return std::nullopt;
  }

  std::optional<Event> capa() {
    std::string r = "+OK Capability list follows\r\nTOP\r\n";
    if (state == State::authorization) {
      if (plaintext_ok()) r += "USER\r\n";
      const auto mechs = offered_mechanisms();
      if (!mechs.empty()) {
        r += "SASL";
        for (const auto& m : mechs)
          r += " " + m;
        r += kCrlf;
      }
    }
    r += "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nUIDL\r\n";
    if (state == State::authorization && opt.tls_available && !tls_active) r += "STLS\r\n";
    r += "IMPLEMENTATION Facteur\r\n.\r\n";
    out += r;
    return std::nullopt;
  }

  std::optional<Event> quit() {
    if (state == State::transaction) {
      state = State::update;
      wait = Wait::update;
      Update u;
      for (std::size_t i = 0; i < entries.size(); ++i)
        if (deleted[i]) u.deleted_uids.push_back(entries[i].uid);
      return u;
    }
    reply(sign_off());
    close();
    return std::nullopt;
  }

  std::string sign_off() const {
    return "+OK " + (opt.hostname.empty() ? std::string() : opt.hostname + " ") +
           "POP3 server signing off";
  }

  std::optional<Event> cmd_user(std::string_view name) {
    if (!plaintext_ok()) return none_bad(kPlaintextRefused);
    if (name.empty()) return none_bad("-ERR Missing user name.");
    user = std::string(name);
    have_user = true;
    reply("+OK");
    return std::nullopt;
  }

  std::optional<Event> cmd_pass(std::string_view password) {
    // RFC 1939 §7: the only argument may contain spaces; it is the rest of the line.
    if (!plaintext_ok()) return none_bad(kPlaintextRefused);
    if (!have_user) return none_bad("-ERR No user name given (send USER first).");
    if (password.empty()) return none_bad("-ERR Missing password.");
    have_user = false;
    wait = Wait::auth;
    return AuthenticatePassword{user, std::string(password)};
  }

  std::optional<Event> cmd_apop(const std::vector<std::string_view>& args) {
    if (timestamp.empty()) return none_bad("-ERR APOP not available.");
    if (args.size() != 2) return none_bad("-ERR Usage: APOP name digest");
    if (args[1].size() != 32 || !is_hex(args[1])) return none_bad("-ERR Invalid APOP digest.");
    user = std::string(args[0]);
    have_user = false;
    wait = Wait::auth;
    return AuthenticateApop{user, to_lower(args[1]), timestamp};
  }

  std::optional<Event> cmd_auth(const std::vector<std::string_view>& args) {
    const auto mechs = offered_mechanisms();
    if (args.empty()) {
      // RFC 1734 clients list the mechanisms with a bare AUTH.
      std::string r = "+OK\r\n";
      for (const auto& m : mechs)
        r += m + "\r\n";
      r += ".\r\n";
      out += r;
      return std::nullopt;
    }
    if (args.size() > 2) return none_bad("-ERR Invalid arguments.");
    const std::string mech = to_upper(args[0]);
    if (std::find(mechs.begin(), mechs.end(), mech) == mechs.end()) {
      const bool refused_plaintext =
          is_plaintext_mechanism(mech) &&
          std::any_of(opt.sasl_mechanisms.begin(), opt.sasl_mechanisms.end(),
                      [&](const std::string& m) { return iequals(m, mech); });
      return none_bad(refused_plaintext ? kPlaintextRefused
                                        : "-ERR Unsupported authentication mechanism.");
    }
    SaslStart start{mech, std::nullopt};
    if (args.size() == 2) {
      if (args[1] == "=") {
        start.initial_response = std::string();  // RFC 5034 §4: zero-length initial response
      } else {
        auto decoded = base64_decode(args[1]);
        if (!decoded) return none_bad("-ERR Invalid base64 data in initial response.");
        start.initial_response = std::move(*decoded);
      }
    }
    have_user = false;
    wait = Wait::sasl_session;
    return start;
  }

  std::optional<Event> cmd_stls(const std::vector<std::string_view>& args) {
    if (!args.empty()) return none_bad("-ERR Invalid arguments.");
    if (tls_active) return none_bad("-ERR Command not permitted when TLS active.");
    if (!opt.tls_available) return none_bad("-ERR STLS not available.");
    reply("+OK Begin TLS negotiation");
    // Whatever the client pipelined after STLS was sent in clear: drop it (RFC 2595 §4 intent,
    // CVE-2011-0411 class of injection).
    in.clear();
    in_pos = scan_pos = 0;
    discarding = false;
    wait = Wait::tls;
    return StartTls{};
  }

  std::optional<Event> cmd_listing(bool uidl, const std::vector<std::string_view>& args) {
    if (args.size() > 1) return none_bad("-ERR Invalid arguments.");
    auto item = [&](std::size_t i) {
      return std::to_string(i + 1) + " " +
             (uidl ? entries[i].uid : std::to_string(entries[i].size));
    };
    if (args.size() == 1) {
      if (auto i = message_index(args[0])) reply("+OK " + item(*i));
      return std::nullopt;
    }
    reply(uidl ? std::string("+OK")
               : "+OK " + std::to_string(live_count) + " messages (" + std::to_string(live_size) +
                     " octets)");
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (!deleted[i]) reply(item(i));
    reply(".");
    return std::nullopt;
  }

  std::optional<Event> cmd_retrieve(std::string_view arg, std::optional<std::size_t> top) {
    auto i = message_index(arg);
    if (!i) return std::nullopt;
    reply(top ? std::string("+OK") : "+OK " + std::to_string(entries[*i].size) + " octets");
    return Retrieve{*i + 1, *i, entries[*i].uid, entries[*i].size, top};
  }

  // ---- SASL continuation lines (RFC 5034 §4)

  std::optional<Event> sasl_line(std::string_view line) {
    wait = Wait::none;
    if (line == "*") {
      reply("-ERR Authentication cancelled.");
      return std::nullopt;
    }
    auto decoded = base64_decode(line);
    if (!decoded) return none_bad("-ERR Invalid base64 data in response.");
    wait = Wait::sasl_session;
    return SaslResponse{std::move(*decoded)};
  }

  void count_live() {
    live_count = 0;
    live_size = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (deleted[i]) continue;
      ++live_count;
      live_size += entries[i].size;
    }
  }

  bool has_complete_line() const { return in.find('\n', in_pos) != std::string::npos; }
};

Protocol::Protocol(Options options, std::string apop_timestamp)
    : s_(std::make_unique<Impl>(std::move(options), std::move(apop_timestamp))) {}

Protocol::~Protocol() = default;
Protocol::Protocol(Protocol&&) noexcept = default;
Protocol& Protocol::operator=(Protocol&&) noexcept = default;

void Protocol::start() {
  std::string greeting = "+OK ";
  if (!s_->opt.hostname.empty()) greeting += s_->opt.hostname + " ";
  greeting += "POP3 server ready";
  if (!s_->timestamp.empty()) greeting += " " + s_->timestamp;
  s_->reply(greeting);
}

void Protocol::receive(std::string_view bytes) {
  Impl& s = *s_;
  if (s.state == State::closed || s.wait == Impl::Wait::tls) return;  // after STLS: injection
  if (s.discarding) {
    const auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) return;
    bytes.remove_prefix(nl + 1);
    s.discarding = false;
  }
  if (s.in_pos > 0) {
    s.in.erase(0, s.in_pos);
    s.scan_pos -= s.in_pos;
    s.in_pos = 0;
  }
  s.in.append(bytes);
  if (s.in.size() > s.opt.limits.max_pending_input) {
    s.reply("-ERR [SYS/PERM] Too much pipelined input.");
    s.close();
  }
}

std::optional<Event> Protocol::next_event() {
  Impl& s = *s_;
  using Wait = Impl::Wait;
  for (;;) {
    if (s.state == State::closed) {
      if (s.close_emitted) return std::nullopt;
      s.close_emitted = true;
      return Close{};
    }
    if (s.wait != Wait::none && s.wait != Wait::sasl_client) return std::nullopt;
    if (s.out.size() >= s.opt.limits.output_high_water) return std::nullopt;
    const auto line = s.take_line();
    if (line.kind == Impl::LineKind::none) return std::nullopt;
    if (line.kind == Impl::LineKind::skipped) continue;
    auto ev = s.wait == Wait::sasl_client ? s.sasl_line(line.text) : s.command(line.text);
    if (ev) return ev;
  }
}

std::string Protocol::take_output() {
  return std::exchange(s_->out, std::string());
}

bool Protocol::wants_input() const {
  const Impl& s = *s_;
  if (s.state == State::closed) return false;
  if (s.wait != Impl::Wait::none && s.wait != Impl::Wait::sasl_client) return false;
  return !s.has_complete_line();
}

void Protocol::auth_succeeded(std::vector<MaildropEntry> entries) {
  Impl& s = *s_;
  if (s.state != State::authorization ||
      (s.wait != Impl::Wait::auth && s.wait != Impl::Wait::sasl_session))
    return;
  s.entries = std::move(entries);
  s.deleted.assign(s.entries.size(), false);
  s.count_live();
  s.state = State::transaction;
  s.wait = Impl::Wait::none;
  s.reply("+OK " + s.maildrop_summary());
}

void Protocol::auth_failed(AuthFailure why) {
  Impl& s = *s_;
  if (s.state != State::authorization ||
      (s.wait != Impl::Wait::auth && s.wait != Impl::Wait::sasl_session))
    return;
  s.wait = Impl::Wait::none;
  switch (why) {
    case AuthFailure::bad_credentials:
      s.reply("-ERR [AUTH] Authentication failed.");
      if (++s.auth_failures >= s.opt.limits.max_auth_failures) s.close();
      break;
    case AuthFailure::in_use:
      s.reply("-ERR [IN-USE] Maildrop is locked by another session, try again later.");
      break;
    case AuthFailure::temporary:
      s.reply("-ERR [SYS/TEMP] Temporary server failure, try again later.");
      break;
  }
}

void Protocol::sasl_challenge(std::string_view data) {
  Impl& s = *s_;
  if (s.state != State::authorization || s.wait != Impl::Wait::sasl_session) return;
  s.out += "+ ";
  s.out += base64_encode(data);
  s.out += kCrlf;
  s.wait = Impl::Wait::sasl_client;
}

void Protocol::update_done(bool ok) {
  Impl& s = *s_;
  if (s.state != State::update || s.wait != Impl::Wait::update) return;
  if (ok) {
    s.reply(s.sign_off() + (s.live_count == 0 ? std::string(" (maildrop empty)")
                                              : " (" + std::to_string(s.live_count) + " message" +
                                                    (s.live_count == 1 ? "" : "s") + " left)"));
  } else {
    s.reply("-ERR [SYS/TEMP] Some deleted messages not removed.");
  }
  s.close();
}

void Protocol::tls_established() {
  Impl& s = *s_;
  if (s.wait != Impl::Wait::tls) return;
  s.wait = Impl::Wait::none;
  s.tls_active = true;
  s.user.clear();
  s.have_user = false;
  s.in.clear();
  s.in_pos = s.scan_pos = 0;
}

void Protocol::tls_failed() {
  if (s_->wait != Impl::Wait::tls) return;
  s_->close();
}

void Protocol::timed_out() {
  Impl& s = *s_;
  if (s.state == State::closed) return;
  // During the handshake a clear-text line would only garble it.
  if (s.wait != Impl::Wait::tls) s.reply("-ERR Disconnected for inactivity.");
  s.close();
}

void Protocol::shutdown() {
  Impl& s = *s_;
  if (s.state == State::closed) return;
  if (s.wait != Impl::Wait::tls) s.reply("-ERR [SYS/TEMP] Server shutting down.");
  s.close();
}

State Protocol::state() const {
  return s_->state;
}
bool Protocol::closed() const {
  return s_->state == State::closed;
}
bool Protocol::awaiting_answer() const {
  const auto w = s_->wait;
  return s_->state != State::closed && w != Impl::Wait::none && w != Impl::Wait::sasl_client;
}
bool Protocol::tls_active() const {
  return s_->tls_active;
}
const std::string& Protocol::user() const {
  return s_->user;
}

}  // namespace facteur::pop3
