#include "dns/message.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.hpp"

namespace facteur::dns {
namespace {

class Reader {
 public:
  Reader(std::string_view packet, const MessageLimits& limits) : p_(packet), limits_(limits) {}

  bool u8(std::uint8_t& v) {
    if (pos_ + 1 > p_.size()) return false;
    v = static_cast<std::uint8_t>(p_[pos_++]);
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (pos_ + 2 > p_.size()) return false;
    v = static_cast<std::uint16_t>((byte(pos_) << 8) | byte(pos_ + 1));
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (pos_ + 4 > p_.size()) return false;
    v = (std::uint32_t(byte(pos_)) << 24) | (std::uint32_t(byte(pos_ + 1)) << 16) |
        (std::uint32_t(byte(pos_ + 2)) << 8) | std::uint32_t(byte(pos_ + 3));
    pos_ += 4;
    return true;
  }
  bool bytes(std::size_t n, std::string& out) {
    if (n > p_.size() - pos_) return false;
    out.assign(p_.substr(pos_, n));
    pos_ += n;
    return true;
  }

  // A possibly compressed name; pointers must go backwards (RFC 1035 §4.1.4 only allows prior
  // occurrences), which also rules out loops; the jump count is bounded anyway.
  bool name(std::string& out) {
    out.clear();
    std::size_t at = pos_;
    bool jumped = false;
    std::size_t jumps = 0;
    std::size_t wire_length = 1;
    for (;;) {
      if (at >= p_.size()) return false;
      std::uint8_t len = byte(at);
      if ((len & 0xC0) == 0xC0) {
        if (at + 1 >= p_.size()) return false;
        std::size_t target = (std::size_t(len & 0x3F) << 8) | byte(at + 1);
        if (!jumped) pos_ = at + 2;
        jumped = true;
        if (target >= at || ++jumps > limits_.max_compression_jumps) return false;
        at = target;
        continue;
      }
      if ((len & 0xC0) != 0) return false;  // 0x40/0x80: extended label types are obsolete
      if (len == 0) {
        if (!jumped) pos_ = at + 1;
        return true;
      }
      if (at + 1 + len > p_.size()) return false;
      wire_length += len + 1;
      if (wire_length > 255) return false;
      if (!out.empty()) out.push_back('.');
      append_label(out, p_.substr(at + 1, len));
      at += 1 + len;
    }
  }

  std::size_t pos() const { return pos_; }
  void seek(std::size_t pos) { pos_ = pos; }
  std::size_t size() const { return p_.size(); }

 private:
  std::uint8_t byte(std::size_t i) const { return static_cast<std::uint8_t>(p_[i]); }

  static void append_label(std::string& out, std::string_view label) {
    for (char c : label) {
      auto u = static_cast<unsigned char>(c);
      if (c == '.' || c == '\\') {
        out.push_back('\\');
        out.push_back(c);
      } else if (u <= 0x20 || u >= 0x7F) {
        out += fmt::format("\\{:03d}", u);
      } else {
        out.push_back(c);
      }
    }
  }

