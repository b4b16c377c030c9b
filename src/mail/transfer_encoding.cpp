#include "mail/transfer_encoding.hpp"

#include <array>

#include "base/strings.hpp"

namespace facteur::mail {

namespace {

constexpr std::uint8_t kInvalid = 0xFF;
constexpr std::uint8_t kPad = 0xFE;

constexpr std::array<std::uint8_t, 256> make_base64_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t)
    v = kInvalid;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < kAlphabet.size(); ++i)
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  t['='] = kPad;
  return t;
}

constexpr auto kBase64Table = make_base64_table();
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHexUpper[] = "0123456789ABCDEF";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_wsp(char c) noexcept {
  return c == ' ' || c == '\t';
}

}  // namespace

TransferEncoding parse_transfer_encoding(std::string_view raw) noexcept {
  // Skip whitespace and comments around a single token.
  std::size_t i = 0;
  auto skip = [&] {
    while (i < raw.size()) {
      const char c = raw[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++i;
      } else if (c == '(') {
        int depth = 0;
        while (i < raw.size()) {
          const char d = raw[i++];
          if (d == '\\' && i < raw.size()) {
            ++i;
          } else if (d == '(') {
            ++depth;
          } else if (d == ')' && --depth == 0) {
            break;
          }
        }
      } else {
        break;
      }
    }
  };
  skip();
  const std::size_t start = i;
  while (i < raw.size() && raw[i] != ' ' && raw[i] != '\t' && raw[i] != '\r' && raw[i] != '\n' &&
         raw[i] != '(' && raw[i] != ';')
    ++i;
  const std::string_view token = raw.substr(start, i - start);
  if (token.empty() || iequals(token, "7bit")) return TransferEncoding::seven_bit;
  if (iequals(token, "8bit")) return TransferEncoding::eight_bit;
  if (iequals(token, "binary")) return TransferEncoding::binary;
  if (iequals(token, "quoted-printable")) return TransferEncoding::quoted_printable;
  if (iequals(token, "base64")) return TransferEncoding::base64;
  return TransferEncoding::other;
}

std::string_view to_string(TransferEncoding e) noexcept {
  switch (e) {
    case TransferEncoding::seven_bit:
      return "7bit";
    case TransferEncoding::eight_bit:
      return "8bit";
    case TransferEncoding::binary:
      return "binary";
    case TransferEncoding::quoted_printable:
      return "quoted-printable";
    case TransferEncoding::base64:
      return "base64";
    case TransferEncoding::other:
      return "x-unknown";
  }
  return "7bit";
}

void Base64Decoder::feed(std::string_view in, std::string& out) {
  out.reserve(out.size() + in.size() / 4 * 3 + 3);
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = p + in.size();
  std::uint32_t acc = acc_;
  int bits = bits_;
  while (p < end) {
    // Whole quanta of valid digits: the common case, four at a time.
    if (bits == 0) {
      while (end - p >= 4) {
        const std::uint8_t a = kBase64Table[p[0]];
        const std::uint8_t b = kBase64Table[p[1]];
        const std::uint8_t c = kBase64Table[p[2]];
        const std::uint8_t d = kBase64Table[p[3]];
        if ((a | b | c | d) & 0xC0) break;
        const std::uint32_t v =
            (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) | (std::uint32_t{c} << 6) | d;
        const char bytes[3] = {static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                               static_cast<char>(v)};
        out.append(bytes, 3);
        p += 4;
      }
      if (p >= end) break;
    }
    const std::uint8_t v = kBase64Table[*p++];
    if (v < 64) {
      acc = (acc << 6) | v;
      if (++bits == 4) {
        const char bytes[3] = {static_cast<char>(acc >> 16), static_cast<char>(acc >> 8),
                               static_cast<char>(acc)};
        out.append(bytes, 3);
        acc = 0;
        bits = 0;
      }
    } else if (v == kPad && bits > 0) {
      acc_ = acc;
      bits_ = bits;
      finish(out);
      acc = 0;
      bits = 0;
    }
  }
  acc_ = acc;
  bits_ = bits;
}

