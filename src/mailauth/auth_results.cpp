#include "mailauth/auth_results.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace facteur::mailauth {
namespace {

bool is_wsp(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// RFC 2045 token characters: no tspecials, no space, no controls.
bool is_token_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7F &&
         std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

bool is_atext(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u > 0x20 && u < 0x7F &&
          std::string_view("()<>@,;:\\\".[]").find(c) == std::string_view::npos) ||
         u >= 0x80;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

bool is_dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.' && prev == '.') return false;
    if (c != '.' && !is_atext(c)) return false;
    prev = c;
  }
  return true;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\r' || c == '\n') continue;
    out.push_back(c);
  }
  return out + "\"";
}

// pvalue (RFC 8601 §2.2): a token, an addr-spec / "@domain", or a quoted string.
std::string pvalue(std::string_view v) {
  if (is_token(v)) return std::string(v);
  auto at = v.rfind('@');
  if (at != std::string_view::npos && (at == 0 || is_dot_atom(v.substr(0, at))) &&
      is_dot_atom(v.substr(at + 1))) {
    return std::string(v);
  }
  return quote(v);
}

std::string comment(std::string_view s) {
  std::string out = "(";
  for (char c : s) {
    if (c == '(' || c == ')' || c == '\\') out.push_back('\\');
    if (c == '\r' || c == '\n') continue;
    out.push_back(c);
  }
  return out + ")";
}

std::string format_one(const MethodResult& r) {
  std::string out = fmt::format("{}={}", r.method, to_string(r.result));
  if (!r.comment.empty()) out += " " + comment(r.comment);
  if (!r.reason.empty()) out += " reason=" + quote(r.reason);
  for (const auto& p : r.properties) {
    out += fmt::format(" {}.{}={}", p.ptype, p.property, pvalue(p.value));
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  // Skips whitespace and comments (nested, with quoted pairs); the last comment is kept.
  bool skip_cfws() {
    for (;;) {
      while (pos_ < s_.size() && is_wsp(s_[pos_]))
        ++pos_;
      if (pos_ >= s_.size() || s_[pos_] != '(') return true;
      int depth = 0;
      std::string text;
      do {
        if (pos_ >= s_.size()) {
          broken_ = true;
          return false;
        }
        char c = s_[pos_++];
        if (c == '\\' && pos_ < s_.size()) {
          text.push_back(s_[pos_++]);
          continue;
        }
        if (c == '(') {
          if (depth++ > 0) text.push_back(c);
        } else if (c == ')') {
          if (--depth > 0) text.push_back(c);
        } else {
          text.push_back(c);
        }
      } while (depth > 0);
      last_comment_ = std::move(text);
    }
  }
  bool at_end() {
    skip_cfws();
    return pos_ >= s_.size();
  }
  bool eat(char c) {
    if (!skip_cfws() || pos_ >= s_.size() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  // A run of characters up to whitespace, a comment or one of `stops`.
  std::string word(std::string_view stops) {
    skip_cfws();
    std::size_t start = pos_;
    while (pos_ < s_.size() && !is_wsp(s_[pos_]) && s_[pos_] != '(' &&
           stops.find(s_[pos_]) == std::string_view::npos)
      ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }
  std::optional<std::string> value(std::string_view stops) {
    skip_cfws();
    if (pos_ < s_.size() && s_[pos_] == '"') {
      std::string out;
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] != '"') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        out.push_back(s_[pos_++]);
      }
      if (pos_ >= s_.size()) return std::nullopt;
      ++pos_;
      return out;
    }
    return word(stops);
  }
  char peek() {
    skip_cfws();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  std::string take_comment() { return std::exchange(last_comment_, {}); }
  bool broken() const noexcept { return broken_; }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
  std::string last_comment_;
  bool broken_ = false;  // an unterminated comment
};

}  // namespace

std::string format_authentication_results_value(const AuthenticationResults& results) {
  std::string out = " " + results.authserv_id;
  if (results.results.empty()) return out + "; none";
  for (const auto& r : results.results)
    out += ";\r\n\t" + format_one(r);
  return out;
}

std::string format_authentication_results(const AuthenticationResults& results) {
  return "Authentication-Results:" + format_authentication_results_value(results) + "\r\n";
}

