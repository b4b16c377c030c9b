#include "mail/charset.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iconv.h>

#include "base/strings.hpp"

namespace facteur::mail {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// windows-1252 0x80-0x9F (WHATWG index); the five holes map to the C1 controls.
constexpr std::array<char16_t, 32> kCp1252High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

enum class Kind { unknown, utf8, cp1252, iconv };

struct Resolved {
  Kind kind = Kind::unknown;
  std::string_view iconv_name;  // for Kind::iconv; empty: use the normalised name itself
};

// Labels whose decoding we handle ourselves or redirect to a superset iconv knows better.
// ASCII and latin-1 labels decode as windows-1252, as browsers do (WHATWG Encoding): mail
// labelled iso-8859-1 routinely carries cp1252 quotes and dashes in 0x80-0x9F.
struct Alias {
  std::string_view label;
  Kind kind;
  std::string_view iconv_name;
};
constexpr Alias kAliases[] = {
    {"utf-8", Kind::utf8, {}},
    {"utf8", Kind::utf8, {}},
    {"unicode-1-1-utf-8", Kind::utf8, {}},
    {"x-unicode20utf8", Kind::utf8, {}},
    {"us-ascii", Kind::cp1252, {}},
    {"ascii", Kind::cp1252, {}},
    {"ansi_x3.4-1968", Kind::cp1252, {}},
    {"iso646-us", Kind::cp1252, {}},
    {"us", Kind::cp1252, {}},
    {"iso-8859-1", Kind::cp1252, {}},
    {"iso8859-1", Kind::cp1252, {}},
    {"iso_8859-1", Kind::cp1252, {}},
    {"iso88591", Kind::cp1252, {}},
    {"iso_8859-1:1987", Kind::cp1252, {}},
    {"latin1", Kind::cp1252, {}},
    {"latin-1", Kind::cp1252, {}},
    {"l1", Kind::cp1252, {}},
    {"cp819", Kind::cp1252, {}},
    {"ibm819", Kind::cp1252, {}},
    {"windows-1252", Kind::cp1252, {}},
    {"cp1252", Kind::cp1252, {}},
    {"x-cp1252", Kind::cp1252, {}},
    {"gb2312", Kind::iconv, "GB18030"},
    {"gbk", Kind::iconv, "GB18030"},
    {"x-gbk", Kind::iconv, "GB18030"},
    {"cp936", Kind::iconv, "GB18030"},
    {"euc-cn", Kind::iconv, "GB18030"},
    {"ks_c_5601-1987", Kind::iconv, "CP949"},
    {"ks_c_5601", Kind::iconv, "CP949"},
    {"euc-kr", Kind::iconv, "CP949"},
    {"shift_jis", Kind::iconv, "CP932"},
    {"shift-jis", Kind::iconv, "CP932"},
    {"sjis", Kind::iconv, "CP932"},
    {"x-sjis", Kind::iconv, "CP932"},
    {"ms_kanji", Kind::iconv, "CP932"},
    {"x-euc-jp", Kind::iconv, "EUC-JP"},
    {"big5", Kind::iconv, "BIG5-HKSCS"},
    {"x-x-big5", Kind::iconv, "BIG5-HKSCS"},
    {"iso-8859-8-i", Kind::iconv, "ISO-8859-8"},
    {"iso-8859-6-i", Kind::iconv, "ISO-8859-6"},
    {"x-mac-roman", Kind::iconv, "MACINTOSH"},
    {"tis-620", Kind::iconv, "CP874"},
    {"iso-8859-11", Kind::iconv, "CP874"},
    {"windows-874", Kind::iconv, "CP874"},
};

// Charset names come from hostile input and reach iconv_open: keep them short and plain
// (no "//TRANSLIT" suffixes or paths).
bool plausible_name(std::string_view name) {
  if (name.empty() || name.size() > 40) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
              u == '-' || u == '_' || u == '.' || u == ':' || u == '+';
    if (!ok) return false;
  }
  return true;
}

