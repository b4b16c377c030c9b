#include "proto/smtp/arguments.hpp"

#include <charconv>

#include "base/strings.hpp"

namespace facteur::smtp {

namespace {

Reply syntax(std::string text) {
  return Reply{501, "5.5.4", std::move(text)};
}
Reply unsupported(std::string_view keyword) {
  return Reply{555, "5.5.4", "Unsupported option: " + std::string(keyword)};
}

// esmtp-keyword (§4.1.2)
bool is_keyword(std::string_view s) {
  if (s.empty() || !ascii_alnum(s[0])) return false;
  for (char c : s)
    if (!ascii_alnum(c) && c != '-') return false;
  return true;
}

// esmtp-value (§4.1.2, RFC 6531 §3.3 adds UTF-8)
bool is_value(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 33 || u == '=' || u == 127) return false;
  }
  return true;
}

std::optional<std::uint64_t> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool has_duplicate(const std::vector<EsmtpParam>& params, std::size_t i) {
  for (std::size_t j = 0; j < i; ++j)
    if (iequals(params[j].keyword, params[i].keyword)) return true;
  return false;
}

}  // namespace

std::expected<PathArgument, Reply> parse_path_argument(std::string_view args,
                                                       std::string_view prefix) {
  const std::string usage =
      iequals(prefix, "FROM:") ? "Syntax: MAIL FROM:<address>" : "Syntax: RCPT TO:<address>";
  if (!istarts_with(args, prefix)) return std::unexpected(syntax(usage));
  args.remove_prefix(prefix.size());
  while (!args.empty() && args.front() == ' ')
    args.remove_prefix(1);
  if (args.empty() || args.front() != '<') return std::unexpected(syntax(usage));

  // The path ends at the first '>' outside a quoted string or an address literal.
  std::size_t i = 1;
  bool quoted = false, literal = false;
  for (; i < args.size(); ++i) {
    char c = args[i];
    if (quoted) {
      if (c == '\\' && i + 1 < args.size()) {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (literal) {
      if (c == ']') literal = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '[') {
      literal = true;
    } else if (c == '>') {
      break;
    }
  }
  if (i >= args.size()) return std::unexpected(syntax(usage));
  PathArgument out;
  out.path = args.substr(0, i + 1);
  std::string_view rest = args.substr(i + 1);
  if (!rest.empty() && rest.front() != ' ') return std::unexpected(syntax(usage));
  for (auto token : split(rest, ' ')) {
    if (token.empty()) continue;
    EsmtpParam p;
    auto eq = token.find('=');
    p.keyword = token.substr(0, eq);
    if (eq != std::string_view::npos) p.value = token.substr(eq + 1);
    if (!is_keyword(p.keyword) || (p.value && !is_value(*p.value)))
      return std::unexpected(syntax("Bad parameter syntax: " + std::string(token.substr(0, 64))));
    out.params.push_back(p);
  }
  return out;
}

std::optional<std::string> decode_xtext(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;  // lenient: RFC 3461 wants upper case
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '+') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += char(hi * 16 + lo);
      i += 2;
    } else if (c < 33 || c == '=' || c == 127) {
      return std::nullopt;
    } else {
      out += char(c);
    }
  }
  return out;
}

std::string encode_xtext(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126 || c == '+' || c == '=') {
      out += '+';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

std::expected<MailParams, Reply> parse_mail_params(const std::vector<EsmtpParam>& params,
                                                   const MailParamContext& context) {
  MailParams out;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    // RFC 5321 §4.1.1.11: parameters of extensions not offered (HELO offers none) get 555.
    if (!context.esmtp) return std::unexpected(unsupported(p.keyword));
    if (has_duplicate(params, i))
      return std::unexpected(syntax("Duplicate parameter: " + std::string(p.keyword)));
    if (iequals(p.keyword, "SIZE")) {
      auto n = p.value ? parse_number(*p.value) : std::nullopt;
      if (!n) return std::unexpected(syntax("Bad SIZE parameter"));
      if (*n > context.max_message_size)  // RFC 1870 §6.1
        return std::unexpected(Reply{552, "5.3.4", "Message size exceeds fixed limit"});
      out.size = *n;
    } else if (iequals(p.keyword, "BODY")) {
      if (p.value && iequals(*p.value, "7BIT")) {
        out.body = Body::seven_bit;
      } else if (p.value && iequals(*p.value, "8BITMIME")) {
        out.body = Body::eight_bit_mime;
      } else if (p.value && iequals(*p.value, "BINARYMIME")) {
        return std::unexpected(unsupported("BODY=BINARYMIME"));
      } else {
        return std::unexpected(syntax("Bad BODY parameter"));
      }
    } else if (iequals(p.keyword, "SMTPUTF8")) {
      if (p.value) return std::unexpected(syntax("SMTPUTF8 takes no value"));
      out.smtputf8 = true;
    } else if (iequals(p.keyword, "RET")) {
      if (p.value && iequals(*p.value, "FULL")) {
        out.ret = DsnRet::full;
      } else if (p.value && iequals(*p.value, "HDRS")) {
        out.ret = DsnRet::headers;
      } else {
        return std::unexpected(syntax("Bad RET parameter"));
      }
    } else if (iequals(p.keyword, "ENVID")) {
      auto v = p.value ? decode_xtext(*p.value) : std::nullopt;
      if (!v || v->empty() || v->size() > 100)  // RFC 3461 §4.4
        return std::unexpected(syntax("Bad ENVID parameter"));
      out.envid = std::move(*v);
    } else if (iequals(p.keyword, "AUTH") && context.auth) {
      // RFC 4954 §5: AUTH=<> or AUTH=xtext(addr-spec); a value that does not parse is 501.
      auto v = p.value ? decode_xtext(*p.value) : std::nullopt;
      bool ok = v && !v->empty() && v->size() <= 500;
      if (ok && *v != "<>") {
        mail::PathOptions options;
        options.smtputf8 = true;
        options.require_brackets = true;
        auto path = mail::parse_forward_path("<" + *v + ">", options);
        ok = path && !path->is_postmaster;
      }
      if (!ok) return std::unexpected(syntax("Bad AUTH parameter"));
      out.auth = std::move(*v);
    } else {
      return std::unexpected(unsupported(p.keyword));
    }
  }
  return out;
}