  std::string_view p_;
  const MessageLimits& limits_;
  std::size_t pos_ = 0;
};

bool parse_rdata(Reader& r, Record& rec, std::uint16_t rdlength) {
  const std::size_t end = r.pos() + rdlength;
  if (end > r.size()) return false;
  switch (static_cast<RType>(rec.type)) {
    case RType::a: {
      if (rdlength != 4) return false;
      std::uint32_t v = 0;
      r.u32(v);
      rec.data = boost::asio::ip::address_v4(v);
      break;
    }
    case RType::aaaa: {
      if (rdlength != 16) return false;
      std::string raw;
      r.bytes(16, raw);
      boost::asio::ip::address_v6::bytes_type b;
      for (std::size_t i = 0; i < 16; ++i)
        b[i] = static_cast<unsigned char>(raw[i]);
      rec.data = boost::asio::ip::address_v6(b);
      break;
    }
    case RType::cname:
    case RType::ptr:
    case RType::ns: {
      NameData d;
      if (!r.name(d.name)) return false;
      rec.data = std::move(d);
      break;
    }
    case RType::mx: {
      MxData d;
      if (!r.u16(d.preference) || !r.name(d.exchange)) return false;
      rec.data = std::move(d);
      break;
    }
    case RType::txt: {
      TxtData d;
      while (r.pos() < end) {
        std::uint8_t len = 0;
        std::string s;
        if (!r.u8(len) || r.pos() + len > end || !r.bytes(len, s)) return false;
        d.strings.push_back(std::move(s));
      }
      rec.data = std::move(d);
      break;
    }
    case RType::tlsa: {
      TlsaData d;
      if (rdlength < 3) return false;
      r.u8(d.usage);
      r.u8(d.selector);
      r.u8(d.matching_type);
      r.bytes(rdlength - 3, d.association);
      rec.data = std::move(d);
      break;
    }
    case RType::soa: {
      SoaData d;
      if (!r.name(d.mname) || !r.name(d.rname) || !r.u32(d.serial) || !r.u32(d.refresh) ||
          !r.u32(d.retry) || !r.u32(d.expire) || !r.u32(d.minimum))
        return false;
      rec.data = std::move(d);
      break;
    }
    default: {
      RawData d;
      r.bytes(rdlength, d.bytes);
      rec.data = std::move(d);
      break;
    }
  }
  return r.pos() == end;  // RDATA must be consumed exactly
}

bool parse_record(Reader& r, Record& rec) {
  std::uint16_t rdlength = 0;
  if (!r.name(rec.name) || !r.u16(rec.type) || !r.u16(rec.rclass) || !r.u32(rec.ttl) ||
      !r.u16(rdlength))
    return false;
  // RFC 2181 §8: a TTL with the top bit set is treated as zero.
  if (rec.ttl & 0x80000000u) rec.ttl = 0;
  return parse_rdata(r, rec, rdlength);
}

// Splits a presentation name into wire labels, honouring "\." and "\DDD" escapes.
bool encode_name(std::string_view name, std::string& out) {
  if (name == "." || name.empty()) {
    out.push_back('\0');
    return true;
  }
  if (name.back() == '.' && !(name.size() >= 2 && name[name.size() - 2] == '\\')) {
    name.remove_suffix(1);
  }
  std::string label;
  std::size_t total = 1;
  auto flush = [&]() {
    if (label.empty() || label.size() > 63) return false;
    total += label.size() + 1;
    out.push_back(static_cast<char>(label.size()));
    out += label;
    label.clear();
    return true;
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '\\' && i + 1 < name.size()) {
      if (i + 3 < name.size() && ascii_digit(name[i + 1]) && ascii_digit(name[i + 2]) &&
          ascii_digit(name[i + 3])) {
        int v = (name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 + (name[i + 3] - '0');
        if (v > 255) return false;
        label.push_back(static_cast<char>(v));
        i += 3;
      } else {
        label.push_back(name[++i]);
      }
    } else if (c == '.') {
      if (!flush()) return false;
    } else {
      label.push_back(c);
    }
  }
  if (!flush()) return false;
  out.push_back('\0');
  return total <= 255;
}

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
}

void encode_rdata(const Record& rec, std::string& out) {
  std::string rd;
  std::visit(
      [&](const auto& d) {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, RawData>) {
          rd = d.bytes;
        } else if constexpr (std::is_same_v<T, boost::asio::ip::address_v4>) {
          put32(rd, d.to_uint());
        } else if constexpr (std::is_same_v<T, boost::asio::ip::address_v6>) {
          for (auto b : d.to_bytes())
            rd.push_back(static_cast<char>(b));
        } else if constexpr (std::is_same_v<T, NameData>) {
          encode_name(d.name, rd);
        } else if constexpr (std::is_same_v<T, MxData>) {
          put16(rd, d.preference);
          encode_name(d.exchange, rd);
        } else if constexpr (std::is_same_v<T, TxtData>) {
          for (const auto& s : d.strings) {
            rd.push_back(static_cast<char>(std::min<std::size_t>(s.size(), 255)));
            rd += s.substr(0, 255);
          }
        } else if constexpr (std::is_same_v<T, TlsaData>) {
          rd.push_back(static_cast<char>(d.usage));
          rd.push_back(static_cast<char>(d.selector));
          rd.push_back(static_cast<char>(d.matching_type));
          rd += d.association;
        } else if constexpr (std::is_same_v<T, SoaData>) {
          encode_name(d.mname, rd);
          encode_name(d.rname, rd);
          put32(rd, d.serial);
          put32(rd, d.refresh);
          put32(rd, d.retry);
          put32(rd, d.expire);
          put32(rd, d.minimum);
        }
      },
      rec.data);
  put16(out, static_cast<std::uint16_t>(rd.size()));
  out += rd;
}

}  // namespace

bool is_queryable_name(std::string_view name) noexcept {
  if (name.empty() || name == ".") return false;
  if (name.back() == '.') name.remove_suffix(1);
  if (name.size() > 253) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (++label > 63) {
      return false;
    }
  }
  return label > 0;
}