// Strips quotes and spaces some mailers leave around a charset parameter.
std::string_view clean_name(std::string_view name) {
  name = trim(name);
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
    name = trim(name.substr(1, name.size() - 2));
  return name;
}

Resolved resolve(std::string_view name) {
  for (const auto& a : kAliases)
    if (iequals(a.label, name)) return {a.kind, a.iconv_name};
  return {Kind::iconv, {}};
}

// Decodes UTF-8, replacing each maximal invalid subpart by one U+FFFD (Unicode §3.9).
void decode_utf8_into(std::string& out, std::string_view in) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = p + in.size();
  while (p < end) {
    const auto* run = p;
    while (p < end && *p < 0x80)
      ++p;
    if (p != run) out.append(reinterpret_cast<const char*>(run), std::size_t(p - run));
    if (p == end) break;
    unsigned char c = *p;
    std::size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      out.append(kReplacement);
      ++p;
      continue;
    }
    std::size_t i = 1;
    for (; i <= need && p + i < end; ++i) {
      unsigned char b = p[i];
      if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) break;
    }
    if (i == need + 1) {
      out.append(reinterpret_cast<const char*>(p), need + 1);
    } else {
      out.append(kReplacement);
    }
    p += i;
  }
}

void decode_cp1252_into(std::string& out, std::string_view in) {
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else if (c < 0xA0) {
      append_code_point(out, kCp1252High[c - 0x80]);
    } else {
      out.push_back(char(0xC0 | (c >> 6)));
      out.push_back(char(0x80 | (c & 0x3F)));
    }
  }
}

// Per-thread cache of iconv descriptors, with negative entries so that junk charset names in
// hostile mail do not cost an iconv_open each.
class IconvCache {
 public:
  IconvCache() = default;
  IconvCache(const IconvCache&) = delete;
  IconvCache& operator=(const IconvCache&) = delete;
  ~IconvCache() {
    for (auto& e : entries_)
      if (e.cd != invalid()) iconv_close(e.cd);
  }

  // nullptr-like invalid() when the charset is unknown.
  iconv_t get(std::string_view name) {
    for (auto& e : entries_) {
      if (e.used && iequals(std::string_view(e.name.data(), e.name_len), name)) {
        e.stamp = ++clock_;
        if (e.cd != invalid()) iconv(e.cd, nullptr, nullptr, nullptr, nullptr);  // reset state
        return e.cd;
      }
    }
    char buf[48];
    std::memcpy(buf, name.data(), name.size());
    buf[name.size()] = '\0';
    iconv_t cd = iconv_open("UTF-8", buf);
    Entry* victim = &entries_[0];
    for (auto& e : entries_) {
      if (!e.used) {
        victim = &e;
        break;
      }
      if (e.stamp < victim->stamp) victim = &e;
    }
    if (victim->used && victim->cd != invalid()) iconv_close(victim->cd);
    victim->used = true;
    victim->cd = cd;
    std::memcpy(victim->name.data(), name.data(), name.size());
    victim->name_len = name.size();
    victim->stamp = ++clock_;
    return cd;
  }

  static iconv_t invalid() { return reinterpret_cast<iconv_t>(-1); }

 private:
  struct Entry {
    bool used = false;
    iconv_t cd = invalid();
    std::array<char, 48> name{};
    std::size_t name_len = 0;
    std::uint64_t stamp = 0;
  };
  std::array<Entry, 12> entries_{};
  std::uint64_t clock_ = 0;
};

IconvCache& cache() {
  thread_local IconvCache instance;
  return instance;
}

