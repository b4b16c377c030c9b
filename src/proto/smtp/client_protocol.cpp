#include "proto/smtp/client_protocol.hpp"

#include <algorithm>
#include <deque>
#include <utility>

#include "base/base64.hpp"
#include "proto/smtp/arguments.hpp"
#include "proto/smtp/message_content.hpp"

namespace facteur::smtp {

namespace {

enum class Stage {
  opening,        // greeting, EHLO/HELO, STARTTLS, AUTH
  tls_handshake,  // ClientStartTls is out
  ready,          // ClientReady is out
  transaction,    // a message is on its way
  quitting,       // QUIT sent
  closed,
};

// What a reply in flight answers.
enum class Expect {
  greeting,
  ehlo,
  helo,
  starttls,
  auth_plain,
  auth_login,       // AUTH LOGIN: a 334 for the user name
  auth_login_user,  // the user name: a 334 for the password
  auth_login_pass,  // the password: 235
  rset,
  mail,
  rcpt,
  data,
  dot,          // end of data
  bdat,         // BDAT n LAST
  dot_discard,  // "." sent after an unwanted 354: its reply means nothing
  quit,
};

struct Command {
  std::string line;  // without CRLF; "" for the BDAT data
  Expect expect;
  std::size_t index = 0;  // rcpt: index into the message's recipients
  // Input bytes received when the command was written: a reply starting before that offset
  // was sent before the command was, so it cannot answer it (a desynchronised server).
  std::uint64_t mark = 0;
};

bool is_2xx(const Reply& r) {
  return r.code >= 200 && r.code < 300;
}

DeliveryStatus status_of(const Reply& r) {
  if (r.code >= 500 && r.code < 600) return DeliveryStatus::permanent_failure;
  return DeliveryStatus::temporary_failure;  // 4xx, and anything unexpected
}

std::string notify_value(unsigned notify) {
  if (notify & kNotifyNever) return "NEVER";
  std::string v;
  for (auto [bit, name] :
       {std::pair{kNotifySuccess, "SUCCESS"}, std::pair{kNotifyFailure, "FAILURE"},
        std::pair{kNotifyDelay, "DELAY"}}) {
    if ((notify & bit) == 0) continue;
    if (!v.empty()) v += ',';
    v += name;
  }
  return v;
}

std::string_view stage_name(Expect e) {
  switch (e) {
    case Expect::mail:
      return "MAIL FROM";
    case Expect::rcpt:
      return "RCPT TO";
    case Expect::data:
      return "DATA";
    case Expect::dot:
    case Expect::dot_discard:
      return "end of data";
    case Expect::bdat:
      return "BDAT";
    case Expect::rset:
      return "RSET";
    case Expect::greeting:
      return "the greeting";
    case Expect::ehlo:
      return "EHLO";
    case Expect::helo:
      return "HELO";
    case Expect::starttls:
      return "STARTTLS";
    case Expect::auth_plain:
    case Expect::auth_login:
    case Expect::auth_login_user:
    case Expect::auth_login_pass:
      return "AUTH";
    case Expect::quit:
      return "QUIT";
  }
  return "";
}

// A human-readable reply for the logs: "550 5.1.1 No such user".
std::string describe(const Reply& r) {
  std::string s = std::to_string(r.code);
  if (!r.enhanced.empty()) s += " " + r.enhanced;
  if (!r.text.empty()) {
    s += ' ';
    for (char c : r.text)
      s += c == '\n' ? ' ' : c;
  }
  return s;
}

}  // namespace

std::chrono::seconds timeout_for(ClientPhase phase) {
  using std::chrono::minutes;
  switch (phase) {
    case ClientPhase::greeting:
    case ClientPhase::command:
    case ClientPhase::mail:
    case ClientPhase::rcpt:
      return minutes(5);
    case ClientPhase::data_init:
      return minutes(2);
    case ClientPhase::data_block:
      return minutes(3);
    case ClientPhase::data_end:
      return minutes(10);
  }
  return minutes(5);
}

std::string encode_orcpt(const OriginalRecipient& orcpt) {
  if (orcpt.addr_type != "utf-8") return orcpt.addr_type + ";" + encode_xtext(orcpt.address);
  // RFC 6533 §3 utf-8-addr-xtext: printable ASCII except '+', '=', '\' as is, the rest as
  // \x{HEX} of the code point (an invalid byte stands for itself).
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "utf-8;";
  const auto& a = orcpt.address;
  for (std::size_t i = 0; i < a.size();) {
    auto c = static_cast<unsigned char>(a[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xC2 && c <= 0xF4) {
      len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (i + len > a.size()) {
        len = 1;
      } else {
        cp = c & (0x3F >> (len - 1));
        for (std::size_t k = 1; k < len; ++k) {
          auto cc = static_cast<unsigned char>(a[i + k]);
          if ((cc & 0xC0) != 0x80) {
            len = 1;
            cp = c;
            break;
          }
          cp = (cp << 6) | (cc & 0x3F);
        }
      }
    }
    if (cp >= 0x21 && cp <= 0x7E && cp != '+' && cp != '=' && cp != '\\') {
      out += char(cp);
    } else {
      std::string hex;
      do {
        hex.insert(hex.begin(), kHex[cp & 15]);
        cp >>= 4;
      } while (cp != 0);
      out += "\\x{" + hex + "}";
    }
    i += len;
  }
  return out;
}

namespace {

// The message in flight.
struct Txn {
  OutboundMessage msg;
  std::string converted;  // the 7-bit copy, when converted
  std::string_view payload;
  std::uint64_t wire_size = 0;
  MessageResult result;
  std::vector<bool> resolved;
  std::size_t sent = 0;  // RCPT commands sent
  std::size_t rcpt_replies = 0;
  std::vector<std::size_t> accepted;
  bool mail_failed = false;
  bool chunking = false;
  bool data_queued = false;
};

}  // namespace

struct ClientProtocol::State {
  ClientOptions opt;
  Stage stage = Stage::opening;
  std::string in;
  std::size_t in_pos = 0;
  std::uint64_t received = 0;     // bytes ever received
  std::uint64_t consumed = 0;     // bytes ever read by the reply reader (or discarded)
  std::uint64_t reply_start = 0;  // where the reply being read began
  ReplyReader reader;
  std::string out;
  std::deque<ClientEvent> events;
  std::deque<Command> queued;  // not yet written (lock-step mode)
  std::deque<Command> expect;  // written, reply awaited, in order
  Capabilities caps;
  Reply greeting;
  bool tls_active = false;
  bool tls_tried = false;
  bool authenticated = false;
  bool rset_needed = false;

  std::optional<Txn> txn;

  // Message data being written.
  bool streaming = false;
  std::size_t stream_pos = 0;
  std::optional<WireEncoder> encoder;
  Expect stream_end = Expect::dot;

  explicit State(ClientOptions o)
      : opt(std::move(o)), reader(opt.reply_limits), tls_active(opt.tls_active) {
    expect.push_back({"", Expect::greeting});
  }

  // ---- commands

  bool pipelined() const {
    return stage == Stage::transaction && caps.pipelining && opt.pipelining;
  }

  void command(std::string line, Expect e, std::size_t index = 0) {
    queued.push_back({std::move(line), e, index});
    flush_commands();
  }

  void flush_commands() {
    while (!queued.empty() && !streaming && (pipelined() || expect.empty())) {
      Command c = std::move(queued.front());
      queued.pop_front();
      if (c.expect == Expect::bdat) {
        out += c.line + "\r\n";
        start_stream(false, Expect::bdat);
        return;
      }
      out += c.line + "\r\n";
      expect_reply(std::move(c));
    }
  }

  void expect_reply(Command c) {
    c.mark = received;
    expect.push_back(std::move(c));
  }

  // Drops what was received and not read yet.
  void discard_input() {
    in.clear();
    in_pos = 0;
    consumed = received;
  }

  void start_stream(bool dots, Expect end) {
    streaming = true;
    stream_pos = 0;
    encoder.emplace(dots);
    stream_end = end;
  }

  // ---- endings

  // Every recipient not yet decided gets `reply`.
  void resolve_rest(const Reply& reply, bool remote, std::string_view stage_text) {
    if (!txn) return;
    for (std::size_t i = 0; i < txn->resolved.size(); ++i)
      if (!txn->resolved[i]) resolve(i, reply, remote, stage_text);
  }

  void resolve(std::size_t i, const Reply& reply, bool remote, std::string_view stage_text) {
    auto& r = txn->result.recipients[i];
    r.status = is_2xx(reply) ? DeliveryStatus::delivered : status_of(reply);
    r.reply = reply;
    r.remote = remote;
    r.stage = stage_text;
    txn->resolved[i] = true;
  }

  void finish_txn(bool rset) {
    events.emplace_back(MessageDone{std::move(txn->result)});
    txn.reset();
    rset_needed = rset;
    queued.clear();
    if (stage == Stage::transaction) ready();
  }

  void ready() {
    stage = Stage::ready;
    events.emplace_back(ClientReady{});
  }

  // The conversation ends now. Unresolved recipients get `reply` (the peer's) or a reply of
  // ours built from `detail`.
  void fail(SessionFailure why, std::optional<Reply> reply, std::string detail, bool send_quit) {
    if (stage == Stage::closed) return;
    std::string_view what = expect.empty() ? std::string_view{} : stage_name(expect.front().expect);
    if (txn) {
      if (reply) {
        resolve_rest(*reply, true, what);
      } else {
        Reply ours{451, why == SessionFailure::protocol ? "4.5.0" : "4.4.2", detail};
        resolve_rest(ours, false, "");
      }
      events.emplace_back(MessageDone{std::move(txn->result)});
      txn.reset();
    }
    if (send_quit) out += "QUIT\r\n";
    ClientClosed c;
    c.failure = why;
    c.permanent = reply && reply->code >= 500;
    c.reply = std::move(reply);
    c.detail = std::move(detail);
    events.emplace_back(std::move(c));
    stage = Stage::closed;
    streaming = false;
    queued.clear();
    expect.clear();
    discard_input();
  }

  // ---- opening

  void send_ehlo() { command("EHLO " + opt.helo_name, Expect::ehlo); }

  void after_hello() {
    if (!tls_active && opt.starttls != TlsMode::none && caps.starttls && !tls_tried) {
      tls_tried = true;
      return command("STARTTLS", Expect::starttls);
    }
    if (!tls_active && opt.starttls == TlsMode::required)
      return fail(SessionFailure::tls, std::nullopt, "STARTTLS is required but not offered", true);
    after_tls();
  }

  void after_tls() {
    if (opt.auth && !authenticated) return start_auth();
    ready();
  }

  void start_auth() {
    if (!tls_active && !opt.auth_without_tls)
      return fail(SessionFailure::auth, std::nullopt, "credentials are only sent over TLS", true);
    const auto& cred = *opt.auth;
    if (caps.has_auth("PLAIN")) {
      std::string msg;
      msg += '\0';
      msg += cred.username;
      msg += '\0';
      msg += cred.password;
      return command("AUTH PLAIN " + base64_encode(msg), Expect::auth_plain);
    }
    if (caps.has_auth("LOGIN")) return command("AUTH LOGIN", Expect::auth_login);
    fail(SessionFailure::auth, std::nullopt, "the server offers neither AUTH PLAIN nor AUTH LOGIN",
         true);
  }

  void auth_reply(const Command& c, const Reply& r) {
    if (c.expect == Expect::auth_login && r.code == 334)
      return command(base64_encode(opt.auth->username), Expect::auth_login_user);
    if (c.expect == Expect::auth_login_user && r.code == 334)
      return command(base64_encode(opt.auth->password), Expect::auth_login_pass);
    if ((c.expect == Expect::auth_plain || c.expect == Expect::auth_login_pass) && is_2xx(r)) {
      authenticated = true;
      return ready();
    }
    if (r.code == 334) {  // more challenges than PLAIN/LOGIN have: cancel (RFC 4954 §4)
      out += "*\r\n";
      return fail(SessionFailure::auth, r, "unexpected AUTH challenge", true);
    }
    fail(SessionFailure::auth, r, "authentication failed: " + describe(r), true);
  }

  // ---- replies

  void on_reply(Reply r) {
    if (expect.empty() || reply_start < expect.front().mark) {
      // RFC 5321 §3.8: a 421 may come at any time; anything else out of turn is a desync.
      if (r.code == 421 && expect.empty())
        return fail(SessionFailure::peer_closed, r, describe(r), false);
      if (r.code != 421)
        return fail(SessionFailure::protocol, std::nullopt, "unexpected reply: " + describe(r),
                    true);
    }
    Command c = std::move(expect.front());
    expect.pop_front();
    if (r.code == 421 && c.expect != Expect::quit) {
      expect.push_front(c);  // names the stage in fail()
      return fail(SessionFailure::peer_closed, r, describe(r), false);
    }
    switch (c.expect) {
      case Expect::greeting:
        if (r.code != 220)
          return fail(SessionFailure::greeting, r, "host refused to talk: " + describe(r), true);
        greeting = std::move(r);
        return send_ehlo();
      case Expect::ehlo:
        if (is_2xx(r)) {
          caps = parse_capabilities(r.text);
          return after_hello();
        }
        if (r.code >= 500)  // RFC 5321 §4.1.4: 500/501/502/550 mean "no EHLO here"
          return command("HELO " + opt.helo_name, Expect::helo);
        return fail(SessionFailure::hello, r, "EHLO refused: " + describe(r), true);
      case Expect::helo:
        if (!is_2xx(r)) return fail(SessionFailure::hello, r, "HELO refused: " + describe(r), true);
        caps = Capabilities{};
        return after_hello();
      case Expect::starttls:
        if (r.code == 220) {
          // RFC 3207 §4.2 / CVE-2011-1575: replies pipelined behind the 220 came in clear.
          discard_input();
          stage = Stage::tls_handshake;
          events.emplace_back(ClientStartTls{});
          return;
        }
        if (opt.starttls == TlsMode::required)
          return fail(SessionFailure::tls, r, "STARTTLS refused: " + describe(r), true);
        return after_tls();  // opportunistic: carry on in clear
      case Expect::auth_plain:
      case Expect::auth_login:
      case Expect::auth_login_user:
      case Expect::auth_login_pass:
        return auth_reply(c, r);
      case Expect::quit:
        return fail(SessionFailure::none, std::nullopt, "", false);
      case Expect::rset:
        if (!is_2xx(r))
          return fail(SessionFailure::protocol, r, "RSET failed: " + describe(r), true);
        return;
      case Expect::mail:
        return mail_reply(r);
      case Expect::rcpt:
        return rcpt_reply(c.index, r);
      case Expect::data:
        return data_reply(r);
      case Expect::dot:
      case Expect::bdat:
        return final_reply(c.expect, r);
      case Expect::dot_discard:
        return finish_txn(true);
    }
  }

  std::size_t txn_pending() const { return expect.size() + queued.size(); }

  void mail_reply(const Reply& r) {
    if (is_2xx(r)) return advance();
    txn->mail_failed = true;
    resolve_rest(r, true, "MAIL FROM");
    if (!pipelined()) queued.clear();  // the RCPTs were never sent
    advance();
  }

  void rcpt_reply(std::size_t index, const Reply& r) {
    ++txn->rcpt_replies;
    if (!txn->mail_failed) {
      if (is_2xx(r)) {
        txn->accepted.push_back(index);
      } else {
        resolve(index, r, true, "RCPT TO");
      }
    }
    advance();
  }

  // Decides what comes next once a MAIL or RCPT reply is in.
  void advance() {
    auto& t = *txn;
    if (t.mail_failed) {
      if (txn_pending() == 0) finish_txn(false);
      return;
    }
    if (t.rcpt_replies < t.sent) return;
    if (t.accepted.empty()) {
      if (!t.data_queued) finish_txn(true);  // MAIL succeeded: the transaction must go
      return;                                // (else the DATA reply ends it)
    }
    if (t.data_queued) return;
    t.data_queued = true;
    if (t.chunking) {
      command("BDAT " + std::to_string(t.wire_size) + " LAST", Expect::bdat);
    } else {
      command("DATA", Expect::data);
    }
  }

  void data_reply(const Reply& r) {
    auto& t = *txn;
    if (r.code == 354) {
      if (t.mail_failed || t.accepted.empty()) {
        // RFC 2920 §3.1: nobody to send to, yet the server wants data: end it at once.
        out += ".\r\n";
        expect_reply({"", Expect::dot_discard});
        return;
      }
      return start_stream(true, Expect::dot);
    }
    if (!t.mail_failed)
      for (auto i : t.accepted)
        resolve(i, r, true, "DATA");
    // A 2xx to DATA is nonsense: the peer is confused; it answered nothing we sent.
    if (is_2xx(r))
      return fail(SessionFailure::protocol, std::nullopt, "DATA got " + describe(r), true);
    finish_txn(!t.mail_failed);
  }

  void final_reply(Expect e, const Reply& r) {
    auto& t = *txn;
    if (r.code < 200 || (r.code >= 300 && r.code < 400)) {
      return fail(SessionFailure::protocol, std::nullopt,
                  std::string(stage_name(e)) + " got " + describe(r), true);
    }
    for (auto i : t.accepted)
      resolve(i, r, true, stage_name(e));
    finish_txn(false);
  }

  // ---- a new message

  void begin(OutboundMessage msg) {
    stage = Stage::transaction;
    txn.emplace();
    auto& t = *txn;
    t.msg = std::move(msg);
    const auto n = t.msg.recipients.size();
    t.result.recipients.resize(n);
    t.resolved.assign(n, false);
    t.payload = t.msg.data;
    const auto info = scan_content(t.payload);
    t.wire_size = info.wire_size;

    // SMTPUTF8 (RFC 6531 §3.4).
    const bool utf8_all = t.msg.reverse_path.is_utf8 || (t.msg.smtputf8 && info.eight_bit_header);
    bool utf8_any = utf8_all;
    for (const auto& r : t.msg.recipients)
      utf8_any = utf8_any || r.path.is_utf8;
    bool use_utf8 = false;
    if (utf8_any) {
      if (caps.smtputf8) {
        use_utf8 = true;
      } else {
        Reply no{553, "5.6.7", "SMTPUTF8 is required, but was not offered by the host"};
        for (std::size_t i = 0; i < n; ++i)
          if (utf8_all || t.msg.recipients[i].path.is_utf8) resolve(i, no, false, "");
      }
    }
    t.result.smtputf8 = use_utf8;

    // 8BITMIME (RFC 6152 §3).
    bool body_8bit = false;
    if (info.eight_bit && !all_resolved()) {
      if (caps.eight_bit_mime || use_utf8) {
        body_8bit = true;
      } else {
        auto converted = convert_to_7bit(t.payload);
        if (!converted) {
          resolve_rest(
              {554, "5.6.3",
               "Conversion to 7bit required but not possible: " + converted.error().message},
              false, "");
        } else {
          t.converted = std::move(*converted);
          t.payload = t.converted;
          t.wire_size = scan_content(t.payload).wire_size;
          t.result.converted_to_7bit = true;
        }
      }
    }

    // SIZE (RFC 1870 §6.1).
    if (caps.size && *caps.size > 0 && t.wire_size > *caps.size)
      resolve_rest({552, "5.3.4",
                    "Message size " + std::to_string(t.wire_size) +
                        " exceeds the receiving server's limit of " + std::to_string(*caps.size)},
                   false, "");

    if (all_resolved()) return finish_txn(false);

    std::string mail = "MAIL FROM:" + t.msg.reverse_path.to_path();
    if (caps.size) mail += " SIZE=" + std::to_string(t.wire_size);
    if (body_8bit) mail += " BODY=8BITMIME";
    if (use_utf8) mail += " SMTPUTF8";
    if (caps.dsn) {
      t.result.peer_dsn = true;
      if (t.msg.ret == DsnRet::full) mail += " RET=FULL";
      if (t.msg.ret == DsnRet::headers) mail += " RET=HDRS";
      if (t.msg.envid) mail += " ENVID=" + encode_xtext(*t.msg.envid);
    }
    if (!caps.auth.empty() && t.msg.auth)
      mail += " AUTH=" + (*t.msg.auth == "<>" ? std::string("<>") : encode_xtext(*t.msg.auth));

    t.chunking = caps.chunking && opt.chunking;
    if (rset_needed) {
      rset_needed = false;
      command("RSET", Expect::rset);
    }
    command(std::move(mail), Expect::mail);
    for (std::size_t i = 0; i < n; ++i) {
      if (t.resolved[i]) continue;
      const auto& r = t.msg.recipients[i];
      std::string rcpt = "RCPT TO:" + r.path.to_path();
      if (caps.dsn) {
        if (r.notify != kNotifyNone) rcpt += " NOTIFY=" + notify_value(r.notify);
        if (r.orcpt) rcpt += " ORCPT=" + encode_orcpt(*r.orcpt);
      }
      ++t.sent;
      command(std::move(rcpt), Expect::rcpt, i);
    }
    if (pipelined() && !t.chunking) {  // RFC 2920 §3.1: DATA ends the group
      t.data_queued = true;
      command("DATA", Expect::data);
    }
  }

  bool all_resolved() const {
    return std::all_of(txn->resolved.begin(), txn->resolved.end(), [](bool b) { return b; });
  }

  // ---- output

  std::string take_output() {
    std::string r = std::exchange(out, {});
    if (!streaming) return r;
    auto rest = txn->payload.substr(stream_pos);
    auto n = std::min(rest.size(), opt.output_chunk);
    encoder->feed(rest.substr(0, n), r);
    stream_pos += n;
    if (stream_pos == txn->payload.size()) {
      encoder->finish(r);
      encoder.reset();
      streaming = false;
      expect_reply({"", stream_end});
    }
    return r;
  }
};

// ---- ClientProtocol

ClientProtocol::ClientProtocol(ClientOptions options)
    : s_(std::make_unique<State>(std::move(options))) {}
ClientProtocol::~ClientProtocol() = default;
ClientProtocol::ClientProtocol(ClientProtocol&&) noexcept = default;
ClientProtocol& ClientProtocol::operator=(ClientProtocol&&) noexcept = default;

void ClientProtocol::receive(std::string_view bytes) {
  auto& s = *s_;
  if (s.stage == Stage::closed || s.stage == Stage::tls_handshake) return;
  if (s.in_pos > 0) {
    s.in.erase(0, s.in_pos);
    s.in_pos = 0;
  }
  s.in.append(bytes);
  s.received += bytes.size();
}

std::optional<ClientEvent> ClientProtocol::next_event() {
  auto& s = *s_;
  while (true) {
    if (!s.events.empty()) {
      ClientEvent ev = std::move(s.events.front());
      s.events.pop_front();
      return ev;
    }
    if (s.stage == Stage::closed || s.stage == Stage::ready || s.stage == Stage::tls_handshake ||
        s.streaming)
      return std::nullopt;
    std::string_view view = std::string_view(s.in).substr(s.in_pos);
    if (view.empty()) return std::nullopt;
    if (!s.reader.in_reply()) s.reply_start = s.consumed;
    auto before = view.size();
    auto st = s.reader.read(view);
    s.in_pos += before - view.size();
    s.consumed += before - view.size();
    switch (st) {
      case ReplyReader::Status::need_more:
        return std::nullopt;
      case ReplyReader::Status::error:
        s.fail(SessionFailure::protocol, std::nullopt, "bad reply: " + s.reader.error(), true);
        break;
      case ReplyReader::Status::reply:
        s.on_reply(s.reader.take());
        if (s.stage != Stage::closed) s.flush_commands();  // lock-step: the next command
        break;
    }
  }
}

std::string ClientProtocol::take_output() {
  return s_->take_output();
}

bool ClientProtocol::wants_input() const {
  const auto& s = *s_;
  return s.stage != Stage::closed && s.stage != Stage::ready && s.stage != Stage::tls_handshake &&
         !s.streaming && s.out.empty() && !s.expect.empty() && s.events.empty();
}

bool ClientProtocol::send(OutboundMessage message) {
  auto& s = *s_;
  if (s.stage != Stage::ready || !s.events.empty()) return false;
  s.begin(std::move(message));
  return true;
}

void ClientProtocol::quit() {
  auto& s = *s_;
  if (s.stage != Stage::ready) return;
  s.stage = Stage::quitting;
  s.out += "QUIT\r\n";
  s.expect_reply({"", Expect::quit});
}

void ClientProtocol::tls_established() {
  auto& s = *s_;
  if (s.stage != Stage::tls_handshake) return;
  s.stage = Stage::opening;
  s.tls_active = true;
  s.caps = Capabilities{};  // RFC 3207 §4.2: forget what was learnt in clear
  s.discard_input();
  s.send_ehlo();
}

void ClientProtocol::tls_failed() {
  auto& s = *s_;
  if (s.stage != Stage::tls_handshake) return;
  s.out.clear();
  s.fail(SessionFailure::tls, std::nullopt, "TLS handshake failed", false);
}

void ClientProtocol::timed_out() {
  auto& s = *s_;
  if (s.stage == Stage::quitting) return s.fail(SessionFailure::none, std::nullopt, "", false);
  std::string what = s.streaming        ? "sending message data"
                     : s.expect.empty() ? "idle"
                                        : "waiting for the reply to " +
                                              std::string(stage_name(s.expect.front().expect));
  s.fail(SessionFailure::timeout, std::nullopt, "timeout while " + what, false);
}

void ClientProtocol::connection_lost() {
  auto& s = *s_;
  if (s.stage == Stage::quitting) return s.fail(SessionFailure::none, std::nullopt, "", false);
  std::string what = s.streaming        ? "sending message data"
                     : s.expect.empty() ? "idle"
                                        : "waiting for the reply to " +
                                              std::string(stage_name(s.expect.front().expect));
  s.fail(SessionFailure::connection_lost, std::nullopt, "lost connection while " + what, false);
}

ClientPhase ClientProtocol::phase() const {
  const auto& s = *s_;
  if (s.streaming) return ClientPhase::data_block;
  if (s.expect.empty()) return ClientPhase::command;
  switch (s.expect.front().expect) {
    case Expect::greeting:
      return ClientPhase::greeting;
    case Expect::mail:
      return ClientPhase::mail;
    case Expect::rcpt:
      return ClientPhase::rcpt;
    case Expect::data:
      return ClientPhase::data_init;
    case Expect::dot:
    case Expect::bdat:
    case Expect::dot_discard:
      return ClientPhase::data_end;
    default:
      return ClientPhase::command;
  }
}

bool ClientProtocol::closed() const {
  return s_->stage == Stage::closed;
}
bool ClientProtocol::tls_active() const {
  return s_->tls_active;
}
bool ClientProtocol::authenticated() const {
  return s_->authenticated;
}
const Capabilities& ClientProtocol::capabilities() const {
  return s_->caps;
}
const Reply& ClientProtocol::greeting() const {
  return s_->greeting;
}

}  // namespace facteur::smtp
