#include "filter/header_anomalies.hpp"

#include <chrono>

#include "mail/date.hpp"
#include "mail/header.hpp"

namespace facteur::filter {
namespace {

// Not "<id-left@id-right>" (RFC 5322 §3.6.4), comments and folding around it allowed; a
// quoted id-left is the obsolete syntax receivers must accept (§4.5).
bool malformed_message_id(std::string_view id) noexcept {
  while (!id.empty() && id.back() == ')') {  // a trailing comment
    auto open = id.rfind('(');
    if (open == std::string_view::npos) break;
    id = mail::trim_wsp(id.substr(0, open));
  }
  if (id.size() < 5 || id.front() != '<' || id.back() != '>') return true;
  id = id.substr(1, id.size() - 2);
  auto at = id.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == id.size()) return true;
  bool quoted = false;
  for (char c : id) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == ' ' || c == '\t' || c == '<' || c == '>')) return true;
  }
  return false;
}

}  // namespace

HeaderAnomalies find_header_anomalies(const MessageView& m) {
  using namespace std::chrono_literals;
  HeaderAnomalies a;
  const mail::Header& h = m.header();
  // A missing Date is not counted: no training message lacks one, and submission servers add
  // it (RFC 6409 §8.3).
  if (const auto* f = h.find(mail::FieldId::date)) {
    auto date = mail::parse_rfc5322_date(f->raw_value);
    if (!date) {
      a.date_invalid = true;
    } else {
      // "-0000" is the RFC's own "zone unknown" (§3.3), and a zone name our parser does not
      // know is still a zone; leaving the zone out is spamware's.
      a.date_without_zone = date->zone_form == mail::ZoneForm::none;
      // The newest trace date is when the message arrived (the first Received: field, written
      // by the MTA that took it last). Mail is never written hours after it arrived; days
      // before is common (queues, drafts sent late), so only the future counts.
      const auto* trace = h.find(mail::FieldId::received);
      if (trace != nullptr && trace->raw_value.find(';') != std::string_view::npos)
        if (auto arrived = mail::parse_rfc5322_date(trace->raw_value)) {
          // A zone written as a name may be another than the parser takes (or read as UTC):
          // the real one may be up to 14 hours east, or the arrival's as far west.
          const bool exact = date->zone_form == mail::ZoneForm::digits &&
                             arrived->zone_form == mail::ZoneForm::digits;
          const auto slack = exact ? 3h : 17h;
          a.date_ahead = date->utc - arrived->utc > slack;
        }
    }
  }
  if (const auto* f = h.find(mail::FieldId::message_id))
    a.message_id_malformed = malformed_message_id(mail::trim_wsp(f->raw_value));
  // RFC 2047 §5 (3): an encoded-word never stands in an addr-spec.
  a.encoded_address = m.from && m.from->local_part.find("=?") != std::string::npos;
  return a;
}

std::string HeaderAnomalies::describe() const {
  std::string out;
  auto add = [&](bool on, const char* what) {
    if (!on) return;
    if (!out.empty()) out += ", ";
    out += what;
  };
  add(date_invalid, "unreadable Date");
  add(date_without_zone, "Date without zone");
  add(date_ahead, "Date hours after arrival");
  add(message_id_malformed, "malformed Message-ID");
  add(encoded_address, "encoded-word in the From address");
  return out;
}

}  // namespace facteur::filter
