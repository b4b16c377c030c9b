#include "filter/html_scan.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "mail/html_text.hpp"

namespace facteur::filter {
namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

bool contains_i(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

struct Attr {
  std::string_view name;
  std::string_view value;
};

// Parses the attributes of a tag from `s` (after the tag name) up to '>'; returns the offset
// after '>' (or s.size()).
std::size_t parse_attrs(std::string_view s, std::size_t i, std::vector<Attr>& attrs) {
  attrs.clear();
  while (i < s.size()) {
    while (i < s.size() && (is_space(s[i]) || s[i] == '/'))
      ++i;
    if (i >= s.size()) break;
    if (s[i] == '>') return i + 1;
    std::size_t n0 = i;
    while (i < s.size() && !is_space(s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/')
      ++i;
    std::string_view name = s.substr(n0, i - n0);
    while (i < s.size() && is_space(s[i]))
      ++i;
    std::string_view value;
    if (i < s.size() && s[i] == '=') {
      ++i;
      while (i < s.size() && is_space(s[i]))
        ++i;
      if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
        char q = s[i++];
        std::size_t v0 = i;
        std::size_t close = s.find(q, i);
        if (close == std::string_view::npos) close = s.size();
        value = s.substr(v0, close - v0);
        i = close < s.size() ? close + 1 : close;
      } else {
        std::size_t v0 = i;
        while (i < s.size() && !is_space(s[i]) && s[i] != '>')
          ++i;
        value = s.substr(v0, i - v0);
      }
    }
    if (!name.empty() && attrs.size() < 64) attrs.push_back({name, value});
    if (name.empty() && i < s.size() && s[i] != '>') ++i;  // stray character: move on
  }
  return s.size();
}

std::string_view attr(const std::vector<Attr>& attrs, std::string_view name) {
  for (const auto& a : attrs)
    if (iequals(a.name, name)) return a.value;
  return {};
}

bool has_attr(const std::vector<Attr>& attrs, std::string_view name) {
  for (const auto& a : attrs)
    if (iequals(a.name, name)) return true;
  return false;
}

void append_collapsed(std::string& out, std::string_view text, std::size_t max) {
  for (char c : text) {
    if (out.size() >= max) return;
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
}

// Whether a field name has `word` as one of its words: "pass", "user_pass" and "passCode"
// have "pass"; "passengers" and "compass" do not.
bool has_name_word(std::string_view n, std::string_view word) {
  for (std::size_t i = 0; i + word.size() <= n.size(); ++i) {
    if (!iequals(n.substr(i, word.size()), word)) continue;
    auto letter = [](char c) { return ascii_alpha(c) != 0; };
    auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
    bool starts = i == 0 || !letter(n[i - 1]) || (lower(n[i - 1]) && !lower(n[i]));
    std::size_t e = i + word.size();
    bool ends = e == n.size() || !letter(n[e]) || (lower(n[e - 1]) && !lower(n[e]));
    if (starts && ends) return true;
  }
  return false;
}

// "pass" alone is a ticket as often as a password ("skiPass", "passType"): only a user's,
// a login's or a mailbox's pass ("userpass", "login_pass", "emailPass") or the bare name.
bool names_password(std::string_view n) {
  if (contains_i(n, "password") || contains_i(n, "passwd") || contains_i(n, "passcode") ||
      contains_i(n, "pwd") || contains_i(n, "motdepasse") || contains_i(n, "mot_de_passe") ||
      contains_i(n, "mot-de-passe") || iequals(n, "pass") || has_name_word(n, "pin") ||
      contains_i(n, "cardpin") || contains_i(n, "atmpin") || has_name_word(n, "mdp"))
    return true;
  // The pass must end the name or a word of it ("user_pass", "emailPass"; not "userPassType").
  for (std::string_view who : {"user", "login", "email", "mail", "account"}) {
    for (std::string_view sep : {"", "_", "-", "."}) {
      const std::string key = std::string(who) + std::string(sep) + "pass";
      for (std::size_t i = 0; i + key.size() <= n.size(); ++i) {
        if (!iequals(n.substr(i, key.size()), key)) continue;
        std::size_t e = i + key.size();
        if (e == n.size() || !ascii_alpha(n[e])) return true;
      }
    }
  }
  return false;
}

bool names_card(std::string_view n) {
  return has_name_word(n, "card") || contains_i(n, "cardnum") || contains_i(n, "cardno") ||
         contains_i(n, "cardholder") || contains_i(n, "nameoncard") ||
         contains_i(n, "cartebancaire") || contains_i(n, "numerocarte") ||
         contains_i(n, "creditcard") || contains_i(n, "ccnum") || contains_i(n, "cc_num") ||
         contains_i(n, "cvv") || contains_i(n, "cvc") || contains_i(n, "expir") ||
         contains_i(n, "exp_date") || has_name_word(n, "ssn") || has_name_word(n, "carte") ||
         contains_i(n, "cryptogram") || iequals(n, "cc") || contains_i(n, "routing") ||
         contains_i(n, "acctnum") || contains_i(n, "account_number");
}

}  // namespace

void scan_html(std::string_view s, HtmlScan& out, const HtmlScanLimits& limits) {
  std::vector<Attr> attrs;
  bool in_anchor = false;
  Anchor current;
  std::size_t i = 0;
  auto close_anchor = [&] {
    if (!in_anchor) return;
    in_anchor = false;
    while (!current.text.empty() && current.text.back() == ' ')
      current.text.pop_back();
    current.text = mail::decode_html_entities(current.text);
    if (out.anchors.size() < limits.max_anchors) out.anchors.push_back(std::move(current));
    current = {};
  };
  while (i < s.size()) {
    std::size_t lt = s.find('<', i);
    if (lt == std::string_view::npos) lt = s.size();
    if (in_anchor) append_collapsed(current.text, s.substr(i, lt - i), limits.max_anchor_text);
    if (lt >= s.size()) break;
    i = lt + 1;
    if (s.substr(i).starts_with("!--")) {
      std::size_t end = s.find("-->", i + 3);
      i = end == std::string_view::npos ? s.size() : end + 3;
      continue;
    }
    bool closing = i < s.size() && s[i] == '/';
    if (closing) ++i;
    std::size_t n0 = i;
    while (i < s.size() && !is_space(s[i]) && s[i] != '>' && s[i] != '/')
      ++i;
    std::string_view name = s.substr(n0, i - n0);
    if (name.empty() || name.size() > 16) {
      if (in_anchor && current.text.size() < limits.max_anchor_text) current.text += '<';
      i = n0;
      continue;
    }
    i = parse_attrs(s, i, attrs);
    if (!closing && out.tags.size() < 64) {
      std::string lower = to_lower(name);
      bool plain = true;
      for (char c : lower)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) plain = false;
      if (plain && std::find(out.tags.begin(), out.tags.end(), lower) == out.tags.end())
        out.tags.push_back(std::move(lower));
    }
    if (closing) {
      if (iequals(name, "a")) close_anchor();
      continue;
    }
    if (iequals(name, "script") || iequals(name, "style")) {
      // Skip to the matching end tag.
      std::string end_tag = "</" + to_lower(name);
      std::size_t k = i;
      while (true) {
        std::size_t p = s.find("</", k);
        if (p == std::string_view::npos) {
          i = s.size();
          break;
        }
        if (iequals(s.substr(p, end_tag.size()), end_tag)) {
          std::size_t gt = s.find('>', p);
          i = gt == std::string_view::npos ? s.size() : gt + 1;
          break;
        }
        k = p + 2;
      }
      continue;
    }
    std::string_view style = attr(attrs, "style");
    if (!style.empty() &&
        (contains_i(style, "display:none") || contains_i(style, "display: none") ||
         contains_i(style, "font-size:0") || contains_i(style, "font-size: 0") ||
         contains_i(style, "visibility:hidden")))
      ++out.hidden_text_tricks;
    if (iequals(name, "a")) {
      close_anchor();  // an unclosed previous anchor ends here
      std::string_view href = attr(attrs, "href");
      if (!href.empty()) {
        in_anchor = true;
        current.href = mail::decode_html_entities(href.substr(0, limits.max_href));
      }
    } else if (iequals(name, "form")) {
      ++out.forms;
      std::string_view action = attr(attrs, "action");
      if (!action.empty() && out.form_actions.size() < 50)
        out.form_actions.push_back(mail::decode_html_entities(action.substr(0, limits.max_href)));
    } else if (iequals(name, "input") || iequals(name, "select") || iequals(name, "textarea")) {
      std::string_view type = attr(attrs, "type");
      if (iequals(type, "hidden") || iequals(type, "submit") || iequals(type, "button") ||
          iequals(type, "image") || iequals(type, "reset") || iequals(type, "checkbox") ||
          iequals(type, "radio"))
        continue;
      ++out.inputs;
      std::string_view n = attr(attrs, "name");
      std::string_view id = attr(attrs, "id");
      if (iequals(type, "password") || names_password(n) || names_password(id))
        ++out.password_inputs;
      else if (names_card(n) || names_card(id) || contains_i(attr(attrs, "autocomplete"), "cc-"))
        ++out.card_inputs;
    } else if (iequals(name, "img")) {
      ++out.images;
      if (in_anchor && current.text.empty() && has_attr(attrs, "alt")) {
        // An image link shows its alt text, if any, as the link text.
        append_collapsed(current.text, attr(attrs, "alt"), limits.max_anchor_text);
      }
    }
  }
  close_anchor();
}

}  // namespace facteur::filter
