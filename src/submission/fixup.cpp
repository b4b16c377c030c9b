#include "submission/fixup.hpp"

#include "base/strings.hpp"
#include "mail/date.hpp"
#include "mail/message.hpp"

namespace facteur::submission {

namespace {

struct Split {
  std::string local, domain;
};

Split split_address(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return {to_lower(address), ""};
  return {to_lower(address.substr(0, at)), to_lower(address.substr(at + 1))};
}

// Where a field ends, its line break included.
std::size_t field_end(std::string_view block, const mail::HeaderField& f) {
  auto end = static_cast<std::size_t>(f.raw_value.data() + f.raw_value.size() - block.data());
  if (end < block.size() && block[end] == '\r') ++end;
  if (end < block.size() && block[end] == '\n') ++end;
  return end;
}

bool is_bcc(const mail::HeaderField& f) {
  return f.id == mail::FieldId::bcc || iequals(f.name, "Resent-Bcc");
}

}  // namespace

bool sender_allowed(std::string_view address, const std::vector<std::string>& allowed,
                    std::string_view recipient_delimiter) {
  auto a = split_address(address);
  if (a.domain.empty()) return false;
  std::string base = a.local;
  if (!recipient_delimiter.empty()) {
    auto d = base.find(recipient_delimiter);
    if (d != std::string::npos && d > 0) base.resize(d);
  }
  for (const auto& entry : allowed) {
    if (entry.starts_with("@")) {
      if (iequals(std::string_view(entry).substr(1), a.domain)) return true;
      continue;
    }
    auto e = split_address(entry);
    if (e.domain == a.domain && (e.local == a.local || e.local == base)) return true;
  }
  return false;
}

SubmissionOutcome fix_submission(std::string_view message, const SubmissionOptions& opt) {
  SubmissionOutcome out;
  auto header = mail::parse_header(message, opt.header_limits);
  if (header.dropped() > 0) {
    // A field we did not look at could be a Bcc: refuse rather than leak it.
    out.rejection = Rejection{552, "5.3.4", "Message header exceeds the size limits"};
    return out;
  }
  const std::string_view block = message.substr(0, header.size());
  const auto nl = message.find('\n');
  const std::string_view eol =
      (nl == std::string_view::npos || (nl > 0 && message[nl - 1] == '\r')) ? "\r\n" : "\n";

  // Authorship (RFC 6409 §8.1 leaves the check to the MSA; RFC 5322 §3.6.2).
  bool has_from = false, has_date = false;
  const mail::HeaderField* message_id = nullptr;
  auto check = [&](std::string_view address) {
    if (!sender_allowed(address, opt.allowed_senders, opt.recipient_delimiter))
      out.unauthorized.emplace_back(address);
  };
  for (const auto& f : header.fields()) {
    if (f.id == mail::FieldId::from || f.id == mail::FieldId::sender) {
      has_from = has_from || f.id == mail::FieldId::from;
      auto list = mail::parse_address_list(f.raw_value);
      auto boxes = list.mailboxes();
      if (boxes.empty()) out.unauthorized.push_back("(" + mail::unfold_trim(f.raw_value) + ")");
      for (const auto* mb : boxes)
        check(mb->address());
    } else if (f.id == mail::FieldId::date) {
      has_date = true;
    } else if (f.id == mail::FieldId::message_id && !message_id) {
      message_id = &f;
    }
  }
  if (opt.envelope_sender && !opt.envelope_sender->is_null) check(opt.envelope_sender->to_string());
  if (!has_from && opt.account_address.empty()) out.unauthorized.emplace_back("(no From: field)");
  if (!out.unauthorized.empty()) {
    std::string who = out.unauthorized.front();
    out.rejection = Rejection{553, "5.7.1",
                              "Sender address rejected: " + who + " is not one of your addresses"};
    return out;
  }

  // The transmitted copy: the header without Bcc, the fields we add, the body as it is.
  std::string& m = out.message;
  m.reserve(message.size() + 160);
  std::size_t pos = 0;
  for (const auto& f : header.fields()) {
    if (!is_bcc(f)) continue;
    m.append(block.substr(pos, f.offset - pos));
    pos = field_end(block, f);
    ++out.removed_bcc;
  }
  std::size_t blank = block.size();
  if (header.has_separator()) {
    blank = block.ends_with("\r\n") ? block.size() - 2 : block.size() - 1;
    if (blank < pos) blank = pos;
  }
  m.append(block.substr(pos, blank - pos));
  if (!header.has_separator()) {
    // An unterminated last line gets a line end; a lone CR there would become an empty line
    // (the end of the header) once terminated: it goes.
    if (!m.empty() && m.back() == '\r' && (m.size() == 1 || m[m.size() - 2] == '\n')) m.pop_back();
    if (!m.empty() && m.back() != '\n') m.append(eol);
  }
  if (!has_from) {
    m += "From: " + opt.account_address;
    m.append(eol);
    out.added_from = true;
  }
  if (!has_date) {
    m += "Date: " + mail::format_rfc5322_date(opt.now, opt.utc_offset_minutes);
    m.append(eol);
    out.added_date = true;
  }
  if (message_id) {
    out.message_id = mail::first_message_id(message_id->raw_value);
  } else {
    out.message_id = opt.unique + "@" + opt.hostname;
    m += "Message-ID: <" + out.message_id + ">";
    m.append(eol);
    out.added_message_id = true;
  }
  if (header.has_separator()) {
    m.append(block.substr(blank));
  } else {
    m.append(eol);  // the empty line that separates the header from the (maybe empty) body
  }
  m.append(message.substr(header.size()));
  return out;
}

}  // namespace facteur::submission
