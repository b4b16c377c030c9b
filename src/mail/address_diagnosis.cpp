// Addr-spec diagnosis in the categories of the isemail suite: a character-level walk of the
// RFC 5322 §3.4.1 grammar (with CFWS, obsolete forms and domain literals) that records the most
// severe finding, plus the RFC 5321 limits (§4.5.3.1) and address literals (§4.1.3).
#include <algorithm>

#include "base/strings.hpp"
#include "mail/address.hpp"
#include "mail/address_syntax.hpp"

namespace facteur::mail {

namespace {

using Code = AddressDiagnosisCode;
using detail::is_alnum;
using detail::is_atext;
using detail::is_digit;
using detail::is_hex;

constexpr bool is_wsp_start(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r';
}
// obs-NO-WS-CTL (RFC 5322 §4.1): %d1-8 / %d11 / %d12 / %d14-31 / %d127
constexpr bool is_obs_ctl(unsigned char c) {
  return (c >= 1 && c <= 8) || c == 11 || c == 12 || (c >= 14 && c <= 31) || c == 127;
}
// quoted-pair / obs-qp: VCHAR or WSP is current syntax; NUL, CTLs, LF, CR are obsolete.
enum class Pair { ok, obsolete, bad };
constexpr Pair classify_pair(unsigned char c) {
  if ((c >= 32 && c <= 126) || c == '\t') return Pair::ok;
  if (c < 32 || c == 127) return Pair::obsolete;
  return Pair::bad;
}

// Two concatenated views without allocating (the IPv6 check substitutes ":0:0" for an
// embedded IPv4 address, which stands for two groups).
struct Joined {
  std::string_view a, b;
  std::size_t size() const { return a.size() + b.size(); }
  char operator[](std::size_t i) const { return i < a.size() ? a[i] : b[i - a.size()]; }
};

class Diagnoser {
 public:
  explicit Diagnoser(std::string_view s) : s_(s) {}

  Code run() {
    local_part();
    if (!failed()) domain();
    return worst_;
  }

 private:
  void note(Code c) { worst_ = std::max(worst_, c); }
  bool failed() const { return static_cast<unsigned>(worst_) >= 128; }
  bool at_end() const { return i_ >= s_.size(); }
  unsigned char cur() const { return static_cast<unsigned char>(s_[i_]); }

  // FWS = ([*WSP CRLF] 1*WSP) / obs-FWS (1*WSP *(CRLF 1*WSP)).
  void fws() {
    bool crlf = false, wsp_after = false;
    while (!at_end()) {
      unsigned char c = cur();
      if (c == '\r') {
        if (i_ + 1 >= s_.size() || s_[i_ + 1] != '\n') return note(Code::err_cr_no_lf);
        if (crlf && !wsp_after) return note(Code::err_fws_crlf_x2);
        if (crlf) note(Code::deprec_fws);  // a line of nothing but WSP
        crlf = true;
        wsp_after = false;
        i_ += 2;
      } else if (c == ' ' || c == '\t') {
        wsp_after = true;
        ++i_;
      } else {
        break;
      }
    }
    if (crlf && !wsp_after) note(Code::err_fws_crlf_end);
  }

  void comment() {
    std::size_t depth = 0;
    while (true) {
      if (at_end()) return note(Code::err_unclosedcomment);
      unsigned char c = cur();
      if (c == '(') {
        ++depth;
        ++i_;
      } else if (c == ')') {
        ++i_;
        if (--depth == 0) return;
      } else if (c == '\\') {
        if (++i_ >= s_.size()) return note(Code::err_backslashend);
        Pair p = classify_pair(cur());
        if (p == Pair::bad) return note(Code::err_expecting_qpair);
        if (p == Pair::obsolete) note(Code::deprec_qp);
        ++i_;
      } else if (is_wsp_start(c)) {
        fws();
        if (failed()) return;
      } else if (c >= 33 && c <= 126) {
        ++i_;
      } else if (is_obs_ctl(c)) {
        note(Code::deprec_ctext);
        ++i_;
      } else {
        return note(Code::err_expecting_ctext);
      }
    }
  }