Result<AuthenticationResults> parse_authentication_results(std::string_view value,
                                                           const AuthResultsLimits& limits) {
  auto fail = [](std::string m) { return make_error(Errc::parse_error, std::move(m)); };
  Parser p(value);
  AuthenticationResults out;
  auto id = p.value(";");
  if (!id || id->empty()) return fail("no authserv-id");
  out.authserv_id = std::move(*id);
  if (p.peek() >= '0' && p.peek() <= '9') p.word(";");  // authres-version
  p.take_comment();
  while (!p.at_end()) {
    if (!p.eat(';')) return fail("expected ';'");
    if (p.at_end()) break;  // a trailing ';'
    MethodResult r;
    r.method = to_lower(p.word("=;/"));
    if (r.method.empty()) return fail("empty method");
    if (r.method == "none" && p.peek() != '=') {
      if (!p.at_end()) return fail("'none' must stand alone");
      break;
    }
    if (p.eat('/')) p.word("=;");  // method version
    if (!p.eat('=')) return fail("expected '=' after " + r.method);
    auto result = parse_auth_result(p.word(";"));
    if (!result) return fail("unknown result for " + r.method);
    r.result = *result;
    r.comment = p.take_comment();
    p.skip_cfws();
    if (r.comment.empty()) r.comment = p.take_comment();
    while (!p.at_end() && p.peek() != ';') {
      std::string key = p.word("=;");
      if (!p.eat('=')) return fail("expected '=' after " + key);
      auto v = p.value(";");
      if (!v) return fail("unterminated quoted string");
      if (iequals(key, "reason")) {
        r.reason = std::move(*v);
        continue;
      }
      auto dot = key.find('.');
      if (dot == std::string::npos) return fail("property without ptype: " + key);
      if (r.properties.size() >= limits.max_properties) return fail("too many properties");
      r.properties.push_back(
          AuthProperty{to_lower(key.substr(0, dot)), key.substr(dot + 1), std::move(*v)});
      p.take_comment();
    }
    if (out.results.size() >= limits.max_results) return fail("too many results");
    out.results.push_back(std::move(r));
  }
  if (p.broken()) return fail("unterminated comment");
  return out;
}

MethodResult spf_result(const SpfOutcome& o, bool helo_identity) {
  MethodResult r;
  r.method = "spf";
  r.result = o.result;
  if (!o.problem.empty()) {
    r.reason = o.problem;
  } else if (!o.mechanism.empty()) {
    r.comment = fmt::format(
        "{}: {}", o.domain,
        o.mechanism == "default" ? std::string("no mechanism matched") : "matched " + o.mechanism);
  }
  if (helo_identity) {
    r.properties.push_back({"smtp", "helo", o.domain});
  } else {
    r.properties.push_back({"smtp", "mailfrom", o.sender});
  }
  return r;
}

MethodResult dkim_result(const DkimVerdict& v) {
  MethodResult r;
  r.method = "dkim";
  r.result = v.result;
  if (v.result == AuthResult::pass) {
    r.comment = v.reason;
  } else if (!v.reason.empty()) {
    r.reason = v.reason;
  }
  if (!v.domain.empty()) r.properties.push_back({"header", "d", v.domain});
  if (!v.selector.empty()) r.properties.push_back({"header", "s", v.selector});
  if (!v.identity.empty()) r.properties.push_back({"header", "i", v.identity});
  if (!v.algorithm.empty()) r.properties.push_back({"header", "a", v.algorithm});
  // RFC 6008: enough of b= to tell signatures apart.
  if (!v.signature_b64.empty())
    r.properties.push_back({"header", "b", v.signature_b64.substr(0, 12)});
  return r;
}

std::vector<MethodResult> dkim_results(const std::vector<DkimVerdict>& verdicts) {
  std::vector<MethodResult> out;
  for (const auto& v : verdicts)
    out.push_back(dkim_result(v));
  if (out.empty()) {
    MethodResult none;
    none.method = "dkim";
    none.result = AuthResult::none;
    none.comment = "no signature";
    out.push_back(std::move(none));
  }
  return out;
}

MethodResult dmarc_result(const DmarcOutcome& o) {
  MethodResult r;
  r.method = "dmarc";
  r.result = o.result;
  if (o.record) {
    r.comment = fmt::format("p={} dis={}", to_string(o.policy), to_string(o.disposition));
  }
  if (o.result == AuthResult::temperror || o.result == AuthResult::permerror) r.reason = o.reason;
  if (!o.from_domain.empty()) r.properties.push_back({"header", "from", o.from_domain});
  return r;
}

MethodResult arc_result(const ArcOutcome& o) {
  MethodResult r;
  r.method = "arc";
  r.result = o.chain == ArcChain::pass   ? AuthResult::pass
             : o.chain == ArcChain::fail ? AuthResult::fail
                                         : AuthResult::none;
  if (o.chain == ArcChain::fail) r.reason = o.reason;
  if (!o.instances.empty()) {
    const auto& last = o.instances.back();
    r.comment = fmt::format("i={}", last.instance);
    r.properties.push_back({"header", "oldest-pass", fmt::format("{}", o.oldest_pass)});
    r.properties.push_back({"header", "d", last.seal_domain});
  }
  return r;
}

}  // namespace facteur::mailauth
