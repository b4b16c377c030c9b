// Header address lists (RFC 5322 §3.4, obsolete forms of §4.4, RFC 6532), parsed in one pass
// by a lexer and a small state machine that never backtracks.
#include "mail/address.hpp"
#include "mail/address_syntax.hpp"
#include "mail/encoded_word.hpp"

namespace facteur::mail {

namespace {

bool is_space_or_ctl(unsigned char c) {
  return c <= 0x20 || c == 0x7F;
}

enum class Tok { end, atom, quoted, comment, literal, special };

struct Token {
  Tok kind = Tok::end;
  std::string_view raw;  // quoted/comment/literal: with their delimiters (closing may be missing)
  char ch = 0;           // special
  bool space_before = false;
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token next() {
    Token t;
    while (i_ < s_.size()) {
      auto c = static_cast<unsigned char>(s_[i_]);
      if (is_space_or_ctl(c) || c == ')' || c == ']') {  // stray closers count as space
        t.space_before = true;
        ++i_;
        continue;
      }
      break;
    }
    if (i_ >= s_.size()) return t;
    std::size_t b = i_;
    char c = s_[i_];
    switch (c) {
      case '"':
        t.kind = Tok::quoted;
        scan_delimited('"');
        break;
      case '[':
        t.kind = Tok::literal;
        scan_delimited(']');
        break;
      case '(':
        t.kind = Tok::comment;
        scan_comment();
        break;
      case '<':
      case '>':
      case '@':
      case ',':
      case ';':
      case ':':
      case '.':
        t.kind = Tok::special;
        t.ch = c;
        ++i_;
        break;
      default:
        t.kind = Tok::atom;
        while (i_ < s_.size() && !is_delimiter(static_cast<unsigned char>(s_[i_])))
          ++i_;
        break;
    }
    t.raw = s_.substr(b, i_ - b);
    return t;
  }

 private:
  static bool is_delimiter(unsigned char c) {
    switch (c) {
      case '"':
      case '(':
      case ')':
      case '<':
      case '>':
      case '@':
      case ',':
      case ';':
      case ':':
      case '.':
      case '[':
      case ']':
        return true;
      default:
        return is_space_or_ctl(c);
    }
  }

  void scan_delimited(char close) {
    ++i_;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '\\') {
        if (i_ < s_.size()) ++i_;
      } else if (c == close) {
        return;
      }
    }
  }

  void scan_comment() {
    std::size_t depth = 0;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '\\') {
        if (i_ < s_.size()) ++i_;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        if (--depth == 0) return;
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

// Content of a quoted-string: escapes removed, folding removed, other text verbatim.
void append_quoted(std::string& out, std::string_view raw) {
  std::string_view in = raw.substr(1);
  if (!in.empty() && in.back() == '"') {
    // The closing quote is the last char unless it is escaped ("\"" unterminated).
    std::size_t backslashes = 0;
    for (std::size_t k = in.size() - 1; k > 0 && in[k - 1] == '\\'; --k)
      ++backslashes;
    if (backslashes % 2 == 0) in.remove_suffix(1);
  }
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c == '\\' && i + 1 < in.size()) c = static_cast<unsigned char>(in[++i]);
    if ((c < 0x20 && c != '\t') || c == 0x7F) continue;
    out.push_back(char(c));
  }
}

// Content of a comment: outer parentheses and escapes removed, whitespace runs folded, trimmed.
std::string comment_text(std::string_view raw) {
  std::string out;
  std::string_view in = raw.substr(1);
  if (!in.empty() && in.back() == ')') in.remove_suffix(1);
  bool space = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    bool escaped = false;
    if (c == '\\' && i + 1 < in.size()) {
      c = static_cast<unsigned char>(in[++i]);
      escaped = true;
    }
    if (!escaped && is_space_or_ctl(c)) {
      space = true;
      continue;
    }
    if (escaped && is_space_or_ctl(c)) c = ' ';
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(char(c));
  }
  return out;
}

void append_literal(std::string& out, std::string_view raw) {
  for (char c : raw)
    if (!is_space_or_ctl(static_cast<unsigned char>(c))) out.push_back(c);
}

// The text a token contributes to a name, a local part or a domain.
void append_token(std::string& out, const Token& t) {
  switch (t.kind) {
    case Tok::quoted:
      append_quoted(out, t.raw);
      break;
    case Tok::literal:
      append_literal(out, t.raw);
      break;
    case Tok::special:
      out.push_back(t.ch);
      break;
    default:
      out.append(t.raw);
      break;
  }
}

void append_spaced(std::string& out, const Token& t, bool space) {
  if (space && !out.empty() && out.back() != ' ') out.push_back(' ');
  append_token(out, t);
}

