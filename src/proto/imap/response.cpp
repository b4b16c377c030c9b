#include "proto/imap/response.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "mail/charset.hpp"
#include "mail/date.hpp"
#include "proto/imap/mailbox_name.hpp"

namespace facteur::imap {
namespace {

constexpr std::string_view kCrlf = "\r\n";

void num(std::string& out, std::uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

// Status texts are free text on one line: drop CR, LF and NUL; keep at most 512 octets.
void append_text(std::string& out, std::string_view text) {
  std::size_t n = 0;
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') continue;
    if (++n > 512) break;
    out += c;
  }
}

void append_status(std::string& out, std::string_view code, std::string_view text) {
  if (!code.empty()) {
    out += '[';
    append_text(out, code);
    out += ']';
    if (!text.empty()) out += ' ';
  }
  append_text(out, text);
  if (code.empty() && text.empty()) out += "done";
  out += kCrlf;
}

// IMAP date-time (RFC 9051 §9 date-time, date-day-fixed) written in place: no allocation.
void append_date_time(std::string& out, std::int64_t unix, int offset_minutes) {
  using namespace std::chrono;
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::int64_t local = unix + std::int64_t(offset_minutes) * 60;
  const std::int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  const std::int64_t sec = local - day * 86400;
  const year_month_day ymd{sys_days{days{day}}};
  char buf[32];
  char* p = buf;
  auto two = [&](unsigned v) {
    *p++ = char('0' + v / 10 % 10);
    *p++ = char('0' + v % 10);
  };
  const unsigned d = unsigned(ymd.day());
  *p++ = d < 10 ? ' ' : char('0' + d / 10);
  *p++ = char('0' + d % 10);
  *p++ = '-';
  const auto mon = kMonths[(unsigned(ymd.month()) + 11) % 12];
  for (char c : mon)
    *p++ = c;
  *p++ = '-';
  const int y = std::clamp(int(ymd.year()), 0, 9999);
  two(unsigned(y / 100));
  two(unsigned(y % 100));
  *p++ = ' ';
  two(unsigned(sec / 3600));
  *p++ = ':';
  two(unsigned(sec / 60 % 60));
  *p++ = ':';
  two(unsigned(sec % 60));
  *p++ = ' ';
  *p++ = offset_minutes < 0 ? '-' : '+';
  const unsigned off = unsigned(offset_minutes < 0 ? -offset_minutes : offset_minutes);
  two(off / 60 % 100);
  two(off % 60);
  out.append(buf, p);
}

bool is_7bit_quotable(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u == 0 || u == '\r' || u == '\n' || u >= 0x80) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::ok:
      return "OK";
    case Outcome::no:
      return "NO";
    case Outcome::bad:
      return "BAD";
  }
  return "BAD";
}

namespace code {
std::string uidnext(std::uint32_t v) {
  return "UIDNEXT " + std::to_string(v);
}
std::string uidvalidity(std::uint32_t v) {
  return "UIDVALIDITY " + std::to_string(v);
}
std::string unseen(std::uint32_t v) {
  return "UNSEEN " + std::to_string(v);
}
std::string highestmodseq(std::uint64_t v) {
  return "HIGHESTMODSEQ " + std::to_string(v);
}
std::string appenduid(std::uint32_t uid_validity, std::span<const std::uint32_t> uids) {
  return "APPENDUID " + std::to_string(uid_validity) + " " + format_number_set(uids);
}
std::string copyuid(std::uint32_t uid_validity, std::span<const std::uint32_t> from,
                    std::span<const std::uint32_t> to) {
  return "COPYUID " + std::to_string(uid_validity) + " " + format_number_set(from) + " " +
         format_number_set(to);
}
std::string modified(std::span<const std::uint32_t> numbers) {
  return "MODIFIED " + format_number_set(numbers);
}
std::string permanentflags(FlagBits system, std::span<const std::string> keywords,
                           bool new_keywords) {
  std::string out = "PERMANENTFLAGS ";
  append_flags(out, system, keywords);
  if (new_keywords) {
    out.pop_back();
    if (out.back() != '(') out += ' ';
    out += "\\*)";
  }
  return out;
}
std::string capability(std::string_view capabilities) {
  return "CAPABILITY " + std::string(capabilities);
}
}  // namespace code

