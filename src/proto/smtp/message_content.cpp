#include "proto/smtp/message_content.hpp"

#include <algorithm>
#include <vector>

#include "mail/header.hpp"
#include "mail/mime.hpp"
#include "mail/transfer_encoding.hpp"

namespace facteur::smtp {

namespace {

bool has_8bit(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// The end of the header block: just after the first empty line (or the whole text).
std::size_t header_end(std::string_view message) {
  if (message.starts_with("\r\n")) return 2;
  if (message.starts_with("\n")) return 1;
  auto crlf = message.find("\r\n\r\n");
  auto lf = message.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) return message.size();
  if (lf != std::string_view::npos && (crlf == std::string_view::npos || lf < crlf + 2))
    return lf + 2;
  return crlf + 4;
}

// The encoder's state machine over a sink; counting and writing share it.
template <class Sink>
void encode(std::string_view in, bool dots, bool& line_start, bool& pending_cr, Sink&& sink) {
  std::size_t i = 0;
  while (i < in.size()) {
    if (pending_cr) {
      pending_cr = false;
      sink("\r\n");
      line_start = true;
      if (in[i] == '\n') {
        ++i;
        continue;
      }
    }
    if (line_start && dots && in[i] == '.') sink(".");
    auto stop = in.find_first_of("\r\n", i);
    if (stop == std::string_view::npos) stop = in.size();
    if (stop > i) {
      sink(in.substr(i, stop - i));
      line_start = false;
    }
    i = stop;
    if (i == in.size()) break;
    if (in[i] == '\r') {
      pending_cr = true;
    } else {
      sink("\r\n");
      line_start = true;
    }
    ++i;
  }
}

// A part's header block without its Content-Transfer-Encoding fields, with `cte` added.
std::string rewrite_cte(std::string_view block, std::string_view cte) {
  auto header = mail::parse_header(block);
  std::string out;
  std::size_t pos = 0;
  for (const auto& f : header.fields()) {
    if (f.id != mail::FieldId::content_transfer_encoding) continue;
    std::size_t end =
        static_cast<std::size_t>(f.raw_value.data() + f.raw_value.size() - block.data());
    if (end < block.size() && block[end] == '\r') ++end;
    if (end < block.size() && block[end] == '\n') ++end;
    out.append(block.substr(pos, f.offset - pos));
    pos = end;
  }
  // The empty line that ends the block stays last.
  std::size_t blank = block.size();
  if (header.has_separator()) {
    blank = block.ends_with("\r\n") ? block.size() - 2 : block.size() - 1;
    blank = std::max(blank, pos);
  }
  out.append(block.substr(pos, blank - pos));
  out += "Content-Transfer-Encoding: ";
  out += cte;
  out += "\r\n";
  out.append(block.substr(blank));
  return out;
}

}  // namespace

ContentInfo scan_content(std::string_view message) {
  ContentInfo info;
  info.eight_bit = has_8bit(message);
  info.eight_bit_header = info.eight_bit && has_8bit(message.substr(0, header_end(message)));
  bool line_start = true, pending_cr = false;
  std::uint64_t n = 0;
  encode(message, false, line_start, pending_cr, [&](std::string_view s) { n += s.size(); });
  if (pending_cr || !line_start) n += 2;
  info.wire_size = n;
  return info;
}

void WireEncoder::feed(std::string_view in, std::string& out) {
  encode(in, dots_, line_start_, pending_cr_, [&](std::string_view s) { out.append(s); });
}

void WireEncoder::finish(std::string& out) {
  if (pending_cr_ || !line_start_) out += "\r\n";
  pending_cr_ = false;
  line_start_ = true;
  if (dots_) out += ".\r\n";
}

Result<std::string> convert_to_7bit(std::string_view message) {
  auto tree = mail::parse_mime(message);
  if (tree.truncated())
    return make_error(Errc::invalid_argument, "MIME structure too complex to convert");
  std::string out;
  out.reserve(message.size() + message.size() / 8);
  std::size_t pos = 0;
  for (const auto& part : tree.parts()) {
    const auto& info = part.info;
    if (info.header_begin < pos) continue;  // inside a body already rewritten (cannot happen)
    auto block = message.substr(info.header_begin, info.body_begin - info.header_begin);
    if (has_8bit(block)) return make_error(Errc::invalid_argument, "8-bit octets in header fields");
    auto body = message.substr(info.body_begin, info.body_end - info.body_begin);
    const bool labelled_8bit = info.encoding == mail::TransferEncoding::eight_bit ||
                               info.encoding == mail::TransferEncoding::binary;
    if (info.kind != mail::PartKind::leaf) {
      if (labelled_8bit) {  // RFC 2045 §6.4: a container's encoding says what is inside it
        out.append(message.substr(pos, info.header_begin - pos));
        out += rewrite_cte(block, "7bit");
        pos = info.body_begin;
      }
      continue;
    }
    if (!has_8bit(body)) {
      if (labelled_8bit) {
        out.append(message.substr(pos, info.header_begin - pos));
        out += rewrite_cte(block, "7bit");
        pos = info.body_begin;
      }
      continue;
    }
    out.append(message.substr(pos, info.header_begin - pos));
    if (info.encoding == mail::TransferEncoding::base64) {
      out += block;  // junk octets in base64 are dropped by re-encoding
      out += mail::encode_base64(mail::decode_base64(body));
    } else {
      std::string decoded = info.encoding == mail::TransferEncoding::quoted_printable
                                ? mail::decode_quoted_printable(body)
                                : std::string(body);
      out += rewrite_cte(block, "quoted-printable");
      auto encoded = mail::encode_quoted_printable(decoded);
      // encode_quoted_printable ends with the last line's break when the input did: keep the
      // byte that separates the body from what follows exactly as before.
      out += encoded;
    }
    pos = info.body_end;
  }
  out.append(message.substr(pos));
  if (has_8bit(out))
    return make_error(Errc::invalid_argument, "8-bit octets outside convertible body parts");
  return out;
}

}  // namespace facteur::smtp
