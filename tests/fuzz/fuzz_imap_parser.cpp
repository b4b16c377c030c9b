// Fuzzes the IMAP command parser and the pure helpers it feeds: parse_command on whole
// commands and on prefixes cut at literal announcements, parse_append_rest, literal markers,
// sequence sets, modified UTF-7 (decode -> encode -> decode is stable), LIST matching, SEARCH
// programs evaluated on a fixed message, base subjects. Checks, besides ASan/UBSan: results are
// consistent (complete <=> command set), round trips hold, nothing hangs.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proto/imap/mailbox_name.hpp"
#include "proto/imap/parser.hpp"
#include "proto/imap/search.hpp"
#include "proto/imap/sequence_set.hpp"
#include "proto/imap/thread.hpp"

using namespace facteur::imap;

namespace {

#define require(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "invariant failed line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

struct NoText : SearchText {
  bool header(std::string_view, std::string_view n) override { return n.size() % 2; }
  bool body(std::string_view n) override { return n.empty(); }
  bool text(std::string_view n) override { return n.size() > 3; }
};

void check(const ParseResult& r) {
  require((r.kind == ParseResult::Kind::complete) == r.command.has_value());
  if (r.kind == ParseResult::Kind::error) require(!r.error.empty());
  if (r.command) {
    require(!r.tag.empty());
    require(command_name(*r.command) == r.name);
    if (auto* s = std::get_if<SearchCmd>(&*r.command)) {
      SearchContext ctx;
      ctx.exists = 7;
      ctx.max_uid = 70;
      ctx.now = 1'000'000;
      SearchProgram p(s->key, ctx);
      NoText t;
      const std::vector<std::string> kw = {"$Forwarded"};
      for (std::uint32_t i = 1; i <= 7; ++i) {
        SearchMessage m;
        m.seq = i;
        m.uid = i * 10;
        m.flags = i;
        m.keywords = kw;
        m.size = i * 1000;
        m.internal_date = i * 100'000;
        m.sent_date = i * 90'000;
        m.modseq = i;
        (void)p.matches(m, &t);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (bool utf8 : {false, true}) {
    ParserOptions o;
    o.utf8 = utf8;
    o.max_depth = 32;
    check(parse_command(in, o));
    // Every prefix ending at a literal announcement, as the protocol asks it.
    for (std::size_t nl = in.find('\n'); nl != std::string_view::npos; nl = in.find('\n', nl + 1)) {
      std::string_view line = in.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (literal_at_end(line)) {
        auto r = parse_command(in.substr(0, nl + 1), o);
        check(r);
        if (r.kind == ParseResult::Kind::append_message) require(!r.tag.empty());
      }
    }
    check(parse_append_rest(in, false, o));
    check(parse_append_rest(in, true, o));
  }
  (void)literal_at_end(in);
  (void)tag_of(in);
  (void)is_base64(in);
  if (auto s = parse_sequence_set(in)) {
    require(parse_sequence_set(to_string(*s)) == *s);
    const auto iv = normalize(*s, 1000);
    for (std::size_t i = 1; i < iv.size(); ++i)
      require(iv[i - 1].hi + 1 < iv[i].lo);
    (void)resolve_sequence_numbers(*s, 1000);
    const std::vector<std::uint32_t> uids = {1, 5, 9, 4000000000u};
    (void)resolve_uids(*s, uids);
  }
  if (auto d = mutf7_decode(in)) {
    const std::string e = mutf7_encode(*d);
    auto back = mutf7_decode(e);
    require(back && *back == *d);
  }
  (void)mutf7_encode(in);
  const auto half = in.size() / 2;
  if (in.size() < 300) {
    (void)list_match(in.substr(0, half), in.substr(half));
    (void)list_match_prefix(in.substr(0, half), in.substr(half));
  }
  (void)check_new_mailbox_name(in);
  (void)base_subject(in);
  return 0;
}
