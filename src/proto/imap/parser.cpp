#include "proto/imap/parser.hpp"

#include <algorithm>
#include <cstring>

#include "base/strings.hpp"
#include "mail/date.hpp"
#include "mail/part_map.hpp"
#include "mail/transfer_encoding.hpp"
#include "proto/imap/mailbox_name.hpp"

namespace facteur::imap {
namespace {

bool is_ctl(unsigned char c) {
  return c < 0x20 || c == 0x7F;
}
// ATOM-CHAR: CHAR except atom-specials ( ) { SP CTL % * " \ ]
bool is_atom_char(unsigned char c) {
  if (c >= 0x80 || is_ctl(c)) return false;
  switch (c) {
    case '(':
    case ')':
    case '{':
    case ' ':
    case '%':
    case '*':
    case '"':
    case '\\':
    case ']':
      return false;
    default:
      return true;
  }
}
bool is_astring_char(unsigned char c) {
  return is_atom_char(c) || c == ']';
}
bool is_list_char(unsigned char c) {
  return is_atom_char(c) || c == '%' || c == '*' || c == ']';
}
bool is_tag_char(unsigned char c) {
  return is_astring_char(c) && c != '+';
}

class Parser {
 public:
  Parser(std::string_view in, const ParserOptions& o) : in_(in), opt_(o) {}

  ParseResult parse();
  ParseResult parse_rest(bool utf8_wrapped);

 private:
  // ---- failure bookkeeping: the first failure wins.
  bool fail(std::string_view message) {
    if (!failed_) {
      failed_ = true;
      error_ = std::string(message);
    }
    return false;
  }
  bool fail_no(std::string_view code, std::string_view message) {
    if (!failed_) {
      no_ = true;
      code_ = std::string(code);
    }
    return fail(message);
  }
  // Ran out of input: only legitimate right after a literal announcement.
  bool starve() {
    if (!failed_) {
      failed_ = true;
      incomplete_ = true;
    }
    return false;
  }

  bool at_end() const { return pos_ >= in_.size(); }
  int peek() const { return at_end() ? -1 : static_cast<unsigned char>(in_[pos_]); }

  bool sp() {
    if (at_end()) return starve();
    if (in_[pos_] != ' ') return fail("expected a space");
    ++pos_;
    return true;
  }
  bool expect(char c) {
    if (at_end()) return starve();
    if (in_[pos_] != c) return fail(std::string("expected '") + c + "'");
    ++pos_;
    return true;
  }
  bool crlf() {
    if (at_end()) return starve();
    if (in_[pos_] == '\r') {
      ++pos_;
      if (at_end()) return starve();
    }
    if (in_[pos_] != '\n') return fail("junk at end of command");
    ++pos_;
    return true;
  }
  bool at_crlf() const { return peek() == '\r' || peek() == '\n'; }

  // 1*ATOM-CHAR (with extra allowed characters).
  std::string_view token(bool (*ok)(unsigned char)) {
    const std::size_t start = pos_;
    while (!at_end() && ok(static_cast<unsigned char>(in_[pos_])))
      ++pos_;
    return in_.substr(start, pos_ - start);
  }
  bool atom(std::string_view& out) {
    out = token(is_atom_char);
    if (out.empty()) return at_end() ? starve() : fail("expected an atom");
    return true;
  }
  // An atom compared case-insensitively with one of the command's keywords.
  std::string upper_atom() {
    std::string_view a = token(is_atom_char);
    return to_upper(a);
  }

