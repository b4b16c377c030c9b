#include "queue/dsn.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "mail/date.hpp"
#include "mail/header.hpp"
#include "mail/message.hpp"
#include "mail/mime.hpp"
#include "mail/transfer_encoding.hpp"
#include "proto/smtp/client_protocol.hpp"

namespace facteur::queue {

namespace {

bool has_8bit(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// Text that goes into a header field: no control characters, so nothing can end the field
// early or start a new one (remote replies are untrusted).
std::string clean(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    out += (c == '\n' || c == '\t') ? ' ' : (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return out;
}

// Words of `value` (cleaned) appended to `out`, whose last line is `line_len` long, with the
// line break `fold` where a line would pass 78 octets; a word longer than 900 octets is cut so
// that no line passes RFC 5322's 998.
void wrap(std::string& out, std::size_t line_len, std::string_view value, std::string_view fold) {
  constexpr std::size_t kMaxWord = 900;
  bool first = true;
  const std::string text = clean(value);
  for (auto word : split(text, ' ')) {
    while (!word.empty()) {
      auto piece = word.substr(0, kMaxWord);
      word.remove_prefix(piece.size());
      if (!first && line_len + 1 + piece.size() > 78) {
        out += fold;
        line_len = fold.size() - 2;
      } else if (!first) {
        out += ' ';
        ++line_len;
      }
      out.append(piece);
      line_len += piece.size();
      first = false;
    }
  }
}

// "Name: value" folded (RFC 5322 §2.2.3), CRLF at the end.
std::string field(std::string_view name, std::string_view value) {
  std::string out = std::string(name) + ": ";
  wrap(out, out.size(), value, "\r\n ");
  out += "\r\n";
  return out;
}

std::string date(std::chrono::sys_seconds t, int offset) {
  return mail::format_rfc5322_date(t, offset);
}

std::string default_status(DsnAction a) {
  switch (a) {
    case DsnAction::failed:
      return "5.0.0";
    case DsnAction::delayed:
      return "4.0.0";
    default:
      return "2.0.0";
  }
}

// "smtp; 550 5.1.1 text" (RFC 3464 §2.3.6), the reply's lines joined by spaces.
std::string diagnostic(const smtp::Reply& r) {
  std::string s = "smtp; " + std::to_string(r.code);
  if (!r.enhanced.empty()) s += " " + r.enhanced;
  if (!r.text.empty()) s += " " + r.text;
  return s;
}

std::string address_field(const mail::Path& p, bool global) {
  if (!p.is_utf8) return "rfc822; " + p.to_string();
  if (global) return "utf-8; " + p.to_string();  // RFC 6533 §3 utf-8-address
  return smtp::encode_orcpt({"utf-8", p.to_string()});
}

std::string original_field(const smtp::OriginalRecipient& o, bool global) {
  if (o.addr_type == "utf-8" && !global) return smtp::encode_orcpt(o);
  if (o.addr_type == "utf-8" || o.addr_type == "rfc822") return o.addr_type + "; " + o.address;
  return smtp::encode_orcpt(o);  // unknown types stay xtext, as received
}

std::string_view subject_of(DsnAction a) {
  switch (a) {
    case DsnAction::failed:
      return "Undelivered Mail Returned to Sender";
    case DsnAction::delayed:
      return "Delayed Mail (still being retried)";
    case DsnAction::delivered:
      return "Successful Mail Delivery Report";
    case DsnAction::relayed:
      return "Delivery Status Notification (Relayed)";
    case DsnAction::expanded:
      return "Delivery Status Notification (Expanded)";
  }
  return "Delivery Status Notification";
}

std::string human_text(const DsnRequest& req, DsnAction action) {
  std::string t = "This is the mail system at " + req.reporting_mta + ".\r\n\r\n";
  switch (action) {
    case DsnAction::failed:
      t += "Your message could not be delivered to the recipients below. The mail system\r\n"
           "has given up; the reasons follow, and your message (or its header) is\r\n"
           "attached.\r\n";
      break;
    case DsnAction::delayed:
      t += "Your message has not been delivered yet to the recipients below. The mail\r\n"
           "system keeps trying; you do not need to send it again. This is only a\r\n"
           "warning.\r\n";
      break;
    case DsnAction::relayed:
      t += "Your message was handed to the mail servers of the recipients below. Those\r\n"
           "servers do not return delivery confirmations, so this is the last notice\r\n"
           "you will get about them.\r\n";
      break;
    case DsnAction::delivered:
    case DsnAction::expanded:
      t += "Your message was delivered to the recipients below.\r\n";
      break;
  }
  t += "\r\n";
  for (const auto& r : req.recipients) {
    std::string line = "<" + r.final_recipient.to_string() + ">: ";
    if (r.remote_reply) {
      std::string host = r.remote_mta.empty() ? "the remote server" : "host " + r.remote_mta;
      line += host + " said: " + diagnostic(*r.remote_reply).substr(6);
      if (!r.remote_stage.empty()) line += " (in reply to " + std::string(r.remote_stage) + ")";
    } else if (!r.explanation.empty()) {
      line += r.explanation;
    } else {
      line += to_string(r.action);
    }
    if (r.will_retry_until)
      line += "; trying until " + date(*r.will_retry_until, req.utc_offset_minutes);
    wrap(t, 0, line, "\r\n    ");
    t += "\r\n";
  }
  return t;
}

// The header block of a message (with its empty line, or all of it when there is none).
std::string_view header_block(std::string_view m) {
  auto h = mail::parse_header(m);
  return m.substr(0, h.size());
}

}  // namespace

std::string_view to_string(DsnAction action) {
  switch (action) {
    case DsnAction::failed:
      return "failed";
    case DsnAction::delayed:
      return "delayed";
    case DsnAction::delivered:
      return "delivered";
    case DsnAction::relayed:
      return "relayed";
    case DsnAction::expanded:
      return "expanded";
  }
  return "failed";
}

bool dsn_wanted(unsigned notify, DsnAction action, bool default_delay) {
  if (notify & smtp::kNotifyNever) return false;
  if (notify == smtp::kNotifyNone) {
    return action == DsnAction::failed || (action == DsnAction::delayed && default_delay);
  }
  switch (action) {
    case DsnAction::failed:
      return (notify & smtp::kNotifyFailure) != 0;
    case DsnAction::delayed:
      return (notify & smtp::kNotifyDelay) != 0;
    case DsnAction::delivered:
    case DsnAction::relayed:
    case DsnAction::expanded:
      return (notify & smtp::kNotifySuccess) != 0;
  }
  return false;
}

Result<Dsn> build_dsn(const DsnRequest& req) {
  if (req.sender.is_null)
    return make_error(Errc::invalid_argument, "no DSN for a message from the null sender");
  if (req.recipients.empty()) return make_error(Errc::invalid_argument, "no recipient to report");
  const DsnAction action = req.recipients.front().action;
  for (const auto& r : req.recipients)
    if (r.action != action)
      return make_error(Errc::invalid_argument, "one DSN reports one kind of action");

  bool global = req.smtputf8 || req.sender.is_utf8;
  for (const auto& r : req.recipients)
    global = global || r.final_recipient.is_utf8;

  const std::string boundary = "=_dsn_" + req.unique;
  const std::string original = mail::to_crlf(req.original_message);
  // RFC 3461 §4.3: a notice without failures returns the header only; RET=HDRS too.
  const bool full = action == DsnAction::failed && req.ret != smtp::DsnRet::headers &&
                    original.size() <= req.limits.max_returned_message;

  std::string m;
  m += "From: Mail Delivery System <MAILER-DAEMON@" + req.reporting_mta + ">\r\n";
  m += "To: <" + req.sender.to_string() + ">\r\n";
  m += field("Subject", subject_of(action));
  m += "Date: " + date(req.now, req.utc_offset_minutes) + "\r\n";
  m += "Message-ID: <" + req.unique + "@" + req.reporting_mta + ">\r\n";
  m += "Auto-Submitted: auto-replied\r\n";  // RFC 3834 §5
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/report; report-type=delivery-status;\r\n"
       " boundary=\"" +
       boundary + "\"\r\n";
  m += "\r\nThis is a MIME-encapsulated delivery status notification.\r\n";

  // 1. Human-readable part.
  std::string text = human_text(req, action);
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Description: Notification\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  if (!has_8bit(text)) {
    m += "Content-Transfer-Encoding: 7bit\r\n\r\n" + text;
  } else if (global) {
    m += "Content-Transfer-Encoding: 8bit\r\n\r\n" + text;
  } else {
    m +=
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + mail::encode_quoted_printable(text);
    if (!m.ends_with("\r\n")) m += "\r\n";
  }

  // 2. message/delivery-status (RFC 3464 §2.2, §2.3).
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Description: Delivery report\r\n";
  m += global ? "Content-Type: message/global-delivery-status\r\n\r\n"
              : "Content-Type: message/delivery-status\r\n\r\n";
  m += field("Reporting-MTA", "dns; " + req.reporting_mta);
  if (req.envid) m += field("Original-Envelope-Id", *req.envid);
  if (req.arrival_date) m += field("Arrival-Date", date(*req.arrival_date, req.utc_offset_minutes));
  for (const auto& r : req.recipients) {
    m += "\r\n";
    m += field("Final-Recipient", address_field(r.final_recipient, global));
    if (r.original) m += field("Original-Recipient", original_field(*r.original, global));
    m += field("Action", to_string(r.action));
    m += field("Status", r.status.empty() ? default_status(r.action) : r.status);
    if (!r.remote_mta.empty()) m += field("Remote-MTA", "dns; " + r.remote_mta);
    if (r.remote_reply) {
      m += field("Diagnostic-Code", diagnostic(*r.remote_reply));
    } else if (!r.explanation.empty()) {
      m += field("Diagnostic-Code", "x-facteur; " + r.explanation);
    }
    if (r.last_attempt)
      m += field("Last-Attempt-Date", date(*r.last_attempt, req.utc_offset_minutes));
    if (r.will_retry_until && r.action == DsnAction::delayed)
      m += field("Will-Retry-Until", date(*r.will_retry_until, req.utc_offset_minutes));
  }

  // 3. The message, or its header (RFC 3462 §3 text/rfc822-headers; RFC 6533 §6).
  m += "\r\n--" + boundary + "\r\n";
  if (full) {
    m += "Content-Description: Undelivered Message\r\n";
    m += global ? "Content-Type: message/global\r\n" : "Content-Type: message/rfc822\r\n";
    if (!global && has_8bit(original)) m += "Content-Transfer-Encoding: 8bit\r\n";
    m += "\r\n" + original;
  } else {
    auto header = header_block(original);
    m += action == DsnAction::failed ? "Content-Description: Undelivered Message Headers\r\n"
                                     : "Content-Description: Message Headers\r\n";
    m += global ? "Content-Type: message/global-headers\r\n"
                : "Content-Type: text/rfc822-headers\r\n";
    if (!global && has_8bit(header)) m += "Content-Transfer-Encoding: 8bit\r\n";
    m += "\r\n";
    m.append(header);
  }
  if (!m.ends_with("\r\n")) m += "\r\n";
  m += "\r\n--" + boundary + "--\r\n";

  Dsn dsn;
  dsn.envelope_to = req.sender;
  dsn.smtputf8 = global;
  dsn.message = std::move(m);
  return dsn;
}

Result<ParsedDsn> parse_dsn(std::string_view message) {
  auto tree = mail::parse_mime(message);
  const auto& root = tree.root();
  if (!root.content_type.is("multipart", "report") ||
      !iequals(root.content_type.param_value("report-type"), "delivery-status"))
    return make_error(Errc::parse_error, "not a multipart/report; report-type=delivery-status");
  ParsedDsn out;
  bool have_status = false;
  std::uint32_t index = 0;
  for (auto i = root.info.first_child; i != mail::kNoPart; i = tree.part(i).info.next_sibling) {
    const auto& part = tree.part(i);
    const auto& ct = part.content_type;
    auto body = tree.body_bytes(i);
    std::string type = to_lower(ct.type + "/" + ct.subtype);
    if (index++ == 0) {
      out.notification = body;
    } else if (type == "message/delivery-status" || type == "message/global-delivery-status") {
      have_status = true;
      out.status_type = type;
      std::string decoded = mail::decode_transfer(body, part.info.encoding);
      std::string_view rest = decoded;
      bool first = true;
      while (!rest.empty()) {
        while (rest.starts_with("\r\n") || rest.starts_with("\n"))
          rest.remove_prefix(rest.starts_with("\r\n") ? 2 : 1);
        if (rest.empty()) break;
        auto h = mail::parse_header(rest);
        if (h.size() == 0) break;
        auto get = [&](std::string_view name) {
          auto* f = h.find(name);
          return f ? f->value() : std::string();
        };
        if (first) {
          out.reporting_mta = get("Reporting-MTA");
          out.original_envelope_id = get("Original-Envelope-Id");
          out.arrival_date = get("Arrival-Date");
          first = false;
        } else {
          ParsedDsnRecipient r;
          r.final_recipient = get("Final-Recipient");
          r.original_recipient = get("Original-Recipient");
          r.action = to_lower(get("Action"));
          r.status = get("Status");
          r.remote_mta = get("Remote-MTA");
          r.diagnostic_code = get("Diagnostic-Code");
          r.last_attempt_date = get("Last-Attempt-Date");
          r.will_retry_until = get("Will-Retry-Until");
          out.recipients.push_back(std::move(r));
        }
        rest.remove_prefix(h.size());
      }
    } else if (have_status && out.returned_type.empty()) {
      out.returned_type = type;
      out.returned = body;
    }
  }
  if (!have_status) return make_error(Errc::parse_error, "no delivery-status part");
  return out;
}

}  // namespace facteur::queue