void append_string(std::string& out, std::string_view s, bool utf8) {
  const bool quotable =
      s.size() <= 1000 && (is_7bit_quotable(s) || (utf8 && mail::is_valid_utf8(s) &&
                                                   s.find_first_of(std::string_view("\r\n\0", 3)) ==
                                                       std::string_view::npos));
  if (quotable) {
    out += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
    return;
  }
  const bool has_nul = s.find('\0') != std::string_view::npos;
  if (has_nul) out += '~';  // literal8: only legal where binary content is (callers avoid it)
  out += '{';
  num(out, s.size());
  out += "}\r\n";
  out.append(s);
}

void append_flags(std::string& out, FlagBits system, std::span<const std::string> keywords) {
  out += '(';
  const std::size_t start = out.size();
  auto add = [&](std::string_view f) {
    if (out.size() != start) out += ' ';
    out.append(f);
  };
  if (system & kAnswered) add("\\Answered");
  if (system & kFlagged) add("\\Flagged");
  if (system & kDeleted) add("\\Deleted");
  if (system & kSeen) add("\\Seen");
  if (system & kDraft) add("\\Draft");
  if (system & kRecent) add("\\Recent");
  for (const auto& k : keywords)
    add(k);
  out += ')';
}

void append_item_name(std::string& out, const FetchItem& item) {
  using K = FetchItem::Kind;
  switch (item.kind) {
    case K::binary:
      out += "BINARY[";
      break;
    case K::binary_size:
      out += "BINARY.SIZE[";
      break;
    default:
      out += "BODY[";
  }
  const auto& s = item.section;
  for (std::size_t i = 0; i < s.part.size(); ++i) {
    if (i) out += '.';
    num(out, s.part[i]);
  }
  if (s.text != Section::Text::all && !s.part.empty()) out += '.';
  switch (s.text) {
    case Section::Text::all:
      break;
    case Section::Text::header:
      out += "HEADER";
      break;
    case Section::Text::text:
      out += "TEXT";
      break;
    case Section::Text::mime:
      out += "MIME";
      break;
    case Section::Text::header_fields:
    case Section::Text::header_fields_not:
      out += s.text == Section::Text::header_fields ? "HEADER.FIELDS (" : "HEADER.FIELDS.NOT (";
      for (std::size_t i = 0; i < s.fields.size(); ++i) {
        if (i) out += ' ';
        // As the RFC examples write them: atoms bare ("DATE FROM"), anything else quoted.
        const auto& f = s.fields[i];
        const bool atom = !f.empty() && std::all_of(f.begin(), f.end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return u > 0x20 && u < 0x7F && c != '(' && c != ')' && c != '{' && c != '%' && c != '*' &&
                 c != '"' && c != '\\' && c != ']';
        });
        if (atom) {
          out += f;
        } else {
          append_string(out, f, false);
        }
      }
      out += ')';
      break;
  }
  out += ']';
  if (item.partial && item.kind != K::binary_size) {
    out += '<';
    num(out, item.partial->first);
    out += '>';
  }
}

// ---- ResponseWriter

void ResponseWriter::tagged(std::string_view tag, Outcome outcome, std::string_view c,
                            std::string_view text) {
  std::string& out = *out_;
  out.append(tag.empty() ? std::string_view("*") : tag);
  out += ' ';
  out.append(to_string(outcome));
  out += ' ';
  append_status(out, c, text);
}

void ResponseWriter::status(std::string_view kind, std::string_view c, std::string_view text) {
  std::string& out = *out_;
  out += "* ";
  out.append(kind);
  out += ' ';
  append_status(out, c, text);
}

void ResponseWriter::untagged(std::string_view raw) {
  out_->append("* ");
  out_->append(raw);
  out_->append(kCrlf);
}

void ResponseWriter::capability(std::string_view capabilities) {
  out_->append("* CAPABILITY ");
  out_->append(capabilities);
  out_->append(kCrlf);
}

void ResponseWriter::enabled(std::span<const std::string> capabilities) {
  out_->append("* ENABLED");
  for (const auto& c : capabilities) {
    *out_ += ' ';
    out_->append(c);
  }
  out_->append(kCrlf);
}

void ResponseWriter::exists(std::uint32_t n) {
  *out_ += "* ";
  num(*out_, n);
  *out_ += " EXISTS\r\n";
}

void ResponseWriter::recent(std::uint32_t n) {
  *out_ += "* ";
  num(*out_, n);
  *out_ += " RECENT\r\n";
}