  // At the opening quote; `length` grows by what counts toward the local-part limit.
  void quoted_string(std::size_t& length) {
    ++i_;
    ++length;
    while (true) {
      if (at_end()) return note(Code::err_unclosedquotedstr);
      unsigned char c = cur();
      if (c == '"') {
        ++i_;
        ++length;
        return;
      }
      if (c == '\\') {
        if (++i_ >= s_.size()) return note(Code::err_backslashend);
        Pair p = classify_pair(cur());
        if (p == Pair::bad) return note(Code::err_expecting_qpair);
        if (p == Pair::obsolete) note(Code::deprec_qp);
        ++i_;
        length += 2;
      } else if (c == ' ' || c == '\t') {
        ++i_;
        ++length;
      } else if (c == '\r') {
        note(Code::cfws_fws);
        fws();
        if (failed()) return;
      } else if (c >= 33 && c <= 126) {
        ++i_;
        ++length;
      } else if (is_obs_ctl(c)) {
        note(Code::deprec_qtext);
        ++i_;
        ++length;
      } else {
        return note(Code::err_expecting_qtext);
      }
    }
  }

  void local_part() {
    std::size_t elements = 0, element_len = 0;
    bool end_or_die = false, after_quoted = false, last_cfws = false;
    while (true) {
      if (at_end()) return note(Code::err_nodomain);
      unsigned char c = cur();
      if (c == '(' || is_wsp_start(c)) {
        if (element_len == 0) {
          bool first = elements == 0;
          note(c == '(' ? (first ? Code::cfws_comment : Code::deprec_comment)
                        : (first ? Code::cfws_fws : Code::deprec_fws));
        } else {
          if (c == '(') note(Code::cfws_comment);
          end_or_die = true;
          after_quoted = false;
        }
        if (c == '(')
          comment();
        else
          fws();
        if (failed()) return;
        last_cfws = true;
        continue;
      }
      bool cfws_before = last_cfws;
      last_cfws = false;
      if (c == '.') {
        if (element_len == 0)
          return note(elements == 0 ? Code::err_dot_start : Code::err_consecutivedots);
        if (end_or_die) note(Code::deprec_local_part);
        end_or_die = false;
        element_len = 0;
        ++elements;
        ++local_len_;
        ++i_;
      } else if (c == '"') {
        if (element_len != 0) return note(Code::err_expecting_atext);
        note(elements == 0 ? Code::rfc5321_quoted_string : Code::deprec_local_part);
        std::size_t before = local_len_;
        quoted_string(local_len_);
        if (failed()) return;
        element_len = local_len_ - before;
        end_or_die = true;
        after_quoted = true;
      } else if (c == '@') {
        if (elements == 0 && element_len == 0) return note(Code::err_nolocalpart);
        if (element_len == 0) return note(Code::err_dot_end);
        if (local_len_ > 64) note(Code::rfc5322_local_too_long);
        if (cfws_before) note(Code::deprec_cfws_near_at);
        ++i_;
        return;
      } else {
        if (end_or_die)
          return note(after_quoted ? Code::err_atext_after_qs : Code::err_atext_after_cfws);
        if (!is_atext(c)) return note(Code::err_expecting_atext);
        ++element_len;
        ++local_len_;
        ++i_;
      }
    }
  }

  void domain_literal(std::size_t& length) {
    std::size_t begin = ++i_;
    bool obsolete = false, folded = false;
    while (true) {
      if (at_end()) return note(Code::err_uncloseddomlit);
      unsigned char c = cur();
      if (c == ']') break;
      if (c == '[') return note(Code::err_expecting_dtext);
      if (c == '\\') {
        if (++i_ >= s_.size()) return note(Code::err_backslashend);
        Pair p = classify_pair(cur());
        if (p == Pair::bad) return note(Code::err_expecting_qpair);
        obsolete = true;
        ++i_;
      } else if (is_wsp_start(c)) {
        fws();
        if (failed()) return;
        folded = true;
      } else if ((c >= 33 && c <= 90) || (c >= 94 && c <= 126)) {
        ++i_;
      } else if (is_obs_ctl(c)) {
        obsolete = true;
        ++i_;
      } else {
        return note(Code::err_expecting_dtext);
      }
    }
    std::string_view content = s_.substr(begin, i_ - begin);
    ++i_;  // ']'
    length += content.size() + 2;
    if (obsolete) return note(Code::rfc5322_domlit_obsdtext);
    if (folded) return note(Code::rfc5322_domain_literal);
    if (detail::is_ipv4_literal(content)) return note(Code::rfc5321_address_literal);
    if (content.size() >= 5 && istarts_with(content, "IPv6:")) return ipv6(content.substr(5));
    note(Code::rfc5322_domain_literal);
  }