Result<Message> parse_message(std::string_view packet, const MessageLimits& limits) {
  Reader r(packet, limits);
  Message m;
  std::uint16_t id = 0, flags = 0, qd = 0, an = 0, ns = 0, ar = 0;
  if (!r.u16(id) || !r.u16(flags) || !r.u16(qd) || !r.u16(an) || !r.u16(ns) || !r.u16(ar)) {
    return make_error(Errc::parse_error, "dns: message shorter than its header");
  }
  m.header.id = id;
  m.header.qr = flags & 0x8000;
  m.header.opcode = (flags >> 11) & 0xF;
  m.header.aa = flags & 0x0400;
  m.header.tc = flags & 0x0200;
  m.header.rd = flags & 0x0100;
  m.header.ra = flags & 0x0080;
  m.header.ad = flags & 0x0020;
  m.header.rcode = flags & 0xF;
  if (std::size_t(qd) + an + ns + ar > limits.max_records) {
    return make_error(Errc::parse_error, "dns: too many records");
  }
  for (std::uint16_t i = 0; i < qd; ++i) {
    Question q;
    if (!r.name(q.name) || !r.u16(q.type) || !r.u16(q.qclass)) {
      return make_error(Errc::parse_error, "dns: truncated question");
    }
    m.questions.push_back(std::move(q));
  }
  auto section = [&](std::uint16_t count, std::vector<Record>& out) {
    out.reserve(count);
    for (std::uint16_t i = 0; i < count; ++i) {
      Record rec;
      if (!parse_record(r, rec)) return false;
      out.push_back(std::move(rec));
    }
    return true;
  };
  if (!section(an, m.answers) || !section(ns, m.authority) || !section(ar, m.additional)) {
    return make_error(Errc::parse_error, "dns: malformed resource record");
  }
  return m;
}

Result<std::string> build_query(std::uint16_t id, std::string_view name, RType type,
                                std::uint16_t udp_payload, bool dnssec_ok) {
  if (!is_queryable_name(name)) {
    return make_error(Errc::invalid_argument, fmt::format("dns: bad query name '{}'", name));
  }
  std::string out;
  put16(out, id);
  const bool do_bit = dnssec_ok && udp_payload != 0;  // DO lives in the OPT record
  put16(out, do_bit ? 0x0120 : 0x0100);               // RD (+ AD, RFC 6840 §5.7)
  put16(out, 1);
  put16(out, 0);
  put16(out, 0);
  put16(out, udp_payload ? 1 : 0);
  if (!encode_name(name, out)) {
    return make_error(Errc::invalid_argument, fmt::format("dns: bad query name '{}'", name));
  }
  put16(out, static_cast<std::uint16_t>(type));
  put16(out, 1);
  if (udp_payload) {
    out.push_back('\0');  // root owner
    put16(out, static_cast<std::uint16_t>(RType::opt));
    put16(out, udp_payload);
    put32(out, do_bit ? 0x8000u : 0u);  // extended RCODE 0, version 0, DO (RFC 3225 §3)
    put16(out, 0);
  }
  return out;
}

bool dnssec_ok(const Message& message) noexcept {
  for (const auto& r : message.additional) {
    if (r.type == static_cast<std::uint16_t>(RType::opt)) return (r.ttl & 0x8000u) != 0;
  }
  return false;
}

std::string encode_message(const Message& m) {
  std::string out;
  put16(out, m.header.id);
  std::uint16_t flags = 0;
  if (m.header.qr) flags |= 0x8000;
  flags |= std::uint16_t((m.header.opcode & 0xF) << 11);
  if (m.header.aa) flags |= 0x0400;
  if (m.header.tc) flags |= 0x0200;
  if (m.header.rd) flags |= 0x0100;
  if (m.header.ra) flags |= 0x0080;
  if (m.header.ad) flags |= 0x0020;
  flags |= m.header.rcode & 0xF;
  put16(out, flags);
  put16(out, static_cast<std::uint16_t>(m.questions.size()));
  put16(out, static_cast<std::uint16_t>(m.answers.size()));
  put16(out, static_cast<std::uint16_t>(m.authority.size()));
  put16(out, static_cast<std::uint16_t>(m.additional.size()));
  for (const auto& q : m.questions) {
    encode_name(q.name, out);
    put16(out, q.type);
    put16(out, q.qclass);
  }
  for (const auto* section : {&m.answers, &m.authority, &m.additional}) {
    for (const auto& rec : *section) {
      encode_name(rec.name, out);
      put16(out, rec.type);
      put16(out, rec.rclass);
      put32(out, rec.ttl);
      encode_rdata(rec, out);
    }
  }
  return out;
}

}  // namespace facteur::dns