void set_name(Mailbox& m, std::string raw) {
  while (!raw.empty() && raw.back() == ' ')
    raw.pop_back();
  m.display_name_raw = std::move(raw);
  m.display_name = decode_encoded_words(m.display_name_raw);
}

class ListParser {
 public:
  ListParser(std::string_view value, const AddressLimits& limits)
      : lex_(detail::field_extent(value)), limits_(limits) {}

  AddressList run() {
    while (!done_) {
      Token t = lex_.next();
      bool space = t.space_before || after_comment_;
      after_comment_ = false;
      switch (t.kind) {
        case Tok::end:
          end_item();
          close_group();
          done_ = true;
          break;
        case Tok::comment:
          item_.comment = comment_text(t.raw);
          after_comment_ = true;
          break;
        case Tok::special:
          special(t, space);
          break;
        default:
          word(t, space);
          break;
      }
    }
    return std::move(list_);
  }

 private:
  struct Item {
    std::string text;         // every word and special of the item, spaced as written
    std::string phrase;       // bare form: the words before the local part
    std::string chain_text;   // bare form: the current dot-joined run of words, as a phrase
    std::string chain_local;  // ... and as a local part
    bool chain_active = false;
    bool chain_dot = false;
    bool chain_atom = false;  // the chain has an atom, not only quoted-strings
    bool in_domain = false;   // bare form: after '@'
    bool domain_open = true;
    std::string local, domain;
    std::string comment;  // last comment

    bool blank() const { return text.empty() && comment.empty(); }
    void clear() {
      text.clear();
      phrase.clear();
      chain_text.clear();
      chain_local.clear();
      chain_active = chain_dot = chain_atom = in_domain = false;
      domain_open = true;
      local.clear();
      domain.clear();
      comment.clear();
    }
  };

  void word(const Token& t, bool space) {
    if (item_.in_domain) {
      if (item_.domain_open) {
        append_token(item_.domain, t);
        item_.domain_open = false;
        append_spaced(item_.text, t, space);
        return;
      }
      if (!space) {
        append_token(item_.domain, t);
        append_spaced(item_.text, t, space);
        return;
      }
      // "a@b c@d": a missing comma (RFC 5322 has none of this, real mail does).
      complete_bare_item();
    }
    if (item_.chain_active && (item_.chain_dot || !space)) {
      append_token(item_.chain_local, t);
      append_spaced(item_.chain_text, t, space);
    } else {
      if (item_.chain_active) {
        if (!item_.phrase.empty()) item_.phrase.push_back(' ');
        item_.phrase.append(item_.chain_text);
        item_.chain_text.clear();
        item_.chain_local.clear();
        item_.chain_atom = false;
      }
      item_.chain_active = true;
      append_token(item_.chain_local, t);
      append_token(item_.chain_text, t);
    }
    item_.chain_dot = false;
    if (t.kind == Tok::atom) item_.chain_atom = true;
    append_spaced(item_.text, t, space);
  }

  void special(const Token& t, bool space) {
    switch (t.ch) {
      case ',':
        end_item();
        return;
      case ';':
        end_item();
        close_group();
        return;
      case ':':
        open_group();
        return;
      case '<':
        angle();
        return;
      case '>':
        return;  // stray
      case '@':
        if (!item_.in_domain) {
          item_.in_domain = true;
          item_.domain_open = true;
          item_.local = item_.chain_local;
        } else {
          item_.domain.push_back('@');
        }
        append_spaced(item_.text, t, space);
        return;
      case '.':
        if (item_.in_domain) {
          item_.domain.push_back('.');
          item_.domain_open = true;
        } else {
          item_.chain_active = true;
          item_.chain_dot = true;
          item_.chain_local.push_back('.');
          item_.chain_text.push_back('.');
        }
        append_spaced(item_.text, t, space);
        return;
      default:
        return;
    }
  }