void convert_with_iconv(std::string& out, std::string_view in, iconv_t cd) {
  auto* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  std::size_t base = out.size();
  std::size_t room = in.size() * 3 + 16;
  out.resize(base + room);
  std::size_t used = base;
  while (true) {
    char* dst = out.data() + used;
    std::size_t dst_left = out.size() - used;
    std::size_t rc = src_left ? iconv(cd, &src, &src_left, &dst, &dst_left)
                              : iconv(cd, nullptr, nullptr, &dst, &dst_left);  // flush
    int err = errno;
    used = std::size_t(dst - out.data());
    if (rc != static_cast<std::size_t>(-1)) {
      if (src_left == 0) {
        // Flush any pending state (stateful encodings) once input is done.
        char* fdst = out.data() + used;
        std::size_t fleft = out.size() - used;
        if (iconv(cd, nullptr, nullptr, &fdst, &fleft) != static_cast<std::size_t>(-1)) {
          used = std::size_t(fdst - out.data());
          break;
        }
        if (errno == E2BIG) {
          out.resize(out.size() + 64);
          continue;
        }
        break;
      }
      continue;
    }
    if (err == E2BIG) {
      out.resize(out.size() + src_left * 3 + 64);
      continue;
    }
    // EILSEQ (invalid) or EINVAL (truncated at the end): one U+FFFD, skip a byte, go on.
    if (out.size() - used < kReplacement.size()) out.resize(out.size() + 64);
    std::memcpy(out.data() + used, kReplacement.data(), kReplacement.size());
    used += kReplacement.size();
    if (err == EINVAL || src_left == 0) {
      src_left = 0;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
      break;
    }
    ++src;
    --src_left;
    if (src_left == 0) break;
  }
  out.resize(used);
  // Some converters pass through what is not UTF-8 any more (glibc reads the obsolete 5- and
  // 6-byte forms, beyond U+10FFFF, and writes them back): what we return must be valid.
  std::string_view produced(out.data() + base, used - base);
  if (!is_valid_utf8(produced)) {
    std::string bad(produced);
    out.resize(base);
    decode_utf8_into(out, bad);
  }
}

}  // namespace

void append_code_point(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp >= 0xD800 && cp <= 0xDFFF) {
    out.append(kReplacement);
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp <= 0x10FFFF) {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.append(kReplacement);
  }
}

bool is_valid_utf8(std::string_view bytes) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end) {
    // ASCII fast path, 8 bytes at a time.
    while (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      if (word & 0x8080808080808080ull) break;
      p += 8;
    }
    if (p == end) break;
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (std::size_t(end - p) <= need) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i <= need; ++i)
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    p += need + 1;
  }
  return true;
}

std::string sanitize_utf8(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 8);
  decode_utf8_into(out, bytes);
  return out;
}

bool is_known_charset(std::string_view charset) {
  charset = clean_name(charset);
  if (!plausible_name(charset)) return false;
  Resolved r = resolve(charset);
  if (r.kind != Kind::iconv) return true;
  return cache().get(r.iconv_name.empty() ? charset : r.iconv_name) != IconvCache::invalid();
}

bool append_utf8(std::string& out, std::string_view bytes, std::string_view charset) {
  charset = clean_name(charset);
  if (!plausible_name(charset)) return false;
  Resolved r = resolve(charset);
  switch (r.kind) {
    case Kind::utf8:
      decode_utf8_into(out, bytes);
      return true;
    case Kind::cp1252:
      decode_cp1252_into(out, bytes);
      return true;
    case Kind::iconv: {
      iconv_t cd = cache().get(r.iconv_name.empty() ? charset : r.iconv_name);
      if (cd == IconvCache::invalid()) return false;
      convert_with_iconv(out, bytes, cd);
      return true;
    }
    case Kind::unknown:
      break;
  }
  return false;
}

Result<std::string> to_utf8(std::string_view bytes, std::string_view charset) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 4 + 8);
  if (!append_utf8(out, bytes, charset))
    return make_error(Errc::not_found, "unknown charset \"" +
                                           sanitize_utf8(clean_name(charset).substr(0, 64)) + "\"");
  return out;
}

}  // namespace facteur::mail
