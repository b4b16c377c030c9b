#include "filter/header_anomalies.hpp"

#include <chrono>

#include "base/strings.hpp"
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

// What follows the time of day in a date, comments aside (the year, in asctime's order
// "Mon Jan  6 10:00:00 2025", skipped): "" when nothing does.
std::string_view after_time(std::string_view date) noexcept {
  std::size_t depth = 0, last_colon = std::string_view::npos;
  for (std::size_t i = 0; i < date.size(); ++i) {
    if (date[i] == '(') ++depth;
    if (date[i] == ')' && depth > 0) --depth;
    if (date[i] == ':' && depth == 0) last_colon = i;
  }
  if (last_colon == std::string_view::npos) return "?";  // no time: not this finding
  std::size_t i = last_colon + 1;
  while (i < date.size() && ascii_digit(date[i]))
    ++i;
  std::string_view rest = date.substr(i);
  std::size_t start = rest.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  rest.remove_prefix(start);
  if (rest.size() >= 4 && ascii_digit(rest[0]) && ascii_digit(rest[1]) && ascii_digit(rest[2]) &&
      ascii_digit(rest[3]) && (rest.size() == 4 || !ascii_digit(rest[4]))) {
    rest.remove_prefix(4);
    start = rest.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return {};
    rest.remove_prefix(start);
  }
  if (rest.front() == '(') {  // only comments left?
    depth = 0;
    for (char c : rest) {
      if (c == '(')
        ++depth;
      else if (c == ')' && depth > 0)
        --depth;
      else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n')
        return rest;
    }
    return {};
  }
  return rest;
}

// A zone written as digits ("+0200", "-0000"); names are ambiguous ("CST" is China's or
// Chicago's, "IST" India's or Ireland's) and unknown ones are read as UTC.
bool numeric_zone(std::string_view date) noexcept {
  if (auto semi = date.rfind(';'); semi != std::string_view::npos) date.remove_prefix(semi + 1);
  std::string_view zone = after_time(date);
  return zone.size() >= 5 && (zone[0] == '+' || zone[0] == '-') && ascii_digit(zone[1]) &&
         ascii_digit(zone[2]) && ascii_digit(zone[3]) && ascii_digit(zone[4]);
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
      a.date_without_zone = date->zone_unknown && after_time(f->raw_value).empty();
      // The newest trace date is when the message arrived (the first Received: field, written
      // by the MTA that took it last). Mail is never written hours after it arrived; days
      // before is common (queues, drafts sent late), so only the future counts.
      const auto* trace = h.find(mail::FieldId::received);
      if (trace != nullptr && trace->raw_value.find(';') != std::string_view::npos)
        if (auto arrived = mail::parse_rfc5322_date(trace->raw_value)) {
          // A zone written as a name may be another than the parser takes (or read as UTC):
          // the real one may be up to 14 hours east, or the arrival's as far west.
          const bool exact = numeric_zone(f->raw_value) && numeric_zone(trace->raw_value);
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
