#include "proto/smtp/received.hpp"

#include <ctime>
#include <vector>

#include <fmt/format.h>

namespace facteur::smtp {

namespace {

constexpr std::size_t kFoldAt = 78;  // RFC 5322 §2.1.1 SHOULD

// Client-controlled text becomes a token: only host-name and literal characters survive, so it
// can neither break the field nor fake a comment, a ";" or another clause.
std::string token(std::string_view s, std::string_view fallback) {
  std::string out;
  for (char c : s.substr(0, 255)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
    out += ok ? c : '?';
  }
  return out.empty() ? std::string(fallback) : out;
}

std::string address_text(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 512)) {
    auto u = static_cast<unsigned char>(c);
    out += (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == ';') ? '?' : c;
  }
  return out;
}

std::string date_text(std::chrono::system_clock::time_point when, int offset_minutes) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (offset_minutes <= -24 * 60 || offset_minutes >= 24 * 60) offset_minutes = 0;
  std::time_t t = std::chrono::system_clock::to_time_t(when) + std::time_t(offset_minutes) * 60;
  std::tm tm{};
  gmtime_r(&t, &tm);
  int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  return fmt::format("{}, {} {} {:04} {:02}:{:02}:{:02} {}{:02}{:02}", kDays[tm.tm_wday % 7],
                     tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
}

}  // namespace

std::string_view received_protocol(bool esmtp, bool tls, bool authenticated, bool smtputf8) {
  if (!esmtp) return "SMTP";
  static constexpr std::string_view kEsmtp[] = {"ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA"};
  static constexpr std::string_view kUtf8[] = {"UTF8SMTP", "UTF8SMTPS", "UTF8SMTPA", "UTF8SMTPSA"};
  int i = (tls ? 1 : 0) + (authenticated ? 2 : 0);
  return smtputf8 ? kUtf8[i] : kEsmtp[i];
}

std::string format_received(const ReceivedInfo& info) {
  // §4.4: "from" Extended-Domain "(" TCP-info ")", "by" Domain, "with" Protocol, "id", "for".
  std::string ip = token(info.ip, "unknown");
  if (ip.find(':') != std::string::npos && !ip.starts_with("IPv6:")) ip = "IPv6:" + ip;
  std::string tcp_info = info.reverse_dns.empty()
                             ? "[" + ip + "]"
                             : token(info.reverse_dns, "unknown") + " [" + ip + "]";

  std::vector<std::string> clauses;
  clauses.push_back("from " + token(info.helo, "unknown") + " (" + tcp_info + ")");
  clauses.push_back("by " + token(info.by, "localhost"));
  if (!info.protocol.empty()) clauses.push_back("with " + token(info.protocol, "SMTP"));
  if (!info.id.empty()) clauses.push_back("id " + token(info.id, "unknown"));
  if (!info.for_recipient.empty())
    clauses.push_back("for <" + address_text(info.for_recipient) + ">");
  clauses.back() += ';';
  clauses.push_back(date_text(info.date, info.utc_offset_minutes));

  std::string out = "Received:";
  std::size_t line = out.size();
  for (std::size_t i = 0; i < clauses.size(); ++i) {
    const auto& c = clauses[i];
    // "from" stays on the first line; "by" starts a line of its own (easier to read).
    bool fold = i == 1 || (i > 0 && line + 1 + c.size() > kFoldAt);
    if (fold) {
      out += "\r\n\t";
      line = 8;  // a tab counts as up to 8 columns
    } else {
      out += ' ';
      ++line;
    }
    out += c;
    line += c.size();
  }
  out += "\r\n";
  return out;
}

}  // namespace facteur::smtp