void Base64Decoder::finish(std::string& out) {
  if (bits_ == 2) {
    out.push_back(static_cast<char>(acc_ >> 4));
  } else if (bits_ == 3) {
    out.push_back(static_cast<char>(acc_ >> 10));
    out.push_back(static_cast<char>(acc_ >> 2));
  }
  acc_ = 0;
  bits_ = 0;
}

void QuotedPrintableDecoder::feed(std::string_view data, std::string& out) {
  const std::size_t n = data.size();
  out.reserve(out.size() + n);
  std::size_t i = 0;
  while (i < n) {
    const char c = data[i];
    switch (state_) {
      case State::normal: {
        std::size_t j = i;
        while (j < n && data[j] != '=' && !is_wsp(data[j]))
          ++j;
        out.append(data.substr(i, j - i));
        if (j == n) return;
        if (data[j] == '=') {
          state_ = State::eq;
        } else {
          held_.assign(1, data[j]);
          state_ = State::ws;
        }
        i = j + 1;
        continue;
      }
      case State::ws:
        if (is_wsp(c)) {
          held_.push_back(c);
        } else if (c == '\n') {
          out.push_back('\n');  // trailing whitespace before a hard break is dropped
          state_ = State::normal;
        } else if (c == '\r') {
          state_ = State::ws_cr;
        } else {
          out.append(held_);
          state_ = State::normal;
          continue;  // reprocess c
        }
        break;
      case State::ws_cr:
        if (c == '\n') {
          out.append("\r\n");
          state_ = State::normal;
          break;
        }
        out.append(held_);
        out.push_back('\r');
        state_ = State::normal;
        continue;
      case State::eq:
        if (c == '\n') {
          state_ = State::normal;  // soft line break
        } else if (c == '\r') {
          held_.clear();
          state_ = State::eq_cr;
        } else if (is_wsp(c)) {
          held_.assign(1, c);
          state_ = State::eq_ws;
        } else if (hex_value(c) >= 0) {
          hex1_ = c;
          state_ = State::eq_hex;
        } else {
          out.push_back('=');  // malformed escape: kept literally
          state_ = State::normal;
          continue;
        }
        break;
      case State::eq_hex:
        state_ = State::normal;
        if (hex_value(c) >= 0) {
          out.push_back(static_cast<char>(hex_value(hex1_) * 16 + hex_value(c)));
          break;
        }
        out.push_back('=');
        out.push_back(hex1_);
        continue;
      case State::eq_ws:
        if (is_wsp(c)) {
          held_.push_back(c);
        } else if (c == '\n') {
          state_ = State::normal;  // "=" and whitespace before the break: still soft
        } else if (c == '\r') {
          state_ = State::eq_cr;
        } else {
          out.push_back('=');
          out.append(held_);
          state_ = State::normal;
          continue;
        }
        break;
      case State::eq_cr:
        state_ = State::normal;
        if (c == '\n') break;
        out.push_back('=');
        out.append(held_);
        out.push_back('\r');
        continue;
    }
    ++i;
  }
}

void QuotedPrintableDecoder::finish(std::string& out) {
  switch (state_) {
    case State::ws_cr:
      out.push_back('\r');
      break;  // the whitespace before it was trailing
    case State::eq_hex:
      out.push_back('=');
      out.push_back(hex1_);
      break;
    default:
      break;  // trailing whitespace and a final soft break are dropped
  }
  state_ = State::normal;
  held_.clear();
}

std::string decode_base64(std::string_view in) {
  std::string out;
  Base64Decoder d;
  d.feed(in, out);
  d.finish(out);
  return out;
}

std::string decode_quoted_printable(std::string_view in) {
  std::string out;
  QuotedPrintableDecoder d;
  d.feed(in, out);
  d.finish(out);
  return out;
}