void ResponseWriter::expunge(std::uint32_t seq) {
  *out_ += "* ";
  num(*out_, seq);
  *out_ += " EXPUNGE\r\n";
}

void ResponseWriter::vanished(std::span<const std::uint32_t> uids, bool earlier) {
  if (uids.empty()) return;
  *out_ += earlier ? "* VANISHED (EARLIER) " : "* VANISHED ";
  *out_ += format_number_set(uids);
  *out_ += kCrlf;
}

void ResponseWriter::flags(FlagBits system, std::span<const std::string> keywords) {
  *out_ += "* FLAGS ";
  append_flags(*out_, system, keywords);
  *out_ += kCrlf;
}

void ResponseWriter::append_mailbox(std::string& out, std::string_view name) const {
  if (utf8_) {
    append_string(out, name, true);
  } else {
    append_string(out, mutf7_encode(name), false);
  }
}

void ResponseWriter::list(std::string_view attributes, std::string_view mailbox, bool lsub,
                          std::string_view extended) {
  std::string& out = *out_;
  out += lsub ? "* LSUB (" : "* LIST (";
  out.append(attributes);
  out += ") \"/\" ";
  append_mailbox(out, mailbox);
  if (!extended.empty()) {
    out += ' ';
    out.append(extended);
  }
  out += kCrlf;
}

void ResponseWriter::status_data(std::string_view mailbox, std::span<const StatusValue> values) {
  std::string& out = *out_;
  out += "* STATUS ";
  append_mailbox(out, mailbox);
  out += " (";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ' ';
    out.append(to_string(values[i].item));
    out += ' ';
    num(out, values[i].value);
  }
  out += ")\r\n";
}

void ResponseWriter::search(std::span<const std::uint32_t> numbers,
                            std::optional<std::uint64_t> modseq) {
  std::string& out = *out_;
  out += "* SEARCH";
  for (auto n : numbers) {
    out += ' ';
    num(out, n);
  }
  if (modseq && !numbers.empty()) {
    out += " (MODSEQ ";
    num(out, *modseq);
    out += ')';
  }
  out += kCrlf;
}

void ResponseWriter::esearch(std::string_view tag, bool uid, const SearchReturn& r,
                             std::span<const std::uint32_t> numbers,
                             std::optional<std::uint64_t> modseq) {
  if (r.save && !r.min && !r.max && !r.all && !r.count) return;
  std::string& out = *out_;
  out += "* ESEARCH (TAG ";
  append_string(out, tag, false);
  out += ')';
  if (uid) out += " UID";
  if (!numbers.empty()) {
    if (r.min) {
      out += " MIN ";
      num(out, numbers.front());
    }
    if (r.max) {
      out += " MAX ";
      num(out, numbers.back());
    }
  }
  if (r.all && !numbers.empty()) {
    out += " ALL ";
    out +=
        format_intervals(intervals_of(std::vector<std::uint32_t>(numbers.begin(), numbers.end())));
  }
  if (r.count) {
    out += " COUNT ";
    num(out, numbers.size());
  }
  if (modseq && !numbers.empty()) {
    out += " MODSEQ ";
    num(out, *modseq);
  }
  out += kCrlf;
}

void ResponseWriter::search_results(std::string_view tag, const SearchCmd& search,
                                    std::span<const std::uint32_t> numbers,
                                    std::optional<std::uint64_t> modseq, bool rev2) {
  if (search.returns) {
    esearch(tag, search.uid, *search.returns, numbers, modseq);
  } else if (rev2) {
    SearchReturn all;
    all.all = true;
    esearch(tag, search.uid, all, numbers, modseq);
  } else {
    this->search(numbers, modseq);
  }
}

void ResponseWriter::sort(std::span<const std::uint32_t> numbers) {
  std::string& out = *out_;
  out += "* SORT";
  for (auto n : numbers) {
    out += ' ';
    num(out, n);
  }
  out += kCrlf;
}

void ResponseWriter::thread(std::string_view threads) {
  *out_ += "* THREAD";
  if (!threads.empty()) *out_ += ' ';
  out_->append(threads);
  *out_ += kCrlf;
}

void ResponseWriter::namespace_personal() {
  *out_ += "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n";
}

void ResponseWriter::id(std::span<const std::pair<std::string_view, std::string_view>> fields) {
  std::string& out = *out_;
  if (fields.empty()) {
    out += "* ID NIL\r\n";
    return;
  }
  out += "* ID (";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ' ';
    append_string(out, fields[i].first, false);
    out += ' ';
    append_string(out, fields[i].second, false);
  }
  out += ")\r\n";
}