  bool number64(std::uint64_t& out, bool nonzero = false) {
    const std::size_t start = pos_;
    std::uint64_t v = 0;
    while (!at_end() && in_[pos_] >= '0' && in_[pos_] <= '9') {
      const auto d = std::uint64_t(in_[pos_] - '0');
      if (v > (UINT64_MAX - d) / 10) return fail("number too large");
      v = v * 10 + d;
      ++pos_;
    }
    if (pos_ == start) return at_end() ? starve() : fail("expected a number");
    if (nonzero && v == 0) return fail("expected a non-zero number");
    out = v;
    return true;
  }
  bool number32(std::uint32_t& out, bool nonzero = false) {
    std::uint64_t v = 0;
    if (!number64(v, nonzero)) return false;
    if (v > 0xFFFF'FFFFull) return fail("number too large");
    out = std::uint32_t(v);
    return true;
  }
  // mod-sequence-value: 1*DIGIT up to 2^63-1 (RFC 7162 §7).
  bool modseq(std::uint64_t& out, bool nonzero) {
    if (!number64(out, nonzero)) return false;
    if (out > 0x7FFF'FFFF'FFFF'FFFFull) return fail("mod-sequence too large");
    return true;
  }

  bool quoted(std::string& out) {
    ++pos_;  // the opening quote
    out.clear();
    for (;;) {
      if (at_end()) return starve();
      const auto c = static_cast<unsigned char>(in_[pos_++]);
      if (c == '"') return true;
      if (c == '\\') {
        if (at_end()) return starve();
        const char e = in_[pos_++];
        if (e != '"' && e != '\\') return fail("bad escape in quoted string");
        out += e;
        continue;
      }
      if (c == '\r' || c == '\n' || c == 0) return fail("bad character in quoted string");
      out += char(c);
    }
  }

  // "{n}" / "{n+}" CRLF and the n bytes; `binary`: "~{n}" allowed.
  bool literal(std::string& out, bool binary_ok = false, bool* was_binary = nullptr) {
    bool binary = false;
    if (peek() == '~') {
      if (!binary_ok) return fail("literal8 not allowed here");
      binary = true;
      ++pos_;
    }
    if (!expect('{')) return false;
    std::uint64_t n = 0;
    if (!number64(n)) return false;
    if (peek() == '+') ++pos_;
    if (!expect('}')) return false;
    if (!crlf()) return false;
    if (in_.size() - pos_ < n) {
      at_literal_ = pos_ == in_.size();
      return starve();
    }
    out.assign(in_.substr(pos_, std::size_t(n)));
    pos_ += std::size_t(n);
    if (!binary && out.find('\0') != std::string::npos) return fail("NUL in literal");
    if (was_binary) *was_binary = binary;
    return true;
  }

  bool string(std::string& out) {
    if (peek() == '"') return quoted(out);
    if (peek() == '{') return literal(out);
    if (at_end()) return starve();
    return fail("expected a string");
  }
  bool astring(std::string& out) {
    if (peek() == '"' || peek() == '{') return string(out);
    std::string_view a = token(is_astring_char);
    if (a.empty()) return at_end() ? starve() : fail("expected a string or atom");
    out.assign(a);
    return true;
  }
  bool nstring(std::optional<std::string>& out) {
    if (peek() == 'N' || peek() == 'n') {
      const std::size_t save = pos_;
      if (upper_atom() == "NIL") {
        out.reset();
        return true;
      }
      pos_ = save;
    }
    std::string s;
    if (!string(s)) return false;
    out = std::move(s);
    return true;
  }

  // A mailbox name, decoded and checked. `create`: check_new_mailbox_name.
  bool mailbox(std::string& out, bool create = false) {
    std::string raw;
    if (!astring(raw)) return false;
    return decode_name(raw, out, create);
  }
  bool decode_name(const std::string& raw, std::string& out, bool create) {
    std::string utf8;
    if (opt_.utf8) {
      utf8 = raw;
    } else {
      auto d = mutf7_decode(raw);
      if (!d) {
        // Not modified UTF-7: 8-bit names sent by rev1 clients cannot name anything here.
        return fail_no(create ? "CANNOT" : "NONEXISTENT", "Invalid mailbox name encoding");
      }
      utf8 = std::move(*d);
    }
    auto checked = create ? check_new_mailbox_name(utf8) : check_mailbox_name(utf8);
    if (!checked)
      return fail_no(create ? "CANNOT" : "NONEXISTENT",
                     "Invalid mailbox name: " + checked.error().message);
    out = std::move(*checked);
    return true;
  }
  // list-mailbox: 1*list-char / string, decoded (patterns keep their wildcards).
  bool list_mailbox(std::string& out) {
    std::string raw;
    if (peek() == '"' || peek() == '{') {
      if (!string(raw)) return false;
    } else {
      std::string_view a = token(is_list_char);
      if (a.empty()) return at_end() ? starve() : fail("expected a mailbox pattern");
      raw.assign(a);
    }
    if (opt_.utf8) {
      out = std::move(raw);
    } else {
      auto d = mutf7_decode(raw);
      if (!d) return fail("Invalid mailbox pattern encoding");
      out = std::move(*d);
    }
    // LIST matching costs pattern x name per mailbox: patterns are kept short.
    if (out.size() > kMaxListPattern) return fail("mailbox pattern too long");
    return true;
  }

  bool seq_set(SequenceSet& out) {
    const std::size_t start = pos_;
    while (!at_end()) {
      const char c = in_[pos_];
      if ((c >= '0' && c <= '9') || c == ':' || c == ',' || c == '*' || c == '$') {
        ++pos_;
      } else {
        break;
      }
    }
    if (pos_ == start) return at_end() ? starve() : fail("expected a sequence set");
    auto s = parse_sequence_set(in_.substr(start, pos_ - start), opt_.max_items);
    if (!s) return fail("invalid sequence set");
    out = std::move(*s);
    return true;
  }

  bool flag(Flags& f, bool allow_recent, bool allow_wildcard = false) {
    if (peek() == '\\') {
      ++pos_;
      if (allow_wildcard && peek() == '*') {
        ++pos_;
        return true;
      }
      std::string_view a;
      if (!atom(a)) return false;
      const std::string n = to_upper(a);
      if (n == "SEEN") {
        f.system |= kSeen;
      } else if (n == "ANSWERED") {
        f.system |= kAnswered;
      } else if (n == "FLAGGED") {
        f.system |= kFlagged;
      } else if (n == "DELETED") {
        f.system |= kDeleted;
      } else if (n == "DRAFT") {
        f.system |= kDraft;
      } else if (n == "RECENT" && allow_recent) {
        f.system |= kRecent;
      } else {
        return fail("unknown or invalid system flag");
      }
      return true;
    }
    std::string_view a;
    if (!atom(a)) return false;
    if (std::find_if(f.keywords.begin(), f.keywords.end(),
                     [&](const std::string& k) { return iequals(k, a); }) == f.keywords.end()) {
      if (f.keywords.size() >= opt_.max_items) return fail("too many keywords");
      f.keywords.emplace_back(a);
    }
    return true;
  }
  bool flag_list(Flags& f) {
    if (!expect('(')) return false;
    if (peek() == ')') {
      ++pos_;
      return true;
    }
    for (;;) {
      if (!flag(f, false)) return false;
      if (peek() == ')') {
        ++pos_;
        return true;
      }
      if (!sp()) return false;
    }
  }

  bool search_date(std::chrono::sys_days& out) {
    std::string s;
    if (peek() == '"') {
      if (!quoted(s)) return false;
    } else {
      std::string_view a;
      if (!atom(a)) return false;
      s.assign(a);
    }
    auto d = mail::parse_imap_date(s);
    if (!d) return fail("invalid date");
    out = *d;
    return true;
  }

  // ---- commands
  bool command(std::string_view name, Command& out);
  bool cmd_authenticate(Command& out);
  bool cmd_select(bool read_only, Command& out);
  bool cmd_create(Command& out);
  bool cmd_list(bool lsub, Command& out);
  bool status_items(std::vector<StatusItem>& out);
  bool cmd_status(Command& out);
  bool cmd_append_message();
  bool cmd_search(bool uid, Command& out);
  bool search_program(std::optional<std::string>* charset, SearchKey& key);
  bool search_key(SearchKey& key, std::size_t depth);
  bool cmd_sort(bool uid, Command& out);
  bool cmd_thread(bool uid, Command& out);
  bool cmd_fetch(bool uid, Command& out);
  bool fetch_att(std::vector<FetchItem>& items, bool& sets_seen);
  bool section(Section& s, bool binary);
  bool partial(FetchItem& item);
  bool cmd_store(bool uid, Command& out);
  bool cmd_copy(bool uid, bool move, Command& out);
  bool cmd_id(Command& out);
  bool cmd_setquota(Command& out);

  std::string_view in_;
  const ParserOptions& opt_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  bool incomplete_ = false;
  bool at_literal_ = false;  // the input ended right after a literal announcement
  bool no_ = false;
  std::string error_;
  std::string code_;
  // APPEND in progress
  bool append_ = false;
  bool append_reached_literal_ = false;
  std::string append_mailbox_;
  AppendMessage append_msg_;
  std::string name_;
};

ParseResult Parser::parse() {
  ParseResult r;
  std::string_view tag = token(is_tag_char);
  if (tag.empty()) {
    r.error = "invalid tag";
    return r;
  }
  r.tag.assign(tag);
  Command cmd = NoopCmd{};
  bool ok = sp();
  if (ok) {
    std::string_view name;
    ok = atom(name);
    if (ok) {
      name_ = to_upper(name);
      if (name_ == "UID") {
        ok = sp();
        if (ok) {
          std::string_view sub;
          ok = atom(sub);
          if (ok) name_ = "UID " + to_upper(sub);
        }
      }
      if (ok) ok = command(name_, cmd);
      if (ok && !append_) ok = crlf();
    }
  }
  r.name = name_;
  if (append_ && append_reached_literal_) {
    r.kind = ParseResult::Kind::append_message;
    r.mailbox = std::move(append_mailbox_);
    r.message = std::move(append_msg_);
    return r;
  }
  if (ok) {
    r.kind = ParseResult::Kind::complete;
    r.command = std::move(cmd);
    return r;
  }
  if (incomplete_) {
    // Running out of input is only fine right at a literal announcement.
    if (at_literal_) {
      r.kind = ParseResult::Kind::need_literal;
      return r;
    }
    r.error = "incomplete command";
    return r;
  }
  r.error = error_;
  r.code = code_;
  r.no = no_;
  return r;
}

ParseResult Parser::parse_rest(bool utf8_wrapped) {
  ParseResult r;
  append_ = true;
  name_ = "APPEND";
  r.name = name_;
  bool ok = true;
  if (utf8_wrapped) ok = expect(')');
  if (ok && at_crlf()) {
    ok = crlf();
    if (ok) {
      r.kind = ParseResult::Kind::append_done;
      return r;
    }
  }
  if (ok) ok = sp() && cmd_append_message();
  if (append_reached_literal_) {
    r.kind = ParseResult::Kind::append_message;
    r.message = std::move(append_msg_);
    return r;
  }
  r.error = incomplete_ ? "incomplete command" : (ok ? "expected a message literal" : error_);
  r.code = code_;
  r.no = no_;
  return r;
}

bool Parser::command(std::string_view n, Command& out) {
  auto no_args = [&](Command c) {
    out = std::move(c);
    return true;
  };
  if (n == "CAPABILITY") return no_args(CapabilityCmd{});
  if (n == "NOOP") return no_args(NoopCmd{});
  if (n == "LOGOUT") return no_args(LogoutCmd{});
  if (n == "STARTTLS") return no_args(StartTlsCmd{});
  if (n == "IDLE") return no_args(IdleCmd{});
  if (n == "CHECK") return no_args(CheckCmd{});
  if (n == "CLOSE") return no_args(CloseCmd{});
  if (n == "UNSELECT") return no_args(UnselectCmd{});
  if (n == "EXPUNGE") return no_args(ExpungeCmd{});
  if (n == "NAMESPACE") return no_args(NamespaceCmd{});
  if (n == "AUTHENTICATE") return cmd_authenticate(out);
  if (n == "LOGIN") {
    LoginCmd c;
    if (!sp() || !astring(c.user) || !sp() || !astring(c.password)) return false;
    out = std::move(c);
    return true;
  }
  if (n == "ENABLE") {
    EnableCmd c;
    do {
      std::string_view a;
      if (!sp() || !atom(a)) return false;
      if (c.capabilities.size() >= opt_.max_items) return fail("too many capabilities");
      c.capabilities.push_back(to_upper(a));
    } while (peek() == ' ');
    out = std::move(c);
    return true;
  }
  if (n == "SELECT" || n == "EXAMINE") return cmd_select(n == "EXAMINE", out);
  if (n == "CREATE") return cmd_create(out);
  if (n == "DELETE") {
    DeleteCmd c;
    if (!sp() || !mailbox(c.mailbox)) return false;
    out = std::move(c);
    return true;
  }
  if (n == "RENAME") {
    RenameCmd c;
    if (!sp() || !mailbox(c.from) || !sp() || !mailbox(c.to, true)) return false;
    out = std::move(c);
    return true;
  }
  if (n == "SUBSCRIBE" || n == "UNSUBSCRIBE") {
    SubscribeCmd c;
    c.subscribe = n == "SUBSCRIBE";
    if (!sp() || !mailbox(c.mailbox)) return false;
    out = std::move(c);
    return true;
  }
  if (n == "LIST" || n == "LSUB") return cmd_list(n == "LSUB", out);
  if (n == "STATUS") return cmd_status(out);
  if (n == "APPEND") {
    append_ = true;
    if (!sp() || !mailbox(append_mailbox_) || !sp()) return false;
    return cmd_append_message();
  }
  if (n == "SEARCH" || n == "UID SEARCH") return cmd_search(n[0] == 'U', out);
  if (n == "SORT" || n == "UID SORT") return cmd_sort(n[0] == 'U', out);
  if (n == "THREAD" || n == "UID THREAD") return cmd_thread(n[0] == 'U', out);
  if (n == "FETCH" || n == "UID FETCH") return cmd_fetch(n[0] == 'U', out);
  if (n == "STORE" || n == "UID STORE") return cmd_store(n[0] == 'U', out);
  if (n == "COPY" || n == "UID COPY") return cmd_copy(n[0] == 'U', false, out);
  if (n == "MOVE" || n == "UID MOVE") return cmd_copy(n[0] == 'U', true, out);
  if (n == "UID EXPUNGE") {
    ExpungeCmd c;
    c.uids.emplace();
    if (!sp() || !seq_set(*c.uids)) return false;
    out = std::move(c);
    return true;
  }
  if (n == "ID") return cmd_id(out);
  if (n == "GETQUOTA") {
    GetQuotaCmd c;
    if (!sp() || !astring(c.root)) return false;
    out = std::move(c);
    return true;
  }
  if (n == "GETQUOTAROOT") {
    GetQuotaRootCmd c;
    if (!sp() || !mailbox(c.mailbox)) return false;
    out = std::move(c);
    return true;
  }
  if (n == "SETQUOTA") return cmd_setquota(out);
  if (n == "COMPRESS") {
    CompressCmd c;
    std::string_view a;
    if (!sp() || !atom(a)) return false;
    c.mechanism = to_upper(a);
    out = std::move(c);
    return true;
  }
  return fail("Unknown command");
}

bool Parser::cmd_authenticate(Command& out) {
  AuthenticateCmd c;
  std::string_view mech;
  if (!sp() || !atom(mech)) return false;
  c.mechanism = to_upper(mech);
  if (peek() == ' ') {
    ++pos_;
    const std::size_t start = pos_;
    while (!at_end() && !at_crlf())
      ++pos_;
    const std::string_view ir = in_.substr(start, pos_ - start);
    if (ir == "=") {
      c.initial_response = std::string();
    } else {
      if (ir.empty() || !is_base64(ir)) return fail("Invalid base64 initial response");
      c.initial_response = mail::decode_base64(ir);
    }
  }
  out = std::move(c);
  return true;
}

bool Parser::cmd_select(bool read_only, Command& out) {
  SelectCmd c;
  c.read_only = read_only;
  if (!sp() || !mailbox(c.mailbox)) return false;
  if (peek() == ' ') {
    ++pos_;
    if (!expect('(')) return false;
    bool first = true;
    while (peek() != ')') {
      if (!first && !sp()) return false;
      first = false;
      const std::string p = upper_atom();
      if (p == "CONDSTORE") {
        c.condstore = true;
      } else if (p == "QRESYNC") {
        QresyncParams q;
        if (!sp() || !expect('(') || !number32(q.uid_validity, true) || !sp() ||
            !modseq(q.modseq, true))
          return false;
        if (peek() == ' ') {
          ++pos_;
          if (peek() != '(') {
            q.known_uids.emplace();
            if (!seq_set(*q.known_uids)) return false;
            if (peek() == ' ') ++pos_;
          }
          if (peek() == '(') {
            ++pos_;
            q.seq_match_seqs.emplace();
            q.seq_match_uids.emplace();
            if (!seq_set(*q.seq_match_seqs) || !sp() || !seq_set(*q.seq_match_uids) || !expect(')'))
              return false;
          }
        }
        if (!expect(')')) return false;
        c.qresync = std::move(q);
      } else {
        return at_end() ? starve() : fail("unknown SELECT parameter");
      }
    }
    ++pos_;
  }
  out = std::move(c);
  return true;
}

bool Parser::cmd_create(Command& out) {
  CreateCmd c;
  if (!sp() || !mailbox(c.mailbox, true)) return false;
  if (peek() == ' ') {
    ++pos_;
    if (!expect('(')) return false;
    if (upper_atom() != "USE") return at_end() ? starve() : fail("unknown CREATE parameter");
    if (!sp() || !expect('(')) return false;
    while (peek() != ')') {
      if (!c.special_use.empty() && !sp()) return false;
      if (!expect('\\')) return false;
      std::string_view a;
      if (!atom(a)) return false;
      if (c.special_use.size() >= 16) return fail("too many special-use attributes");
      c.special_use.push_back("\\" + std::string(a));
    }
    ++pos_;
    if (!expect(')')) return false;
  }
  out = std::move(c);
  return true;
}

bool Parser::status_items(std::vector<StatusItem>& items) {
  if (!expect('(')) return false;
  for (;;) {
    const std::string a = upper_atom();
    StatusItem it;
    if (a == "MESSAGES") {
      it = StatusItem::messages;
    } else if (a == "RECENT") {
      it = StatusItem::recent;
    } else if (a == "UIDNEXT") {
      it = StatusItem::uidnext;
    } else if (a == "UIDVALIDITY") {
      it = StatusItem::uidvalidity;
    } else if (a == "UNSEEN") {
      it = StatusItem::unseen;
    } else if (a == "DELETED") {
      it = StatusItem::deleted;
    } else if (a == "SIZE") {
      it = StatusItem::size;
    } else if (a == "HIGHESTMODSEQ") {
      it = StatusItem::highestmodseq;
    } else if (a == "APPENDLIMIT") {
      it = StatusItem::appendlimit;
    } else {
      return at_end() ? starve() : fail("unknown status item");
    }
    if (std::find(items.begin(), items.end(), it) == items.end()) items.push_back(it);
    if (peek() == ')') {
      ++pos_;
      return true;
    }
    if (!sp()) return false;
  }
}

bool Parser::cmd_status(Command& out) {
  StatusCmd c;
  if (!sp() || !mailbox(c.mailbox) || !sp() || !status_items(c.items)) return false;
  out = std::move(c);
  return true;
}

bool Parser::cmd_list(bool lsub, Command& out) {
  ListCmd c;
  c.lsub = lsub;
  if (!sp()) return false;
  if (!lsub && peek() == '(') {
    c.extended = true;
    ++pos_;
    bool first = true;
    while (peek() != ')') {
      if (!first && !sp()) return false;
      first = false;
      const std::string o = upper_atom();
      if (o == "SUBSCRIBED") {
        c.select_subscribed = true;
      } else if (o == "REMOTE") {
        c.select_remote = true;
      } else if (o == "RECURSIVEMATCH") {
        c.select_recursive_match = true;
      } else if (o == "SPECIAL-USE") {
        c.select_special_use = true;
      } else {
        return at_end() ? starve() : fail("unknown LIST selection option");
      }
    }
    ++pos_;
    // RFC 5258 §3: RECURSIVEMATCH alone is an error.
    if (c.select_recursive_match && !c.select_subscribed && !c.select_special_use)
      return fail("RECURSIVEMATCH needs another selection option");
    if (!sp()) return false;
  }
  std::string ref;
  if (!list_mailbox(ref)) return false;
  // The reference is a mailbox name prefix; its INBOX is not canonicalised (it is a prefix).
  c.reference = ref;
  if (!sp()) return false;
  std::vector<std::string> raw;
  if (!lsub && peek() == '(') {
    c.extended = true;
    ++pos_;
    for (;;) {
      std::string p;
      if (!list_mailbox(p)) return false;
      if (raw.size() >= kMaxListPatterns) return fail("too many patterns");
      raw.push_back(std::move(p));
      if (peek() == ')') {
        ++pos_;
        break;
      }
      if (!sp()) return false;
    }
  } else {
    std::string p;
    if (!list_mailbox(p)) return false;
    raw.push_back(std::move(p));
  }
  for (const auto& p : raw)
    c.patterns.push_back(list_pattern(c.reference, p));
  c.delimiter_query = !c.extended && raw.size() == 1 && raw[0].empty();
  if (!lsub && peek() == ' ') {
    ++pos_;
    if (upper_atom() != "RETURN") return at_end() ? starve() : fail("expected RETURN");
    c.extended = true;
    if (!sp() || !expect('(')) return false;
    bool first = true;
    while (peek() != ')') {
      if (!first && !sp()) return false;
      first = false;
      const std::string o = upper_atom();
      if (o == "SUBSCRIBED") {
        c.return_subscribed = true;
      } else if (o == "CHILDREN") {
        c.return_children = true;
      } else if (o == "SPECIAL-USE") {
        c.return_special_use = true;
      } else if (o == "STATUS") {
        c.return_status.emplace();
        if (!sp() || !status_items(*c.return_status)) return false;
      } else {
        return at_end() ? starve() : fail("unknown LIST return option");
      }
    }
    ++pos_;
  }
  out = std::move(c);
  return true;
}

// [flag-list SP] [date-time SP] (literal / "UTF8" SP "(" literal8 ")"): stops at the literal.
bool Parser::cmd_append_message() {
  AppendMessage m;
  if (peek() == '(') {
    if (!flag_list(m.flags) || !sp()) return false;
  }
  if (peek() == '"') {
    std::string d;
    if (!quoted(d)) return false;
    auto dt = mail::parse_imap_date_time(d);
    if (!dt) return fail("invalid date-time");
    m.date = *dt;
    if (!sp()) return false;
  }
  if (peek() == 'U' || peek() == 'u') {
    if (upper_atom() != "UTF8") return at_end() ? starve() : fail("expected a literal");
    if (!sp() || !expect('(')) return false;
    m.utf8 = true;
    if (peek() != '~') return at_end() ? starve() : fail("expected literal8");
  }
  if (peek() == '~') {
    m.binary = true;
    ++pos_;
  }
  if (!expect('{')) return false;
  // The size saturates: the protocol refuses an oversized message with NO [TOOBIG].
  {
    const std::size_t start = pos_;
    std::uint64_t v = 0;
    while (!at_end() && in_[pos_] >= '0' && in_[pos_] <= '9') {
      const auto d = std::uint64_t(in_[pos_] - '0');
      v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
      ++pos_;
    }
    if (pos_ == start) return at_end() ? starve() : fail("expected a number");
    m.size = v;
  }
  if (peek() == '+') {
    m.synchronizing = false;
    ++pos_;
  }
  if (!expect('}') || !crlf()) return false;
  if (pos_ != in_.size()) return fail("internal: message literal not at end of input");
  append_msg_ = std::move(m);
  append_reached_literal_ = true;
  return true;
}

bool Parser::cmd_search(bool uid, Command& out) {
  SearchCmd c;
  c.uid = uid;
  if (!sp()) return false;
  // RETURN (...) comes first (RFC 4731 §3).
  {
    const std::size_t save = pos_;
    if (upper_atom() == "RETURN") {
      SearchReturn r;
      if (!sp() || !expect('(')) return false;
      bool first = true;
      while (peek() != ')') {
        if (!first && !sp()) return false;
        first = false;
        const std::string o = upper_atom();
        if (o == "MIN") {
          r.min = true;
        } else if (o == "MAX") {
          r.max = true;
        } else if (o == "ALL") {
          r.all = true;
        } else if (o == "COUNT") {
          r.count = true;
        } else if (o == "SAVE") {
          r.save = true;
        } else {
          return at_end() ? starve() : fail("unknown SEARCH return option");
        }
      }
      ++pos_;
      // RFC 4731 §3.1: RETURN () means RETURN (ALL).
      if (r.empty()) r.all = true;
      c.returns = r;
      if (!sp()) return false;
    } else {
      pos_ = save;
    }
  }
  if (!search_program(&c.charset, c.key)) return false;
  out = std::move(c);
  return true;
}

// [CHARSET SP astring SP] search-key *(SP search-key)
bool Parser::search_program(std::optional<std::string>* charset, SearchKey& key) {
  const std::size_t save = pos_;
  if (upper_atom() == "CHARSET") {
    std::string cs;
    if (!sp() || !astring(cs) || !sp()) return false;
    cs = to_upper(cs);
    if (cs != "UTF-8" && cs != "US-ASCII")
      return fail_no("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset");
    if (charset) *charset = cs;
  } else {
    pos_ = save;
  }
  key.kind = SearchKey::Kind::and_;
  for (;;) {
    if (key.children.size() >= opt_.max_items) return fail("too many search keys");
    key.children.emplace_back();
    if (!search_key(key.children.back(), 1)) return false;
    if (peek() != ' ') break;
    ++pos_;
  }
  return true;
}

bool Parser::search_key(SearchKey& k, std::size_t depth) {
  using K = SearchKey::Kind;
  if (depth > opt_.max_depth) return fail_no("LIMIT", "Search program nested too deeply");
  const int c = peek();
  if (c == '(') {
    ++pos_;
    k.kind = K::and_;
    for (;;) {
      if (k.children.size() >= opt_.max_items) return fail("too many search keys");
      k.children.emplace_back();
      if (!search_key(k.children.back(), depth + 1)) return false;
      if (peek() == ')') {
        ++pos_;
        return true;
      }
      if (!sp()) return false;
    }
  }
  if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
    k.kind = K::sequence_set;
    return seq_set(k.set);
  }
  const std::string a = upper_atom();
  if (a.empty()) return at_end() ? starve() : fail("expected a search key");
  struct Simple {
    std::string_view name;
    K kind;
  };
  static constexpr Simple kSimple[] = {
      {"ALL", K::all},
      {"ANSWERED", K::answered},
      {"DELETED", K::deleted},
      {"DRAFT", K::draft},
      {"FLAGGED", K::flagged},
      {"SEEN", K::seen},
      {"RECENT", K::recent},
      {"NEW", K::new_},
      {"OLD", K::old},
      {"UNANSWERED", K::unanswered},
      {"UNDELETED", K::undeleted},
      {"UNDRAFT", K::undraft},
      {"UNFLAGGED", K::unflagged},
      {"UNSEEN", K::unseen},
      {"SAVEDATESUPPORTED", K::saved_date_supported},
  };
  for (const auto& s : kSimple)
    if (a == s.name) {
      k.kind = s.kind;
      return true;
    }
  static constexpr Simple kString[] = {
      {"BCC", K::bcc},         {"BODY", K::body}, {"CC", K::cc}, {"FROM", K::from},
      {"SUBJECT", K::subject}, {"TEXT", K::text}, {"TO", K::to},
  };
  for (const auto& s : kString)
    if (a == s.name) {
      k.kind = s.kind;
      return sp() && astring(k.text);
    }
  static constexpr Simple kDate[] = {
      {"BEFORE", K::before},
      {"ON", K::on},
      {"SINCE", K::since},
      {"SENTBEFORE", K::sent_before},
      {"SENTON", K::sent_on},
      {"SENTSINCE", K::sent_since},
      {"SAVEDBEFORE", K::saved_before},
      {"SAVEDON", K::saved_on},
      {"SAVEDSINCE", K::saved_since},
  };
  for (const auto& s : kDate)
    if (a == s.name) {
      k.kind = s.kind;
      return sp() && search_date(k.date);
    }
  if (a == "KEYWORD" || a == "UNKEYWORD") {
    k.kind = a == "KEYWORD" ? K::keyword : K::unkeyword;
    std::string_view kw;
    if (!sp() || !atom(kw)) return false;
    k.text.assign(kw);
    return true;
  }
  if (a == "HEADER") {
    k.kind = K::header;
    return sp() && astring(k.field) && sp() && astring(k.text);
  }
  if (a == "LARGER" || a == "SMALLER") {
    k.kind = a == "LARGER" ? K::larger : K::smaller;
    return sp() && number64(k.number);
  }
  if (a == "OLDER" || a == "YOUNGER") {
    k.kind = a == "OLDER" ? K::older : K::younger;
    return sp() && number64(k.number, true);
  }
  if (a == "UID") {
    k.kind = K::uid;
    return sp() && seq_set(k.set);
  }
  if (a == "NOT") {
    k.kind = K::not_;
    k.children.emplace_back();
    return sp() && search_key(k.children.back(), depth + 1);
  }
  if (a == "OR") {
    k.kind = K::or_;
    k.children.resize(2);
    return sp() && search_key(k.children[0], depth + 1) && sp() &&
           search_key(k.children[1], depth + 1);
  }
  if (a == "MODSEQ") {
    k.kind = K::modseq;
    if (!sp()) return false;
    if (peek() == '"') {  // entry-name SP entry-type-req (RFC 7162 §3.1.5)
      if (!quoted(k.field) || !sp()) return false;
      const std::string t = upper_atom();
      if (t != "PRIV" && t != "SHARED" && t != "ALL")
        return at_end() ? starve() : fail("bad MODSEQ entry type");
      k.text = t;
      if (!sp()) return false;
    }
    return modseq(k.number, false);
  }
  return fail("unknown search key");
}

bool Parser::cmd_sort(bool uid, Command& out) {
  SortCmd c;
  c.uid = uid;
  if (!sp() || !expect('(')) return false;
  for (;;) {
    SortCriterion sc;
    std::string a = upper_atom();
    if (a == "REVERSE") {
      sc.reverse = true;
      if (!sp()) return false;
      a = upper_atom();
    }
    if (a == "ARRIVAL") {
      sc.key = SortKey::arrival;
    } else if (a == "CC") {
      sc.key = SortKey::cc;
    } else if (a == "DATE") {
      sc.key = SortKey::date;
    } else if (a == "FROM") {
      sc.key = SortKey::from;
    } else if (a == "SIZE") {
      sc.key = SortKey::size;
    } else if (a == "SUBJECT") {
      sc.key = SortKey::subject;
    } else if (a == "TO") {
      sc.key = SortKey::to;
    } else {
      return at_end() ? starve() : fail("unknown sort criterion");
    }
    if (c.criteria.size() >= 16) return fail("too many sort criteria");
    c.criteria.push_back(sc);
    if (peek() == ')') {
      ++pos_;
      break;
    }
    if (!sp()) return false;
  }
  if (!sp()) return false;
  std::string cs;
  if (!astring(cs) || !sp()) return false;
  c.charset = to_upper(cs);
  if (c.charset != "UTF-8" && c.charset != "US-ASCII")
    return fail_no("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset");
  c.key.kind = SearchKey::Kind::and_;
  for (;;) {
    if (c.key.children.size() >= opt_.max_items) return fail("too many search keys");
    c.key.children.emplace_back();
    if (!search_key(c.key.children.back(), 1)) return false;
    if (peek() != ' ') break;
    ++pos_;
  }
  out = std::move(c);
  return true;
}

bool Parser::cmd_thread(bool uid, Command& out) {
  ThreadCmd c;
  c.uid = uid;
  if (!sp()) return false;
  const std::string alg = upper_atom();
  if (alg == "ORDEREDSUBJECT") {
    c.algorithm = ThreadAlgorithm::ordered_subject;
  } else if (alg == "REFERENCES") {
    c.algorithm = ThreadAlgorithm::references;
  } else {
    return at_end() ? starve() : fail("unknown threading algorithm");
  }
  if (!sp()) return false;
  std::string cs;
  if (!astring(cs) || !sp()) return false;
  c.charset = to_upper(cs);
  if (c.charset != "UTF-8" && c.charset != "US-ASCII")
    return fail_no("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset");
  c.key.kind = SearchKey::Kind::and_;
  for (;;) {
    if (c.key.children.size() >= opt_.max_items) return fail("too many search keys");
    c.key.children.emplace_back();
    if (!search_key(c.key.children.back(), 1)) return false;
    if (peek() != ' ') break;
    ++pos_;
  }
  out = std::move(c);
  return true;
}

bool Parser::section(Section& s, bool binary) {
  if (!expect('[')) return false;
  // section-part: nz-number *("." nz-number)
  while (peek() >= '0' && peek() <= '9') {
    std::uint32_t n = 0;
    if (!number32(n, true)) return false;
    if (s.part.size() >= 100) return fail("section path too deep");
    s.part.push_back(n);
    if (peek() != '.') break;
    ++pos_;
    if (!(peek() >= '0' && peek() <= '9')) break;  // ".HEADER" etc. follows
  }
  if (peek() == ']') {
    if (!s.part.empty() && in_[pos_ - 1] == '.') return fail("bad section");
    ++pos_;
    return true;
  }
  if (binary) return at_end() ? starve() : fail("bad BINARY section");
  if (!s.part.empty() && in_[pos_ - 1] != '.') return fail("bad section");
  std::string t;
  while (!at_end() && ((in_[pos_] >= 'A' && in_[pos_] <= 'Z') ||
                       (in_[pos_] >= 'a' && in_[pos_] <= 'z') || in_[pos_] == '.'))
    t += ascii_upper(in_[pos_++]);
  if (t == "HEADER") {
    s.text = Section::Text::header;
  } else if (t == "TEXT") {
    s.text = Section::Text::text;
  } else if (t == "MIME" && !s.part.empty()) {
    s.text = Section::Text::mime;
  } else if (t == "HEADER.FIELDS" || t == "HEADER.FIELDS.NOT") {
    s.text = t.size() == 13 ? Section::Text::header_fields : Section::Text::header_fields_not;
    if (!sp() || !expect('(')) return false;
    for (;;) {
      std::string f;
      if (!astring(f)) return false;
      if (s.fields.size() >= opt_.max_items) return fail("too many header fields");
      s.fields.push_back(std::move(f));
      if (peek() == ')') {
        ++pos_;
        break;
      }
      if (!sp()) return false;
    }
  } else {
    return at_end() ? starve() : fail("bad section");
  }
  return expect(']');
}

bool Parser::partial(FetchItem& item) {
  if (peek() != '<') return true;
  ++pos_;
  std::uint64_t origin = 0, count = 0;
  if (!number64(origin) || !expect('.') || !number64(count, true) || !expect('>')) return false;
  item.partial = std::make_pair(origin, count);
  return true;
}

bool Parser::fetch_att(std::vector<FetchItem>& items, bool& sets_seen) {
  using K = FetchItem::Kind;
  std::string n;
  while (!at_end() &&
         ((in_[pos_] >= 'A' && in_[pos_] <= 'Z') || (in_[pos_] >= 'a' && in_[pos_] <= 'z') ||
          (in_[pos_] >= '0' && in_[pos_] <= '9') || in_[pos_] == '.'))
    n += ascii_upper(in_[pos_++]);
  if (n.empty()) return at_end() ? starve() : fail("expected a fetch item");
  if (items.size() >= opt_.max_items) return fail("too many fetch items");
  FetchItem it;
  auto simple = [&](K k) {
    it.kind = k;
    items.push_back(std::move(it));
    return true;
  };
  if (n == "ENVELOPE") return simple(K::envelope);
  if (n == "FLAGS") return simple(K::flags);
  if (n == "INTERNALDATE") return simple(K::internal_date);
  if (n == "RFC822") {
    sets_seen = true;
    return simple(K::rfc822);
  }
  if (n == "RFC822.HEADER") return simple(K::rfc822_header);
  if (n == "RFC822.SIZE") return simple(K::rfc822_size);
  if (n == "RFC822.TEXT") {
    sets_seen = true;
    return simple(K::rfc822_text);
  }
  if (n == "BODYSTRUCTURE") return simple(K::body_structure);
  if (n == "UID") return simple(K::uid);
  if (n == "MODSEQ") return simple(K::modseq);
  if (n == "SAVEDATE") return simple(K::save_date);
  if (n == "BODY" && peek() != '[') return simple(K::body);
  if (n == "BODY" || n == "BODY.PEEK") {
    it.kind = K::body_section;
    it.peek = n.size() > 4;
    if (!section(it.section, false) || !partial(it)) return false;
    if (!it.peek) sets_seen = true;
    items.push_back(std::move(it));
    return true;
  }
  if (n == "BINARY" || n == "BINARY.PEEK") {
    it.kind = K::binary;
    it.peek = n.size() > 6;
    if (!section(it.section, true) || !partial(it)) return false;
    if (!it.peek) sets_seen = true;
    items.push_back(std::move(it));
    return true;
  }
  if (n == "BINARY.SIZE") {
    it.kind = K::binary_size;
    if (!section(it.section, true)) return false;
    items.push_back(std::move(it));
    return true;
  }
  return fail("unknown fetch item");
}

bool Parser::cmd_fetch(bool uid, Command& out) {
  using K = FetchItem::Kind;
  FetchCmd c;
  c.uid = uid;
  if (!sp() || !seq_set(c.set) || !sp()) return false;
  if (peek() == '(') {
    ++pos_;
    for (;;) {
      if (!fetch_att(c.items, c.sets_seen)) return false;
      if (peek() == ')') {
        ++pos_;
        break;
      }
      if (!sp()) return false;
    }
  } else {
    const std::size_t save = pos_;
    const std::string m = upper_atom();
    auto push = [&](std::initializer_list<K> ks) {
      for (K k : ks) {
        FetchItem it;
        it.kind = k;
        c.items.push_back(it);
      }
    };
    if (m == "ALL") {
      push({K::flags, K::internal_date, K::rfc822_size, K::envelope});
    } else if (m == "FAST") {
      push({K::flags, K::internal_date, K::rfc822_size});
    } else if (m == "FULL") {
      push({K::flags, K::internal_date, K::rfc822_size, K::envelope, K::body});
    } else {
      pos_ = save;
      if (!fetch_att(c.items, c.sets_seen)) return false;
    }
  }
  if (peek() == ' ') {
    ++pos_;
    if (!expect('(')) return false;
    bool first = true;
    while (peek() != ')') {
      if (!first && !sp()) return false;
      first = false;
      const std::string m = upper_atom();
      if (m == "CHANGEDSINCE") {
        std::uint64_t v = 0;
        if (!sp() || !modseq(v, true)) return false;
        c.changed_since = v;
      } else if (m == "VANISHED") {
        c.vanished = true;
      } else {
        return at_end() ? starve() : fail("unknown FETCH modifier");
      }
    }
    ++pos_;
    // RFC 7162 §3.2.6: VANISHED only in UID FETCH and with CHANGEDSINCE.
    if (c.vanished && (!uid || !c.changed_since))
      return fail("VANISHED needs UID FETCH and CHANGEDSINCE");
  }
  // RFC 9051 §6.4.9: UID FETCH always returns UID; CHANGEDSINCE implies MODSEQ (RFC 7162).
  auto has = [&](K k) {
    return std::any_of(c.items.begin(), c.items.end(),
                       [&](const FetchItem& i) { return i.kind == k; });
  };
  if (uid && !has(K::uid)) {
    FetchItem it;
    it.kind = K::uid;
    c.items.insert(c.items.begin(), it);
  }
  if (c.changed_since && !has(K::modseq)) {
    FetchItem it;
    it.kind = K::modseq;
    c.items.push_back(it);
  }
  out = std::move(c);
  return true;
}

bool Parser::cmd_store(bool uid, Command& out) {
  StoreCmd c;
  c.uid = uid;
  if (!sp() || !seq_set(c.set) || !sp()) return false;
  if (peek() == '(') {
    ++pos_;
    if (upper_atom() != "UNCHANGEDSINCE")
      return at_end() ? starve() : fail("unknown STORE modifier");
    std::uint64_t v = 0;
    if (!sp() || !modseq(v, false) || !expect(')') || !sp()) return false;
    c.unchanged_since = v;
  }
  if (peek() == '+') {
    c.mode = StoreMode::add;
    ++pos_;
  } else if (peek() == '-') {
    c.mode = StoreMode::remove;
    ++pos_;
  }
  const std::string a = upper_atom();
  if (a == "FLAGS.SILENT") {
    c.silent = true;
  } else if (a != "FLAGS") {
    return at_end() ? starve() : fail("expected FLAGS");
  }
  if (!sp()) return false;
  if (peek() == '(') {
    if (!flag_list(c.flags)) return false;
  } else {
    for (;;) {
      if (!flag(c.flags, false)) return false;
      if (peek() != ' ') break;
      ++pos_;
    }
  }
  out = std::move(c);
  return true;
}

bool Parser::cmd_copy(bool uid, bool move, Command& out) {
  CopyCmd c;
  c.uid = uid;
  c.move = move;
  if (!sp() || !seq_set(c.set) || !sp() || !mailbox(c.mailbox)) return false;
  out = std::move(c);
  return true;
}

bool Parser::cmd_id(Command& out) {
  IdCmd c;
  if (!sp()) return false;
  if (peek() == '(') {
    ++pos_;
    for (;;) {
      std::string field;
      std::optional<std::string> value;
      if (!string(field) || !sp() || !nstring(value)) return false;
      // RFC 2971 §3.3: at most 30 pairs, fields at most 30 octets, values at most 1024.
      if (c.fields.size() >= 30 || field.size() > 30 || (value && value->size() > 1024))
        return fail("ID parameters too large");
      c.fields.emplace_back(std::move(field), std::move(value));
      if (peek() == ')') {
        ++pos_;
        break;
      }
      if (!sp()) return false;
    }
  } else if (upper_atom() != "NIL") {
    return at_end() ? starve() : fail("expected NIL or a parameter list");
  }
  out = std::move(c);
  return true;
}

bool Parser::cmd_setquota(Command& out) {
  SetQuotaCmd c;
  if (!sp() || !astring(c.root) || !sp() || !expect('(')) return false;
  while (peek() != ')') {
    if (!c.limits.empty() && !sp()) return false;
    std::string_view res;
    std::uint64_t v = 0;
    if (!atom(res) || !sp() || !number64(v)) return false;
    if (c.limits.size() >= 16) return fail("too many quota resources");
    c.limits.emplace_back(to_upper(res), v);
  }
  ++pos_;
  out = std::move(c);
  return true;
}

}  // namespace

ParseResult parse_command(std::string_view wire, const ParserOptions& options) {
  return Parser(wire, options).parse();
}

ParseResult parse_append_rest(std::string_view rest, bool utf8_wrapped,
                              const ParserOptions& options) {
  return Parser(rest, options).parse_rest(utf8_wrapped);
}

std::optional<LiteralMarker> literal_at_end(std::string_view line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  line.remove_suffix(1);
  LiteralMarker m;
  if (!line.empty() && line.back() == '+') {
    m.synchronizing = false;
    line.remove_suffix(1);
  }
  std::size_t digits = 0;
  while (digits < line.size() && line[line.size() - 1 - digits] >= '0' &&
         line[line.size() - 1 - digits] <= '9')
    ++digits;
  if (digits == 0 || digits == line.size()) return std::nullopt;
  if (line[line.size() - 1 - digits] != '{') return std::nullopt;
  const std::string_view num = line.substr(line.size() - digits);
  line.remove_suffix(digits + 1);
  if (!line.empty() && line.back() == '~') m.binary = true;
  std::uint64_t v = 0;
  for (char c : num) {
    const auto d = std::uint64_t(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      m.overflow = true;
      v = UINT64_MAX;
      break;
    }
    v = v * 10 + d;
  }
  m.size = v;
  return m;
}

bool is_base64(std::string_view s) noexcept {
  if (s.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '=') {
      ++pad;
      continue;
    }
    if (pad) return false;  // data after padding
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
          ch == '+' || ch == '/'))
      return false;
  }
  return pad <= 2;
}

std::string_view tag_of(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && is_tag_char(static_cast<unsigned char>(line[n])))
    ++n;
  if (n == 0 || n >= line.size() || line[n] != ' ') return {};
  return line.substr(0, n);
}

}  // namespace facteur::imap