std::string decode_transfer(std::string_view body, TransferEncoding encoding) {
  switch (encoding) {
    case TransferEncoding::base64:
      return decode_base64(body);
    case TransferEncoding::quoted_printable:
      return decode_quoted_printable(body);
    default:
      return std::string(body);
  }
}

std::size_t decoded_size(std::string_view body, TransferEncoding encoding) {
  if (!needs_decoding(encoding)) return body.size();
  constexpr std::size_t kChunk = 64 * 1024;
  std::string scratch;
  std::size_t total = 0;
  Base64Decoder b64;
  QuotedPrintableDecoder qp;
  for (std::size_t off = 0; off < body.size(); off += kChunk) {
    scratch.clear();
    const std::string_view chunk = body.substr(off, kChunk);
    if (encoding == TransferEncoding::base64) {
      b64.feed(chunk, scratch);
    } else {
      qp.feed(chunk, scratch);
    }
    total += scratch.size();
  }
  scratch.clear();
  if (encoding == TransferEncoding::base64) {
    b64.finish(scratch);
  } else {
    qp.finish(scratch);
  }
  return total + scratch.size();
}

std::string encode_base64(std::string_view in, std::size_t line_length) {
  std::string out;
  const std::size_t encoded = (in.size() + 2) / 3 * 4;
  out.reserve(encoded + (line_length ? encoded / line_length * 2 + 2 : 0));
  std::size_t column = 0;
  auto put = [&](char c) {
    out.push_back(c);
    if (line_length && ++column == line_length) {
      out.append("\r\n");
      column = 0;
    }
  };
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    put(kBase64Alphabet[v >> 18]);
    put(kBase64Alphabet[(v >> 12) & 63]);
    put(kBase64Alphabet[(v >> 6) & 63]);
    put(kBase64Alphabet[v & 63]);
  }
  if (i < in.size()) {
    std::uint32_t v = std::uint32_t{p[i]} << 16;
    if (i + 1 < in.size()) v |= std::uint32_t{p[i + 1]} << 8;
    put(kBase64Alphabet[v >> 18]);
    put(kBase64Alphabet[(v >> 12) & 63]);
    put(i + 1 < in.size() ? kBase64Alphabet[(v >> 6) & 63] : '=');
    put('=');
  }
  if (line_length && column > 0) out.append("\r\n");
  return out;
}

std::string encode_quoted_printable(std::string_view in, bool binary) {
  constexpr std::size_t kMaxLine = 76;
  std::string out;
  out.reserve(in.size() + in.size() / 8 + 8);
  std::size_t column = 0;
  auto emit = [&](std::string_view piece) {
    // A soft break keeps every line within 76 characters, '=' included.
    if (column + piece.size() > kMaxLine - 1) {
      out.append("=\r\n");
      column = 0;
    }
    out.append(piece);
    column += piece.size();
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (!binary && (c == '\n' || (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n'))) {
      if (c == '\r') ++i;
      out.append("\r\n");
      column = 0;
      continue;
    }
    const bool at_line_end = i + 1 == in.size() || in[i + 1] == '\n' ||
                             (in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n');
    const bool literal =
        (c >= 33 && c <= 126 && c != '=') ||
        ((c == ' ' || c == '\t') && !(at_line_end && !binary) && i + 1 != in.size());
    // "From " at a line start would be mangled by mbox writers, a lone '.' by SMTP.
    const bool line_start_hazard =
        column == 0 && ((c == 'F' && in.substr(i, 5) == "From ") || c == '.');
    if (literal && !line_start_hazard) {
      const char ch = static_cast<char>(c);
      emit(std::string_view(&ch, 1));
    } else {
      const char esc[3] = {'=', kHexUpper[c >> 4], kHexUpper[c & 15]};
      emit(std::string_view(esc, 3));
    }
  }
  return out;
}

}  // namespace facteur::mail
