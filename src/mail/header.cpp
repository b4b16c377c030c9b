#include "mail/header.hpp"

#include <cstring>

#include "base/strings.hpp"

namespace facteur::mail {

namespace {

struct KnownField {
  std::string_view name;
  FieldId id;
};

// Grouped by length so a lookup compares against a handful of names at most.
constexpr KnownField kKnownFields[] = {
    {"to", FieldId::to},
    {"cc", FieldId::cc},
    {"bcc", FieldId::bcc},
    {"date", FieldId::date},
    {"from", FieldId::from},
    {"sender", FieldId::sender},
    {"subject", FieldId::subject},
    {"reply-to", FieldId::reply_to},
    {"received", FieldId::received},
    {"message-id", FieldId::message_id},
    {"references", FieldId::references},
    {"content-id", FieldId::content_id},
    {"in-reply-to", FieldId::in_reply_to},
    {"return-path", FieldId::return_path},
    {"content-md5", FieldId::content_md5},
    {"content-type", FieldId::content_type},
    {"mime-version", FieldId::mime_version},
    {"content-language", FieldId::content_language},
    {"content-location", FieldId::content_location},
    {"content-description", FieldId::content_description},
    {"content-disposition", FieldId::content_disposition},
    {"content-transfer-encoding", FieldId::content_transfer_encoding},
};

bool is_wsp(char c) noexcept {
  return c == ' ' || c == '\t';
}

// RFC 5322 §3.6.8 ftext is printable ASCII but ':'; we also let 8-bit bytes through.
bool valid_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 32 || c == 127) return false;
  }
  return true;
}

}  // namespace

FieldId field_id(std::string_view name) noexcept {
  const std::size_t n = name.size();
  if (n < 2 || n > 25) return FieldId::other;
  const char first = ascii_lower(name[0]);
  if (first != 't' && first != 'c' && first != 'b' && first != 'd' && first != 'f' &&
      first != 's' && first != 'r' && first != 'm' && first != 'i')
    return FieldId::other;
  for (const auto& known : kKnownFields) {
    if (known.name.size() == n && known.name[0] == first && iequals(known.name, name))
      return known.id;
  }
  return FieldId::other;
}

std::string HeaderField::value() const {
  return unfold_trim(raw_value);
}

const HeaderField* Header::find(FieldId id) const noexcept {
  for (const auto& f : fields_)
    if (f.id == id) return &f;
  return nullptr;
}

const HeaderField* Header::find_last(FieldId id) const noexcept {
  for (auto it = fields_.rbegin(); it != fields_.rend(); ++it)
    if (it->id == id) return &*it;
  return nullptr;
}

const HeaderField* Header::find(std::string_view name) const noexcept {
  const FieldId id = field_id(name);
  if (id != FieldId::other) return find(id);
  for (const auto& f : fields_)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

std::vector<const HeaderField*> Header::find_all(std::string_view name) const {
  std::vector<const HeaderField*> out;
  for (const auto& f : fields_)
    if (iequals(f.name, name)) out.push_back(&f);
  return out;
}

std::size_t Header::count(std::string_view name) const noexcept {
  std::size_t n = 0;
  for (const auto& f : fields_)
    if (iequals(f.name, name)) ++n;
  return n;
}

class HeaderParser {
 public:
  HeaderParser(std::string_view data, const HeaderLimits& limits, HeaderStop stop)
      : data_(data), limits_(limits), stop_(stop) {}

  Header run() {
    const char* base = data_.data();
    const std::size_t n = data_.size();
    std::size_t pos = 0;
    while (pos < n) {
      const void* nl = std::memchr(base + pos, '\n', n - pos);
      const std::size_t eol =
          nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - base) : n;
      std::size_t line_end = eol;
      if (nl && line_end > pos && base[line_end - 1] == '\r') --line_end;
      const std::size_t next = nl ? eol + 1 : n;
      if (line_end == pos) {
        // The empty line: end of the block.
        finish();
        header_.size_ = next;
        header_.has_separator_ = true;
        return std::move(header_);
      }
      const std::string_view line(base + pos, line_end - pos);
      if (stop_.stop && stop_.stop(stop_.context, line)) {
        finish();
        header_.size_ = pos;
        return std::move(header_);
      }
      if (is_wsp(line[0])) {
        if (open_) {
          value_end_ = line_end;
        } else {
          ++header_.malformed_;
        }
      } else {
        finish();
        start_line(pos, line);
      }
      pos = next;
    }
    finish();
    header_.size_ = n;
    return std::move(header_);
  }

 private:
  void start_line(std::size_t pos, std::string_view line) {
    const void* colon = std::memchr(line.data(), ':', line.size());
    if (!colon) {
      ++header_.malformed_;
      return;
    }
    const std::size_t name_len =
        static_cast<std::size_t>(static_cast<const char*>(colon) - line.data());
    std::size_t trimmed = name_len;
    while (trimmed > 0 && is_wsp(line[trimmed - 1]))
      --trimmed;
    const std::string_view name = line.substr(0, trimmed);
    if (!valid_name(name)) {
      ++header_.malformed_;
      return;
    }
    open_ = true;
    start_ = pos;
    name_ = name;
    value_start_ = pos + name_len + 1;
    value_end_ = pos + line.size();
  }

  void finish() {
    if (!open_) return;
    open_ = false;
    if (value_end_ - start_ > limits_.max_field_size ||
        header_.fields_.size() >= limits_.max_fields) {
      ++header_.dropped_;
      return;
    }
    if (header_.fields_.empty()) header_.fields_.reserve(16);
    header_.fields_.push_back(HeaderField{
        name_, data_.substr(value_start_, value_end_ - value_start_), start_, field_id(name_)});
  }

  std::string_view data_;
  const HeaderLimits& limits_;
  HeaderStop stop_;
  Header header_;
  bool open_ = false;
  std::size_t start_ = 0;
  std::string_view name_;
  std::size_t value_start_ = 0;
  std::size_t value_end_ = 0;
};

Header parse_header(std::string_view data, const HeaderLimits& limits) {
  return HeaderParser(data, limits, HeaderStop{}).run();
}

Header parse_header(std::string_view data, const HeaderLimits& limits, HeaderStop stop) {
  return HeaderParser(data, limits, stop).run();
}

std::string_view trim_wsp(std::string_view s) noexcept {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && ws(s[b]))
    ++b;
  while (e > b && ws(s[e - 1]))
    --e;
  return s.substr(b, e - b);
}

std::string unfold(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    if (c == '\n') continue;
    out.push_back(c);
  }
  return out;
}

std::string unfold_trim(std::string_view raw) {
  const std::string_view t = trim_wsp(raw);
  if (t.find('\n') == std::string_view::npos) return std::string(t);
  return unfold(t);
}

}  // namespace facteur::mail
