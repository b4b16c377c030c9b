#include "mail/message.hpp"

#include <cstring>

#include "mail/encoded_word.hpp"
#include "mail/envelope.hpp"

namespace facteur::mail {

ParsedMessage parse_message(std::string_view bytes, const Limits& limits) {
  ParsedMessage m;
  m.bytes = bytes;
  m.tree = parse_mime(bytes, limits.mime);
  const Header& h = m.tree.root().header;
  m.envelope = build_envelope(h);
  m.bodystructure = build_bodystructure(m.tree, limits.bodystructure);
  m.body = build_body(m.tree, limits.bodystructure);
  m.part_map = m.tree.part_map();
  if (const HeaderField* f = h.find(FieldId::subject)) {
    std::string unfolded = f->value();
    m.subject =
        may_contain_encoded_words(unfolded) ? decode_encoded_words(unfolded) : std::move(unfolded);
  }
  if (const HeaderField* f = h.find(FieldId::from)) {
    if (auto mailbox = parse_mailbox(f->raw_value)) m.from = std::move(*mailbox);
  }
  if (const HeaderField* f = h.find(FieldId::message_id))
    m.message_id = first_message_id(f->raw_value);
  if (const HeaderField* f = h.find(FieldId::date)) {
    if (auto date = parse_rfc5322_date(f->value())) m.date = *date;
  }
  return m;
}

std::string to_crlf(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 32);
  std::size_t i = 0;
  while (i < bytes.size()) {
    const void* hit = std::memchr(bytes.data() + i, '\n', bytes.size() - i);
    const std::size_t lf =
        hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - bytes.data()) : bytes.size();
    std::string_view line = bytes.substr(i, lf - i);
    if (hit && line.ends_with('\r')) line.remove_suffix(1);
    if (line.find('\r') == std::string_view::npos) {
      out.append(line);
    } else {
      for (char c : line) {  // a lone CR is a line end too
        if (c == '\r') {
          out.append("\r\n");
        } else {
          out.push_back(c);
        }
      }
    }
    if (!hit) break;
    out.append("\r\n");
    i = lf + 1;
  }
  return out;
}

std::string first_message_id(std::string_view raw_value) {
  const std::size_t lt = raw_value.find('<');
  if (lt != std::string_view::npos) {
    const std::size_t gt = raw_value.find('>', lt + 1);
    if (gt != std::string_view::npos) return unfold_trim(raw_value.substr(lt + 1, gt - lt - 1));
  }
  return unfold_trim(raw_value);
}

}  // namespace facteur::mail