  // name-addr: everything written before '<' is the display name (even an addr-spec, as in
  // `phil@example.com <phil@example.com>`); the angle-addr may carry an obsolete route.
  void angle() {
    Mailbox m;
    std::string name = item_.text.empty() ? item_.comment : item_.text;
    enum class Part { start, route, local, domain } part = Part::start;
    char terminator = 0;
    while (true) {
      Token t = lex_.next();
      if (t.kind == Tok::end) break;
      if (t.kind == Tok::comment) continue;
      if (t.kind == Tok::special) {
        char c = t.ch;
        if (c == '>') break;
        if (c == '<') continue;
        if (c == '@') {
          if (part == Part::start || part == Part::route) {
            part = Part::route;
            m.route.push_back('@');
          } else if (part == Part::local) {
            part = Part::domain;
          } else {
            m.domain.push_back('@');
          }
          continue;
        }
        if (c == ':' && part == Part::route) {
          part = Part::local;
          continue;
        }
        if ((c == ',' || c == ';') && part != Part::route) {  // unclosed '<'
          terminator = c;
          break;
        }
      }
      std::string& target = part == Part::route    ? m.route
                            : part == Part::domain ? m.domain
                                                   : m.local_part;
      if (part == Part::start) part = Part::local;
      append_token(target, t);
    }
    if (part == Part::route) {  // "<@example.com>": no route after all
      m.domain = m.route.substr(1);
      m.route.clear();
    }
    if (m.empty()) {  // "<>" or a stray '<': an addr-spec before it still stands
      if (!item_.in_domain) item_.clear();
      return;
    }
    set_name(m, std::move(name));
    item_.clear();
    emit_completed(std::move(m));
    if (terminator == ',') end_item();
    if (terminator == ';') {
      end_item();
      close_group();
    }
  }

  Mailbox bare_mailbox() {
    Mailbox m;
    if (item_.in_domain) {
      m.local_part = std::move(item_.local);
      m.domain = std::move(item_.domain);
    } else {
      m.local_part = std::move(item_.chain_local);
    }
    set_name(m, item_.phrase.empty() ? std::move(item_.comment) : std::move(item_.phrase));
    return m;
  }

  void complete_bare_item() {
    Mailbox m = bare_mailbox();
    item_.clear();
    emit_completed(std::move(m));
  }

  // A finished mailbox waits in open_ until the list element ends: words that follow it
  // (`<a@b> Name`, `a@b (Name)`) may still give it a name.
  void emit_completed(Mailbox m) {
    flush_open();
    open_ = std::move(m);
    has_open_ = true;
  }

  void flush_open() {
    if (!has_open_) return;
    has_open_ = false;
    push(std::move(open_));
  }

  void end_item() {
    if (has_open_ && !item_.in_domain) {
      // Trailing words or a comment after a complete mailbox: its name if it has none.
      if (!item_.blank() && open_.display_name_raw.empty())
        set_name(open_, item_.text.empty() ? std::move(item_.comment) : std::move(item_.text));
      flush_open();
    } else {
      flush_open();
      // Bare words make a mailbox without domain ("undisclosed-recipients"); a lone
      // quoted-string (often an unclosed one that ate the rest) does not.
      if (item_.in_domain || (item_.chain_active && item_.chain_atom)) push(bare_mailbox());
    }
    item_.clear();
  }

  void open_group() {
    if (in_group_) return;  // groups do not nest
    flush_open();
    in_group_ = true;
    group_ = Group{};
    Mailbox holder;
    set_name(holder, std::move(item_.text));
    group_.display_name_raw = std::move(holder.display_name_raw);
    group_.display_name = std::move(holder.display_name);
    item_.clear();
  }

  void close_group() {
    if (!in_group_) return;
    in_group_ = false;
    list_.items.emplace_back(std::move(group_));
  }

  void push(Mailbox m) {
    if (m.empty()) return;
    if (++count_ > limits_.max_mailboxes) {
      done_ = true;
      return;
    }
    if (in_group_)
      group_.members.push_back(std::move(m));
    else
      list_.items.emplace_back(std::move(m));
  }

  Lexer lex_;
  const AddressLimits& limits_;
  AddressList list_;
  Item item_;
  Mailbox open_;
  bool has_open_ = false;
  Group group_;
  bool in_group_ = false;
  bool after_comment_ = false;
  bool done_ = false;
  std::size_t count_ = 0;
};

}  // namespace

std::string Mailbox::address() const {
  if (domain.empty()) return local_part;
  std::string out = quote_local_part(local_part);
  out.push_back('@');
  out.append(domain);
  return out;
}

std::vector<const Mailbox*> AddressList::mailboxes() const {
  std::vector<const Mailbox*> out;
  for (const auto& item : items) {
    if (const auto* m = std::get_if<Mailbox>(&item)) {
      out.push_back(m);
    } else {
      for (const auto& member : std::get<Group>(item).members)
        out.push_back(&member);
    }
  }
  return out;
}

AddressList parse_address_list(std::string_view raw_value, const AddressLimits& limits) {
  return ListParser(raw_value, limits).run();
}

Result<Mailbox> parse_mailbox(std::string_view raw_value) {
  AddressList list = parse_address_list(raw_value, AddressLimits{.max_mailboxes = 1});
  for (auto& item : list.items) {
    if (auto* m = std::get_if<Mailbox>(&item)) return std::move(*m);
    auto& members = std::get<Group>(item).members;
    if (!members.empty()) return std::move(members.front());
  }
  return make_error(Errc::parse_error, "no mailbox");
}

}  // namespace facteur::mail