  void ipv6(std::string_view v6) {
    Joined s{v6, {}};
    if (auto colon = v6.rfind(':');
        colon != std::string_view::npos && detail::is_ipv4_literal(v6.substr(colon + 1)))
      s = Joined{v6.substr(0, colon), ":0:0"};
    std::size_t n = s.size();
    std::size_t groups = 1, double_colons = 0, first_dc = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (s[k] != ':') continue;
      ++groups;
      if (k + 1 < n && s[k + 1] == ':' && double_colons++ == 0) first_dc = k;
    }
    if (n > 0 && s[0] == ':' && !(n > 1 && s[1] == ':')) note(Code::rfc5322_ipv6_colonstrt);
    if (n > 0 && s[n - 1] == ':' && !(n > 1 && s[n - 2] == ':')) note(Code::rfc5322_ipv6_colonend);
    std::size_t max_groups = 8;
    if (double_colons == 0) {
      if (groups != max_groups) note(Code::rfc5322_ipv6_grpcount);
    } else if (double_colons > 1) {
      note(Code::rfc5322_ipv6_2x2xcolon);
    } else {
      if (first_dc == 0 || first_dc + 2 == n) ++max_groups;  // "::" at an edge
      if (groups > max_groups)
        note(Code::rfc5322_ipv6_maxgrps);
      else if (groups == max_groups)
        note(Code::rfc5321_ipv6_deprecated);  // "::" standing for a single group
    }
    std::size_t group_len = 0;
    for (std::size_t k = 0; k <= n; ++k) {
      if (k == n || s[k] == ':') {
        group_len = 0;
        continue;
      }
      if (!is_hex(static_cast<unsigned char>(s[k])) || ++group_len > 4) {
        note(Code::rfc5322_ipv6_badchar);
        break;
      }
    }
    note(Code::rfc5321_address_literal);  // outranked by any finding above
  }

