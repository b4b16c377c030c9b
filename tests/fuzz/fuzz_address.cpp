// Fuzzes the address parsers: SMTP paths (RFC 5321), header address lists (RFC 5322) and the
// isemail-style diagnosis. The first byte picks the SMTPUTF8 option. Checks, besides
// ASan/UBSan: an accepted path re-parses from its wire form to the same value; names and
// decoded text are valid UTF-8; the mailbox limit holds.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mail/address.hpp"
#include "mail/charset.hpp"

using namespace facteur::mail;

#define require(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "invariant failed line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

namespace {

void check_path(const facteur::Result<Path>& p, bool reverse, const PathOptions& opts) {
  if (!p) {
    require(!p.error().message.empty());
    return;
  }
  if (p->is_null) {
    require(reverse && p->local_part.empty() && p->domain.empty());
    return;
  }
  auto again =
      reverse ? parse_reverse_path(p->to_path(), opts) : parse_forward_path(p->to_path(), opts);
  require(again.has_value());
  require(again->local_part == p->local_part);
  require(again->domain == p->domain);
  require(again->is_postmaster == p->is_postmaster);
  require(p->canonical().size() == p->to_string().size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  PathOptions opts;
  opts.smtputf8 = data[0] & 1;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  check_path(parse_reverse_path(text, opts), true, opts);
  check_path(parse_forward_path(text, opts), false, opts);

  AddressLimits limits;
  limits.max_mailboxes = 50;
  AddressList list = parse_address_list(text, limits);
  auto boxes = list.mailboxes();
  require(boxes.size() <= limits.max_mailboxes);
  for (const auto* m : boxes) {
    require(!m->empty());
    require(is_valid_utf8(m->display_name));
    (void)m->address();
  }
  for (const auto& item : list.items)
    if (const auto* g = std::get_if<Group>(&item)) require(is_valid_utf8(g->display_name));

  if (auto m = parse_mailbox(text)) require(!m->empty());

  auto d = validate_addr_spec(text);
  require(d.category == category_of(d.code));
  require(to_string(d.code) != "?");
  return 0;
}
