// FETCH (RFC 9051 §6.4.5, RFC 3501 §6.4.5, RFC 3516 BINARY, RFC 7162 CHANGEDSINCE/VANISHED,
// RFC 8514 SAVEDATE) and STORE (RFC 9051 §6.4.6, RFC 7162 UNCHANGEDSINCE).
//
// FETCH works in batches on the worker pool: message rows (with the cached ENVELOPE,
// BODYSTRUCTURE and part map when asked for), then the bytes each section needs, cut with the
// part map. Metadata never touches the message; BODY[] of a big message is streamed from its
// blob in chunks, never held whole.
#include <algorithm>

#include "base/log.hpp"
#include "delivery/metadata.hpp"
#include "mail/part_map.hpp"
#include "net/worker_pool.hpp"
#include "proto/imap/fetch.hpp"
#include "server/imap_session_impl.hpp"

namespace facteur::server {

namespace {

using Kind = imap::FetchItem::Kind;

constexpr std::size_t kBatchMessages = 256;
constexpr std::uint64_t kInlineMessage = 1024 * 1024;   // read whole into the batch
constexpr std::uint64_t kBatchBytes = 4 * 1024 * 1024;  // content held per batch
constexpr std::uint64_t kStreamAbove = 1024 * 1024;     // sections streamed past this size
constexpr std::size_t kStreamChunk = 256 * 1024;

bool is_section(Kind k) {
  return k == Kind::rfc822 || k == Kind::rfc822_header || k == Kind::rfc822_text ||
         k == Kind::body_section || k == Kind::binary || k == Kind::binary_size;
}

// The data of one section item, computed on the worker.
struct SectionData {
  std::string bytes;
  bool nil = false;          // the section does not exist: an empty string
  bool unknown_cte = false;  // BINARY of an unknown transfer encoding
  bool stream = false;       // raw bytes [begin, end) of the message, streamed
  std::uint64_t begin = 0, end = 0;
  std::uint64_t size = 0;  // BINARY.SIZE
};

struct FetchedMessage {
  store::MessageInfo info;
  std::optional<store::MessageContent> content;  // kept open when something is streamed
  std::vector<SectionData> sections;             // one per section item, in item order
  bool failed = false;                           // content unreadable: dropped from the reply
};

struct Batch {
  std::vector<FetchedMessage> messages;
  std::size_t next = 0;
  std::optional<Error> error;
};

// Reads [begin, end) of a message.
Result<std::string> read_range(const store::MessageContent& content, std::uint64_t begin,
                               std::uint64_t end) {
  std::string out;
  if (end <= begin) return out;
  out.resize(end - begin);
  std::size_t got = 0;
  while (got < out.size()) {
    auto n = content.read(begin + got, std::span<char>(out.data() + got, out.size() - got));
    if (!n) return std::unexpected(n.error());
    if (*n == 0) break;
    got += *n;
  }
  out.resize(got);
  return out;
}

imap::Section effective_section(const imap::FetchItem& item) {
  imap::Section s;
  switch (item.kind) {
    case Kind::rfc822:
      break;
    case Kind::rfc822_header:
      s.text = imap::Section::Text::header;
      break;
    case Kind::rfc822_text:
      s.text = imap::Section::Text::text;
      break;
    case Kind::binary:
    case Kind::binary_size:
      s.part = item.section.part;
      break;
    default:
      s = item.section;
  }
  return s;
}

// Computes one section of a message whose part map is `map` (offsets relative to the blob,
// `prefix` octets of per-recipient header before it).
Result<SectionData> compute_section(const imap::FetchItem& item, const mail::PartMap& map,
                                    std::uint64_t prefix, const store::MessageContent& content,
                                    std::string_view whole) {
  SectionData d;
  auto section = effective_section(item);
  // The whole message needs no part map (BODY[], RFC822, BINARY[]).
  std::optional<mail::ByteRange> range;
  if (section.part.empty() && section.text == imap::Section::Text::all) {
    range = mail::ByteRange{0, static_cast<std::size_t>(content.size())};
  } else {
    range = imap::section_range(section, map, prefix);
  }
  if (!range) {
    d.nil = true;
    return d;
  }
  auto bytes_of = [&](std::uint64_t b, std::uint64_t e) -> Result<std::string> {
    if (!whole.empty() || content.size() == 0) {
      if (e > whole.size()) e = whole.size();
      if (b > e) b = e;
      return std::string(whole.substr(b, e - b));
    }
    return read_range(content, b, e);
  };
  const auto& t = section.text;
  if (item.kind == Kind::binary || item.kind == Kind::binary_size) {
    auto raw = bytes_of(range->begin, range->end);
    if (!raw) return std::unexpected(raw.error());
    auto decoded = imap::binary_content(*raw, map, section.part);
    if (!decoded) {
      d.unknown_cte = true;
      return d;
    }
    if (item.kind == Kind::binary_size) {
      d.size = decoded->size();
      return d;
    }
    d.bytes = std::string(imap::apply_partial(item, *decoded));
    return d;
  }
  if (t == imap::Section::Text::header_fields || t == imap::Section::Text::header_fields_not) {
    auto raw = bytes_of(range->begin, range->end);
    if (!raw) return std::unexpected(raw.error());
    auto filtered = imap::filter_header_fields(*raw, section.fields,
                                               t == imap::Section::Text::header_fields_not);
    d.bytes = std::string(imap::apply_partial(item, filtered));
    return d;
  }
  auto cut = imap::partial_cut(item, range->size());
  std::uint64_t b = range->begin + cut.begin;
  std::uint64_t e = range->begin + cut.end;
  if (whole.empty() && e - b > kStreamAbove) {
    d.stream = true;
    d.begin = b;
    d.end = e;
    return d;
  }
  auto raw = bytes_of(b, e);
  if (!raw) return std::unexpected(raw.error());
  d.bytes = std::move(*raw);
  return d;
}

// Loads messages uids[from...] for a batch (worker pool).
bool needs_part_map(const imap::FetchCmd& cmd) {
  return std::any_of(cmd.items.begin(), cmd.items.end(), [](const imap::FetchItem& item) {
    if (!is_section(item.kind)) return false;
    auto s = effective_section(item);
    return !s.part.empty() || s.text != imap::Section::Text::all;
  });
}

Batch load_batch(store::Store& store, store::MailboxId mailbox, const imap::FetchCmd& cmd,
                 const imap::FetchNeeds& needs, std::span<const store::Uid> uids,
                 std::size_t from) {
  const bool need_map = needs.content && needs_part_map(cmd);
  const bool with_metadata = needs.metadata || need_map;
  // Only the cached parts this FETCH writes are copied out of the store.
  unsigned parts = need_map ? unsigned{store::kMetadataPartTree} : 0u;
  for (const auto& item : cmd.items) {
    if (item.kind == Kind::envelope) parts |= store::kMetadataEnvelope;
    if (item.kind == Kind::body_structure) parts |= store::kMetadataBodyStructure;
    if (item.kind == Kind::body) parts |= store::kMetadataBody;
  }
  Batch batch;
  const std::size_t to = std::min(uids.size(), from + kBatchMessages);
  std::vector<store::MessageInfo> rows;
  const store::Uid lo = uids[from], hi = uids[to - 1];
  if (std::uint64_t{hi} - lo + 1 <= 2 * (to - from)) {
    store::MessageQuery q;
    q.min_uid = lo;
    q.max_uid = hi;
    q.with_metadata = with_metadata;
    q.metadata_parts = parts;
    q.changed_since = cmd.changed_since.value_or(0);
    auto listed = store.list_messages(mailbox, q);
    if (!listed) {
      batch.error = listed.error();
      return batch;
    }
    auto wanted = uids.subspan(from, to - from);
    for (auto& m : *listed)
      if (std::binary_search(wanted.begin(), wanted.end(), m.uid)) rows.push_back(std::move(m));
  } else {
    for (std::size_t i = from; i < to; ++i) {
      auto m = store.get_message(mailbox, uids[i], with_metadata);
      if (!m) {
        if (m.error().code == Errc::not_found) continue;  // expunged meanwhile
        batch.error = m.error();
        return batch;
      }
      if (cmd.changed_since && m->modseq <= *cmd.changed_since) continue;
      rows.push_back(std::move(*m));
    }
  }
  batch.next = to;
  std::uint64_t held = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    FetchedMessage fm;
    fm.info = std::move(rows[r]);
    if (needs.content) {
      // Stop the batch early when its content is big; the rest comes in the next batch.
      if (held > 0 && held + std::min(fm.info.size, kInlineMessage) > kBatchBytes) {
        batch.next = static_cast<std::size_t>(
            std::lower_bound(uids.begin(), uids.end(), fm.info.uid) - uids.begin());
        break;
      }
      auto content = store.open_message(mailbox, fm.info.uid);
      if (!content) {
        if (content.error().code != Errc::not_found)
          spdlog::error("imap: cannot open message {}: {}", fm.info.uid, content.error().message);
        continue;  // expunged meanwhile, or unreadable: left out of the reply
      }
      std::string whole;
      if (content->size() <= kInlineMessage) {
        auto all = read_range(*content, 0, content->size());
        if (!all) continue;
        whole = std::move(*all);
        held += whole.size();
      }
      // The part map: cached at delivery; rebuilt from the bytes if it is missing.
      std::optional<mail::PartMap> map;
      std::uint64_t prefix = content->prefix().size();
      if (need_map && fm.info.metadata) {
        auto m = mail::PartMap::deserialize(fm.info.metadata->part_tree);
        if (m) map = std::move(*m);
      }
      if (need_map && !map && !whole.empty()) {
        auto parsed = delivery::build_metadata(whole);
        auto m = mail::PartMap::deserialize(parsed.metadata.part_tree);
        if (m) {
          map = std::move(*m);
          prefix = 0;
        }
      }
      if (!map) map = mail::PartMap({}, content->size());
      for (const auto& item : cmd.items) {
        if (!is_section(item.kind)) continue;
        auto d = compute_section(item, *map, prefix, *content, whole);
        if (!d) {
          fm.failed = true;
          break;
        }
        fm.sections.push_back(std::move(*d));
      }
      if (fm.failed) continue;
      bool streams = std::any_of(fm.sections.begin(), fm.sections.end(),
                                 [](const SectionData& s) { return s.stream; });
      if (streams) fm.content.emplace(std::move(*content));
    }
    batch.messages.push_back(std::move(fm));
  }
  return batch;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// FETCH

net::awaitable<Reply> ImapSession::cmd_fetch(const imap::FetchCmd& cmd) {
  Reply bad;
  auto uids = resolve(cmd.set, cmd.uid, bad);
  if (!uids) co_return bad;
  auto& sel = *selected_;
  const auto needs = imap::fetch_needs(cmd);
  const bool condstore = protocol_.condstore();
  const bool want_modseq_anyway = cmd.changed_since.has_value();

  if (cmd.vanished && cmd.changed_since) {
    // RFC 7162 §3.2.6: UIDs of the set expunged since the given mod-sequence.
    const auto since = *cmd.changed_since;
    auto expunged = co_await net::run_blocking(
        ctx_.workers, [&] { return ctx_.store.expunged_since(sel.id, since); });
    if (!expunged) co_return no_reply(imap::code::kServerBug, "Internal error");
    auto vanished = imap::vanished_within(cmd.set, *expunged, sel.view.last_uid());
    auto w = writer();
    w.vanished(vanished, true);
  }

  // \Seen is set before the data goes out (RFC 9051 §6.4.5).
  std::vector<store::Uid> seen_now;
  if (cmd.sets_seen && !sel.read_only && !uids->empty()) {
    auto updated = co_await net::run_blocking(ctx_.workers, [&] {
      store::FlagChange change;
      change.op = store::FlagOp::add;
      change.flags = store::kFlagSeen;
      return ctx_.store.update_flags(sel.id, *uids, change);
    });
    if (updated) {
      for (const auto& u : updated->updated) {
        seen_now.push_back(u.uid);
        sel.own_modseqs.push_back(u.modseq);
      }
      std::sort(seen_now.begin(), seen_now.end());
    }
  }

  std::size_t next = 0;
  while (next < uids->size()) {
    const std::size_t from = next;
    auto batch = co_await net::run_blocking(
        ctx_.workers, [&] { return load_batch(ctx_.store, sel.id, cmd, needs, *uids, from); });
    if (batch.error) {
      spdlog::error("imap: FETCH failed: {}", batch.error->message);
      co_return no_reply(imap::code::kServerBug, "Internal error");
    }
    if (!selected_) co_return ok_reply();
    next = std::max(batch.next, from + 1);
    for (auto& fm : batch.messages) {
      const auto& info = fm.info;
      auto seq = sel.view.seq_of(info.uid);
      if (!seq) continue;
      const bool seen_changed = std::binary_search(seen_now.begin(), seen_now.end(), info.uid);
      auto w = writer();
      auto fw = w.fetch(*seq);
      bool flags_written = false, modseq_written = false;
      std::size_t section_index = 0;
      for (const auto& item : cmd.items) {
        switch (item.kind) {
          case Kind::uid:
            fw.uid(info.uid);
            break;
          case Kind::flags:
            fw.flags(info.flags, info.keywords);
            flags_written = true;
            break;
          case Kind::internal_date:
            fw.internal_date(info.internal_date);
            break;
          case Kind::rfc822_size:
            fw.rfc822_size(info.size);
            break;
          case Kind::modseq:
            fw.modseq(info.modseq);
            modseq_written = true;
            break;
          case Kind::save_date:
            fw.save_date(info.save_date ? std::optional<std::int64_t>(info.save_date)
                                        : std::nullopt);
            break;
          case Kind::envelope:
            fw.envelope(info.metadata
                            ? std::string_view(info.metadata->envelope)
                            : std::string_view("(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)"));
            break;
          case Kind::body:
            fw.body(info.metadata ? std::string_view(info.metadata->body) : std::string_view());
            break;
          case Kind::body_structure:
            fw.body_structure(info.metadata ? std::string_view(info.metadata->body_structure)
                                            : std::string_view());
            break;
          default: {
            if (section_index >= fm.sections.size()) break;
            auto& d = fm.sections[section_index++];
            if (item.kind == Kind::binary_size) {
              fw.binary_size(item, d.unknown_cte ? 0 : d.size);
            } else if (d.nil || d.unknown_cte) {
              fw.section(item, "");
            } else if (!d.stream) {
              fw.section(item, d.bytes);
            } else {
              fw.section_announce(item, d.end - d.begin);
              if (!co_await flush()) co_return ok_reply();
              auto& content = *fm.content;
              std::string chunk;
              for (std::uint64_t off = d.begin; off < d.end;) {
                const std::uint64_t until = std::min<std::uint64_t>(d.end, off + kStreamChunk);
                auto piece = co_await net::run_blocking(
                    ctx_.workers, [&] { return read_range(content, off, until); });
                if (!piece || piece->size() != until - off) {
                  // The literal's size is promised: nothing honest is left but closing.
                  spdlog::error("imap: message {} became unreadable mid-FETCH", info.uid);
                  protocol_.abort("Internal error reading a message");
                  done_ = true;
                  co_return ok_reply();
                }
                if (!co_await write_raw(*piece)) {
                  done_ = true;
                  co_return ok_reply();
                }
                off = until;
              }
            }
          }
        }
      }
      if (seen_changed && !flags_written) fw.flags(info.flags | store::kFlagSeen, info.keywords);
      if ((want_modseq_anyway || (seen_changed && condstore)) && !modseq_written)
        fw.modseq(info.modseq);
      fw.finish();
    }
    if (!co_await flush_if_large()) co_return ok_reply();
  }
  co_return ok_reply({}, cmd.uid ? "UID FETCH completed" : "FETCH completed");
}

// ---------------------------------------------------------------------------------------------
// STORE

net::awaitable<Reply> ImapSession::cmd_store(const imap::StoreCmd& cmd) {
  Reply bad;
  auto uids = resolve(cmd.set, cmd.uid, bad);
  if (!uids) co_return bad;
  auto& sel = *selected_;
  store::FlagChange change;
  change.op = cmd.mode == imap::StoreMode::replace ? store::FlagOp::set
              : cmd.mode == imap::StoreMode::add   ? store::FlagOp::add
                                                   : store::FlagOp::remove;
  change.flags = cmd.flags.system & store::kAllSystemFlags;
  change.keywords = cmd.flags.keywords;
  change.unchanged_since = cmd.unchanged_since;
  struct Stored {
    store::FlagUpdateResult result;
    std::vector<store::MessageInfo> current;  // flags of the whole set, for the reply
  };
  const bool silent = cmd.silent;
  auto stored = co_await net::run_blocking(ctx_.workers, [&]() -> Result<Stored> {
    Stored s;
    if (uids->empty()) return s;
    auto r = ctx_.store.update_flags(sel.id, *uids, change);
    if (!r) return std::unexpected(r.error());
    s.result = std::move(*r);
    if (!silent) {
      store::MessageQuery q;
      q.min_uid = uids->front();
      q.max_uid = uids->back();
      auto listed = ctx_.store.list_messages(sel.id, q);
      if (!listed) return std::unexpected(listed.error());
      for (auto& m : *listed)
        if (std::binary_search(uids->begin(), uids->end(), m.uid))
          s.current.push_back(std::move(m));
    }
    return s;
  });
  if (!stored) {
    if (stored.error().code == Errc::invalid_argument) co_return bad_reply("Invalid keyword");
    co_return no_reply(imap::code::kServerBug, "Internal error");
  }
  if (!selected_) co_return ok_reply();
  for (const auto& u : stored->result.updated)
    sel.own_modseqs.push_back(u.modseq);
  const bool condstore = protocol_.condstore();
  auto w = writer();
  auto is_modified = [&](store::Uid uid) {
    return std::find(stored->result.modified.begin(), stored->result.modified.end(), uid) !=
           stored->result.modified.end();
  };
  if (!silent) {
    for (const auto& m : stored->current) {
      if (is_modified(m.uid)) continue;
      auto seq = sel.view.seq_of(m.uid);
      if (!seq) continue;
      auto fw = w.fetch(*seq);
      fw.flags(m.flags, m.keywords);
      if (cmd.uid) fw.uid(m.uid);
      if (condstore) fw.modseq(m.modseq);
      fw.finish();
    }
  } else if (cmd.unchanged_since) {
    // RFC 7162 §3.1.3: even with .SILENT the new mod-sequences are reported.
    for (const auto& u : stored->result.updated) {
      auto seq = sel.view.seq_of(u.uid);
      if (!seq) continue;
      auto fw = w.fetch(*seq);
      if (cmd.uid) fw.uid(u.uid);
      fw.modseq(u.modseq);
      fw.finish();
    }
  }
  if (!stored->result.modified.empty()) {
    std::vector<std::uint32_t> numbers;
    for (auto uid : stored->result.modified) {
      if (cmd.uid) {
        numbers.push_back(uid);
      } else if (auto seq = sel.view.seq_of(uid)) {
        numbers.push_back(*seq);
      }
    }
    std::sort(numbers.begin(), numbers.end());
    co_return ok_reply(imap::code::modified(numbers), "Conditional STORE failed");
  }
  co_return ok_reply({}, cmd.uid ? "UID STORE completed" : "STORE completed");
}

}  // namespace facteur::server