void ResponseWriter::quota(std::string_view root, std::span<const QuotaResource> resources) {
  std::string& out = *out_;
  out += "* QUOTA ";
  append_string(out, root, utf8_);
  out += " (";
  for (std::size_t i = 0; i < resources.size(); ++i) {
    if (i) out += ' ';
    out.append(resources[i].name);
    out += ' ';
    num(out, resources[i].usage);
    out += ' ';
    num(out, resources[i].limit);
  }
  out += ")\r\n";
}

void ResponseWriter::quota_root(std::string_view mailbox, std::span<const std::string_view> roots) {
  std::string& out = *out_;
  out += "* QUOTAROOT ";
  append_mailbox(out, mailbox);
  for (auto r : roots) {
    out += ' ';
    append_string(out, r, utf8_);
  }
  out += kCrlf;
}

FetchWriter ResponseWriter::fetch(std::uint32_t seq) {
  return FetchWriter(*out_, utf8_, seq);
}

// ---- FetchWriter

FetchWriter::FetchWriter(std::string& out, bool utf8, std::uint32_t seq) : out_(&out), utf8_(utf8) {
  out += "* ";
  num(out, seq);
  out += " FETCH (";
}

void FetchWriter::sep() {
  if (!first_) *out_ += ' ';
  first_ = false;
}

void FetchWriter::uid(std::uint32_t uid) {
  sep();
  *out_ += "UID ";
  num(*out_, uid);
}

void FetchWriter::flags(FlagBits system, std::span<const std::string> keywords) {
  sep();
  *out_ += "FLAGS ";
  append_flags(*out_, system, keywords);
}

void FetchWriter::internal_date(std::int64_t unix_seconds, int offset_minutes) {
  sep();
  *out_ += "INTERNALDATE \"";
  append_date_time(*out_, unix_seconds, offset_minutes);
  *out_ += '"';
}

void FetchWriter::rfc822_size(std::uint64_t size) {
  sep();
  *out_ += "RFC822.SIZE ";
  num(*out_, size);
}

void FetchWriter::modseq(std::uint64_t modseq) {
  sep();
  *out_ += "MODSEQ (";
  num(*out_, modseq);
  *out_ += ')';
}

void FetchWriter::save_date(std::optional<std::int64_t> unix) {
  sep();
  if (!unix) {
    *out_ += "SAVEDATE NIL";
    return;
  }
  *out_ += "SAVEDATE \"";
  append_date_time(*out_, *unix, 0);
  *out_ += '"';
}

void FetchWriter::envelope(std::string_view wire) {
  sep();
  *out_ += "ENVELOPE ";
  out_->append(wire);
}

void FetchWriter::body_structure(std::string_view wire) {
  sep();
  *out_ += "BODYSTRUCTURE ";
  out_->append(wire);
}

void FetchWriter::body(std::string_view wire) {
  sep();
  *out_ += "BODY ";
  out_->append(wire);
}

namespace {
void item_label(std::string& out, const FetchItem& item) {
  using K = FetchItem::Kind;
  switch (item.kind) {
    case K::rfc822:
      out += "RFC822";
      break;
    case K::rfc822_header:
      out += "RFC822.HEADER";
      break;
    case K::rfc822_text:
      out += "RFC822.TEXT";
      break;
    default:
      append_item_name(out, item);
  }
}
}  // namespace

void FetchWriter::section(const FetchItem& item, std::string_view data) {
  const bool binary =
      item.kind == FetchItem::Kind::binary && data.find('\0') != std::string_view::npos;
  section_announce(item, data.size(), binary);
  out_->append(data);
}

void FetchWriter::section_announce(const FetchItem& item, std::uint64_t size, bool binary) {
  sep();
  item_label(*out_, item);
  *out_ += binary ? " ~{" : " {";
  num(*out_, size);
  *out_ += "}\r\n";
}

void FetchWriter::section_nil(const FetchItem& item) {
  sep();
  item_label(*out_, item);
  *out_ += " NIL";
}

void FetchWriter::binary_size(const FetchItem& item, std::uint64_t size) {
  sep();
  append_item_name(*out_, item);
  *out_ += ' ';
  num(*out_, size);
}

void FetchWriter::finish() {
  *out_ += ")\r\n";
}

}  // namespace facteur::imap