std::expected<RcptParams, Reply> parse_rcpt_params(const std::vector<EsmtpParam>& params,
                                                   bool esmtp) {
  RcptParams out;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    if (!esmtp) return std::unexpected(unsupported(p.keyword));
    if (has_duplicate(params, i))
      return std::unexpected(syntax("Duplicate parameter: " + std::string(p.keyword)));
    if (iequals(p.keyword, "NOTIFY")) {
      if (!p.value) return std::unexpected(syntax("Bad NOTIFY parameter"));
      // RFC 3461 §4.1: "NEVER" alone, or a list of SUCCESS, FAILURE, DELAY.
      for (auto item : split(*p.value, ',')) {
        unsigned bit = iequals(item, "NEVER")     ? kNotifyNever
                       : iequals(item, "SUCCESS") ? kNotifySuccess
                       : iequals(item, "FAILURE") ? kNotifyFailure
                       : iequals(item, "DELAY")   ? kNotifyDelay
                                                  : 0u;
        if (bit == 0 || (out.notify & bit) != 0)
          return std::unexpected(syntax("Bad NOTIFY parameter"));
        out.notify |= bit;
      }
      if ((out.notify & kNotifyNever) != 0 && out.notify != kNotifyNever)
        return std::unexpected(syntax("Bad NOTIFY parameter"));
    } else if (iequals(p.keyword, "ORCPT")) {
      // RFC 3461 §4.2: addr-type ";" xtext, at most 500 characters.
      auto semi = p.value ? p.value->find(';') : std::string_view::npos;
      if (semi == std::string_view::npos || semi == 0 || p.value->size() > 500)
        return std::unexpected(syntax("Bad ORCPT parameter"));
      auto type = p.value->substr(0, semi);
      if (!is_keyword(type)) return std::unexpected(syntax("Bad ORCPT parameter"));
      auto address = decode_xtext(p.value->substr(semi + 1));
      if (!address || address->empty()) return std::unexpected(syntax("Bad ORCPT parameter"));
      out.orcpt = OriginalRecipient{to_lower(type), std::move(*address)};
    } else {
      return std::unexpected(unsupported(p.keyword));
    }
  }
  return out;
}

std::expected<Path, Reply> parse_path(std::string_view text, PathKind kind, bool smtputf8) {
  mail::PathOptions options;
  options.smtputf8 = smtputf8;
  options.require_brackets = true;
  auto path = kind == PathKind::reverse ? mail::parse_reverse_path(text, options)
                                        : mail::parse_forward_path(text, options);
  if (path) return std::move(*path);
  const bool reverse = kind == PathKind::reverse;
  switch (path.error().code) {
    case Errc::invalid_argument:  // RFC 6531 §3.5
      return std::unexpected(Reply{553, "5.6.7", "Non-ASCII address needs SMTPUTF8"});
    case Errc::limit_exceeded:  // RFC 5321 §4.5.3.1.10: 501 Path too long
      return std::unexpected(Reply{501, reverse ? "5.1.7" : "5.1.3", path.error().message});
    default:
      return std::unexpected(
          Reply{501, reverse ? "5.1.7" : "5.1.3",
                reverse ? "Bad sender address syntax" : "Bad recipient address syntax"});
  }
}

}  // namespace facteur::smtp
