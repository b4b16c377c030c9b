#include "mail/envelope.hpp"

#include <variant>

#include "mail/imap_string.hpp"

namespace facteur::mail {

namespace {

void append_mailbox(std::string& out, const Mailbox& m) {
  out.push_back('(');
  append_nstring_or_nil_if_empty(out, m.display_name_raw);
  out.push_back(' ');
  append_nstring_or_nil_if_empty(out, m.route);
  out.push_back(' ');
  append_string(out, m.local_part);
  out.push_back(' ');
  append_string(out, m.domain.empty() ? std::string_view("MISSING_DOMAIN") : m.domain);
  out.push_back(')');
}

// The unfolded, trimmed value of the first field with this id; nullopt when absent.
std::optional<std::string> value_of(const Header& header, FieldId id) {
  const HeaderField* f = header.find(id);
  if (!f) return std::nullopt;
  return f->value();
}

// Parsed address list of the first field with this id (empty when absent).
AddressList addresses_of(const Header& header, FieldId id) {
  const HeaderField* f = header.find(id);
  if (!f) return {};
  return parse_address_list(f->raw_value);
}

void append_optional(std::string& out, const std::optional<std::string>& v) {
  if (v) {
    append_string(out, *v);
  } else {
    out.append("NIL");
  }
}

}  // namespace

void append_envelope_addresses(std::string& out, const AddressList& list) {
  if (list.empty()) {
    out.append("NIL");
    return;
  }
  out.push_back('(');
  for (const AddressItem& item : list.items) {
    if (const auto* m = std::get_if<Mailbox>(&item)) {
      append_mailbox(out, *m);
      continue;
    }
    // RFC 3501 §7.4.2: a group is (NIL NIL "name" NIL), its members, then (NIL NIL NIL NIL).
    const auto& g = std::get<Group>(item);
    out.append("(NIL NIL ");
    append_string(out, g.display_name_raw);
    out.append(" NIL)");
    for (const Mailbox& m : g.members)
      append_mailbox(out, m);
    out.append("(NIL NIL NIL NIL)");
  }
  out.push_back(')');
}

std::string build_envelope(const Header& header) {
  std::string out;
  out.reserve(256);
  out.push_back('(');
  append_optional(out, value_of(header, FieldId::date));
  out.push_back(' ');
  append_optional(out, value_of(header, FieldId::subject));
  out.push_back(' ');
  const AddressList from = addresses_of(header, FieldId::from);
  append_envelope_addresses(out, from);
  for (FieldId id : {FieldId::sender, FieldId::reply_to}) {
    out.push_back(' ');
    const AddressList list = addresses_of(header, id);
    append_envelope_addresses(out, list.empty() ? from : list);
  }
  for (FieldId id : {FieldId::to, FieldId::cc, FieldId::bcc}) {
    out.push_back(' ');
    append_envelope_addresses(out, addresses_of(header, id));
  }
  out.push_back(' ');
  append_optional(out, value_of(header, FieldId::in_reply_to));
  out.push_back(' ');
  append_optional(out, value_of(header, FieldId::message_id));
  out.push_back(')');
  return out;
}

}  // namespace facteur::mail