  void domain() {
    std::size_t elements = 0, element_len = 0, length = 0;
    bool end_or_die = false, after_literal = false, hyphen = false, literal = false;
    unsigned char label_first = 0;
    while (!at_end()) {
      unsigned char c = cur();
      if (c == '(' || is_wsp_start(c)) {
        if (element_len == 0) {
          if (elements == 0)
            note(Code::deprec_cfws_near_at);
          else
            note(c == '(' ? Code::deprec_comment : Code::deprec_fws);
        } else {
          note(c == '(' ? Code::cfws_comment : Code::cfws_fws);
          end_or_die = true;
        }
        if (c == '(')
          comment();
        else
          fws();
        if (failed()) return;
        continue;
      }
      if (c == '.') {
        if (element_len == 0)
          return note(elements == 0 ? Code::err_dot_start : Code::err_consecutivedots);
        if (after_literal) return note(Code::err_atext_after_domlit);
        if (hyphen) return note(Code::err_domainhyphenend);
        if (element_len > 63) note(Code::rfc5322_label_too_long);
        end_or_die = false;
        element_len = 0;
        ++elements;
        ++length;
        ++i_;
      } else if (c == '[') {
        if (element_len != 0 || elements != 0) return note(Code::err_expecting_atext);
        std::size_t before = length;
        domain_literal(length);
        if (failed()) return;
        element_len = length - before;
        end_or_die = after_literal = literal = true;
      } else {
        if (end_or_die)
          return note(after_literal ? Code::err_atext_after_domlit : Code::err_atext_after_cfws);
        if (!is_atext(c)) return note(Code::err_expecting_atext);
        if (c == '-') {
          if (element_len == 0) return note(Code::err_domainhyphenstart);
          hyphen = true;
        } else {
          if (!is_alnum(c)) note(Code::rfc5322_domain);
          hyphen = false;
        }
        if (element_len == 0) label_first = c;
        ++element_len;
        ++length;
        ++i_;
      }
    }
    if (elements == 0 && element_len == 0) return note(Code::err_nodomain);
    if (element_len == 0) return note(Code::err_dot_end);
    if (hyphen) return note(Code::err_domainhyphenend);
    if (!literal && element_len > 63) note(Code::rfc5322_label_too_long);
    if (length > 255) note(Code::rfc5322_domain_too_long);
    if (local_len_ + 1 + length > 254) note(Code::rfc5322_too_long);  // §4.5.3.1.3 minus "<>"
    // Without DNS, a single-label or numeric top-level domain is more likely a typo.
    if (!literal &&
        static_cast<unsigned>(worst_) < static_cast<unsigned>(Code::dnswarn_no_record)) {
      if (elements == 0) note(Code::rfc5321_tld);
      if (is_digit(label_first)) note(Code::rfc5321_tld_numeric);
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::size_t local_len_ = 0;
  Code worst_ = Code::valid;
};

}  // namespace

AddressCategory category_of(AddressDiagnosisCode code) noexcept {
  auto v = static_cast<unsigned>(code);
  if (code == Code::rfc5321_ipv6_deprecated) return AddressCategory::deprecated;
  if (v == 0) return AddressCategory::valid;
  if (v <= 7) return AddressCategory::dnswarn;
  if (v <= 15) return AddressCategory::rfc5321;
  if (v <= 31) return AddressCategory::cfws;
  if (v <= 63) return AddressCategory::deprecated;
  if (v <= 127) return AddressCategory::rfc5322;
  return AddressCategory::error;
}

AddressDiagnosis validate_addr_spec(std::string_view address) noexcept {
  Code code = Diagnoser(address).run();
  return {category_of(code), code};
}

std::string_view to_string(AddressCategory category) noexcept {
  switch (category) {
    case AddressCategory::valid:
      return "ISEMAIL_VALID_CATEGORY";
    case AddressCategory::dnswarn:
      return "ISEMAIL_DNSWARN";
    case AddressCategory::rfc5321:
      return "ISEMAIL_RFC5321";
    case AddressCategory::cfws:
      return "ISEMAIL_CFWS";
    case AddressCategory::deprecated:
      return "ISEMAIL_DEPREC";
    case AddressCategory::rfc5322:
      return "ISEMAIL_RFC5322";
    case AddressCategory::error:
      return "ISEMAIL_ERR";
  }
  return "?";
}

std::string_view to_string(AddressDiagnosisCode code) noexcept {
  switch (code) {
    case Code::valid:
      return "ISEMAIL_VALID";
    case Code::dnswarn_no_mx_record:
      return "ISEMAIL_DNSWARN_NO_MX_RECORD";
    case Code::dnswarn_no_record:
      return "ISEMAIL_DNSWARN_NO_RECORD";
    case Code::rfc5321_tld:
      return "ISEMAIL_RFC5321_TLD";
    case Code::rfc5321_tld_numeric:
      return "ISEMAIL_RFC5321_TLDNUMERIC";
    case Code::rfc5321_quoted_string:
      return "ISEMAIL_RFC5321_QUOTEDSTRING";
    case Code::rfc5321_address_literal:
      return "ISEMAIL_RFC5321_ADDRESSLITERAL";
    case Code::rfc5321_ipv6_deprecated:
      return "ISEMAIL_RFC5321_IPV6DEPRECATED";
    case Code::cfws_comment:
      return "ISEMAIL_CFWS_COMMENT";
    case Code::cfws_fws:
      return "ISEMAIL_CFWS_FWS";
    case Code::deprec_local_part:
      return "ISEMAIL_DEPREC_LOCALPART";
    case Code::deprec_fws:
      return "ISEMAIL_DEPREC_FWS";
    case Code::deprec_qtext:
      return "ISEMAIL_DEPREC_QTEXT";
    case Code::deprec_qp:
      return "ISEMAIL_DEPREC_QP";
    case Code::deprec_comment:
      return "ISEMAIL_DEPREC_COMMENT";
    case Code::deprec_ctext:
      return "ISEMAIL_DEPREC_CTEXT";
    case Code::deprec_cfws_near_at:
      return "ISEMAIL_DEPREC_CFWS_NEAR_AT";
    case Code::rfc5322_domain:
      return "ISEMAIL_RFC5322_DOMAIN";
    case Code::rfc5322_too_long:
      return "ISEMAIL_RFC5322_TOOLONG";
    case Code::rfc5322_local_too_long:
      return "ISEMAIL_RFC5322_LOCAL_TOOLONG";
    case Code::rfc5322_domain_too_long:
      return "ISEMAIL_RFC5322_DOMAIN_TOOLONG";
    case Code::rfc5322_label_too_long:
      return "ISEMAIL_RFC5322_LABEL_TOOLONG";
    case Code::rfc5322_domain_literal:
      return "ISEMAIL_RFC5322_DOMAINLITERAL";
    case Code::rfc5322_domlit_obsdtext:
      return "ISEMAIL_RFC5322_DOMLIT_OBSDTEXT";
    case Code::rfc5322_ipv6_grpcount:
      return "ISEMAIL_RFC5322_IPV6_GRPCOUNT";
    case Code::rfc5322_ipv6_2x2xcolon:
      return "ISEMAIL_RFC5322_IPV6_2X2XCOLON";
    case Code::rfc5322_ipv6_badchar:
      return "ISEMAIL_RFC5322_IPV6_BADCHAR";
    case Code::rfc5322_ipv6_maxgrps:
      return "ISEMAIL_RFC5322_IPV6_MAXGRPS";
    case Code::rfc5322_ipv6_colonstrt:
      return "ISEMAIL_RFC5322_IPV6_COLONSTRT";
    case Code::rfc5322_ipv6_colonend:
      return "ISEMAIL_RFC5322_IPV6_COLONEND";
    case Code::err_expecting_dtext:
      return "ISEMAIL_ERR_EXPECTING_DTEXT";
    case Code::err_nolocalpart:
      return "ISEMAIL_ERR_NOLOCALPART";
    case Code::err_nodomain:
      return "ISEMAIL_ERR_NODOMAIN";
    case Code::err_consecutivedots:
      return "ISEMAIL_ERR_CONSECUTIVEDOTS";
    case Code::err_atext_after_cfws:
      return "ISEMAIL_ERR_ATEXT_AFTER_CFWS";
    case Code::err_atext_after_qs:
      return "ISEMAIL_ERR_ATEXT_AFTER_QS";
    case Code::err_atext_after_domlit:
      return "ISEMAIL_ERR_ATEXT_AFTER_DOMLIT";
    case Code::err_expecting_qpair:
      return "ISEMAIL_ERR_EXPECTING_QPAIR";
    case Code::err_expecting_atext:
      return "ISEMAIL_ERR_EXPECTING_ATEXT";
    case Code::err_expecting_qtext:
      return "ISEMAIL_ERR_EXPECTING_QTEXT";
    case Code::err_expecting_ctext:
      return "ISEMAIL_ERR_EXPECTING_CTEXT";
    case Code::err_backslashend:
      return "ISEMAIL_ERR_BACKSLASHEND";
    case Code::err_dot_start:
      return "ISEMAIL_ERR_DOT_START";
    case Code::err_dot_end:
      return "ISEMAIL_ERR_DOT_END";
    case Code::err_domainhyphenstart:
      return "ISEMAIL_ERR_DOMAINHYPHENSTART";
    case Code::err_domainhyphenend:
      return "ISEMAIL_ERR_DOMAINHYPHENEND";
    case Code::err_unclosedquotedstr:
      return "ISEMAIL_ERR_UNCLOSEDQUOTEDSTR";
    case Code::err_unclosedcomment:
      return "ISEMAIL_ERR_UNCLOSEDCOMMENT";
    case Code::err_uncloseddomlit:
      return "ISEMAIL_ERR_UNCLOSEDDOMLIT";
    case Code::err_fws_crlf_x2:
      return "ISEMAIL_ERR_FWS_CRLF_X2";
    case Code::err_fws_crlf_end:
      return "ISEMAIL_ERR_FWS_CRLF_END";
    case Code::err_cr_no_lf:
      return "ISEMAIL_ERR_CR_NO_LF";
  }
  return "?";
}

}  // namespace facteur::mail
