#include "delivery/metadata.hpp"

#include "mail/encoded_word.hpp"
#include "mail/header.hpp"
#include "mail/message.hpp"
#include "mail/text_extract.hpp"

namespace facteur::delivery {
namespace {

// Every msg-id of an In-Reply-To / References value, without angle brackets.
void append_ids(std::string_view value, std::vector<std::string>& out) {
  std::size_t pos = 0;
  while (out.size() < 500) {
    auto open = value.find('<', pos);
    if (open == std::string_view::npos) break;
    auto close = value.find('>', open + 1);
    if (close == std::string_view::npos) break;
    auto id = value.substr(open + 1, close - open - 1);
    if (!id.empty() && id.size() < 1000) out.emplace_back(id);
    pos = close + 1;
  }
}

std::string decoded(const mail::Header& header, mail::FieldId id) {
  std::string out;
  for (const auto& field : header.fields()) {
    if (field.id != id) continue;
    if (!out.empty()) out += ", ";
    out += mail::decode_encoded_words(field.value());
  }
  return out;
}

}  // namespace

ParsedForStore build_metadata(std::string_view message) {
  auto parsed = mail::parse_message(message);
  ParsedForStore out;
  auto& m = out.metadata;
  m.envelope = std::move(parsed.envelope);
  m.body_structure = std::move(parsed.bodystructure);
  m.body = std::move(parsed.body);
  m.part_tree = parsed.part_map.serialize();
  m.message_id = parsed.message_id;
  m.subject = parsed.subject;
  if (parsed.date) m.sent_date = parsed.date->utc.time_since_epoch().count();
  const auto& header = parsed.header();
  if (const auto* f = header.find(mail::FieldId::in_reply_to))
    append_ids(f->raw_value, m.references);
  if (const auto* f = header.find(mail::FieldId::references))
    append_ids(f->raw_value, m.references);

  store::SearchText text;
  text.from = decoded(header, mail::FieldId::from);
  text.to = decoded(header, mail::FieldId::to);
  text.cc = decoded(header, mail::FieldId::cc);
  text.bcc = decoded(header, mail::FieldId::bcc);
  text.subject = parsed.subject;
  for (const auto& field : header.fields()) {
    switch (field.id) {
      case mail::FieldId::from:
      case mail::FieldId::to:
      case mail::FieldId::cc:
      case mail::FieldId::bcc:
      case mail::FieldId::subject:
      case mail::FieldId::received:
        continue;  // indexed apart, or noise
      default:
        break;
    }
    if (text.headers.size() > 64 * 1024) break;
    text.headers.append(field.name);
    text.headers += ": ";
    text.headers += mail::decode_encoded_words(field.value());
    text.headers += '\n';
  }
  auto extracted = mail::extract_text(parsed.tree);
  text.body = std::move(extracted.text);
  for (const auto& name : extracted.attachments) {
    text.body += '\n';
    text.body += name;
  }
  out.search_text = std::move(text);
  return out;
}

}  // namespace facteur::delivery
