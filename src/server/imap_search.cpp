// SEARCH (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 4731/RFC 9051 ESEARCH, RFC 5182 SEARCHRES,
// RFC 7162 MODSEQ), SORT and THREAD (RFC 5256).
//
// Flags, dates, sizes and UIDs are tested on the message rows. Text keys go through the
// full-text index: the store returns the messages whose indexed text holds every sampled
// trigram of the needle (a superset), and each candidate is confirmed with an exact
// case-insensitive substring test on its stored decoded text. Messages outside the candidate
// set are never read.
#include <algorithm>
#include <ctime>
#include <map>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "delivery/metadata.hpp"
#include "net/worker_pool.hpp"
#include "proto/imap/search.hpp"
#include "proto/imap/thread.hpp"
#include "server/imap_session_impl.hpp"

namespace facteur::server {

namespace {

using K = imap::SearchKey::Kind;

constexpr std::size_t kTextBatch = 64;
constexpr std::uint64_t kMaxParsedMessage = 32 * 1024 * 1024;

bool any_key(const imap::SearchKey& key, auto pred) {
  if (pred(key)) return true;
  return std::any_of(key.children.begin(), key.children.end(),
                     [&](const imap::SearchKey& c) { return any_key(c, pred); });
}

std::optional<store::TextField> column_for_header(std::string_view field) {
  if (iequals(field, "From")) return store::TextField::from;
  if (iequals(field, "To")) return store::TextField::to;
  if (iequals(field, "Cc")) return store::TextField::cc;
  if (iequals(field, "Bcc")) return store::TextField::bcc;
  if (iequals(field, "Subject")) return store::TextField::subject;
  return std::nullopt;
}

// The unfolded fields of a raw header block ("Name: value" per field).
bool raw_header_contains(std::string_view header, std::string_view field, std::string_view needle) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto end = header.find("\r\n", pos);
    if (end == std::string_view::npos) end = header.size();
    std::string line(header.substr(pos, end - pos));
    pos = end + 2;
    if (line.empty()) break;
    while (pos < header.size() && (header[pos] == ' ' || header[pos] == '\t')) {
      auto next = header.find("\r\n", pos);
      if (next == std::string_view::npos) next = header.size();
      line.append(header.substr(pos, next - pos));
      pos = next + 2;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (!iequals(trim(std::string_view(line).substr(0, colon)), field)) continue;
    if (imap::contains_icase(std::string_view(line).substr(colon + 1), needle)) return true;
  }
  return false;
}

// imap::SearchText over the index: candidates from the store, confirmation on stored text.
class IndexedText final : public imap::SearchText {
 public:
  IndexedText(store::Store& store, store::MailboxId mailbox) : store_(store), mailbox_(mailbox) {}

  void set_message(store::Uid uid) { uid_ = uid; }
  std::optional<Error> error() const { return error_; }

  bool header(std::string_view field, std::string_view needle) override {
    if (auto column = column_for_header(field)) {
      if (!candidate(*column, needle)) return false;
      const auto* t = text();
      if (!t) return false;
      const std::string& value = *column == store::TextField::from  ? t->from
                                 : *column == store::TextField::to  ? t->to
                                 : *column == store::TextField::cc  ? t->cc
                                 : *column == store::TextField::bcc ? t->bcc
                                                                    : t->subject;
      if (needle.empty()) return !value.empty();
      return imap::contains_icase(value, needle);
    }
    if (iequals(field, "Received")) return raw_header(field, needle);
    if (!candidate(store::TextField::headers, needle)) return false;
    const auto* t = text();
    if (!t) return false;
    std::string_view lines = t->headers;
    while (!lines.empty()) {
      auto nl = lines.find('\n');
      std::string_view line = lines.substr(0, nl);
      lines = nl == std::string_view::npos ? std::string_view() : lines.substr(nl + 1);
      auto colon = line.find(':');
      if (colon == std::string_view::npos || !iequals(line.substr(0, colon), field)) continue;
      if (imap::contains_icase(line.substr(colon + 1), needle)) return true;
    }
    return false;
  }

  bool body(std::string_view needle) override {
    if (!candidate(store::TextField::body, needle)) return false;
    const auto* t = text();
    return t && imap::contains_icase(t->body, needle);
  }

  bool text(std::string_view needle) override {
    if (!candidate(store::TextField::any, needle)) return false;
    const auto* t = text();
    if (!t) return false;
    for (const std::string* s :
         {&t->subject, &t->from, &t->to, &t->cc, &t->bcc, &t->headers, &t->body}) {
      if (imap::contains_icase(*s, needle)) return true;
    }
    return false;
  }

 private:
  // Is the current message among the index's candidates for (field, needle)?
  bool candidate(store::TextField field, std::string_view needle) {
    auto key = std::make_pair(field, std::string(needle));
    auto it = candidates_.find(key);
    if (it == candidates_.end()) {
      auto c = store_.search_candidates(mailbox_, field, needle);
      if (!c) {
        error_ = c.error();
        c = std::vector<store::Uid>{};
      }
      for (auto u : *c)
        union_.push_back(u);
      std::sort(union_.begin(), union_.end());
      union_.erase(std::unique(union_.begin(), union_.end()), union_.end());
      it = candidates_.emplace(std::move(key), std::move(*c)).first;
    }
    return std::binary_search(it->second.begin(), it->second.end(), uid_);
  }

  // The stored text of the current message; loads the next candidates with it (messages are
  // evaluated in ascending UID order).
  const store::SearchText* text() {
    auto it = texts_.find(uid_);
    if (it == texts_.end()) {
      texts_.erase(texts_.begin(), texts_.lower_bound(uid_));
      std::vector<store::Uid> batch{uid_};
      for (auto u = std::upper_bound(union_.begin(), union_.end(), uid_);
           u != union_.end() && batch.size() < kTextBatch; ++u) {
        if (!texts_.contains(*u)) batch.push_back(*u);
      }
      auto loaded = store_.load_search_texts(mailbox_, batch);
      if (!loaded) {
        error_ = loaded.error();
        return nullptr;
      }
      for (std::size_t i = 0; i < batch.size(); ++i)
        texts_[batch[i]] = std::move((*loaded)[i]);
      it = texts_.find(uid_);
    }
    if (!it->second) it->second = parse_message();  // delivered without text: derive it now
    return it->second ? &*it->second : nullptr;
  }

  std::optional<store::SearchText> parse_message() {
    auto content = store_.open_message(mailbox_, uid_);
    if (!content || content->size() > kMaxParsedMessage) return std::nullopt;
    std::string bytes(content->size(), '\0');
    auto n = content->read(0, bytes);
    if (!n) return std::nullopt;
    bytes.resize(*n);
    return delivery::build_metadata(bytes).search_text;
  }

  bool raw_header(std::string_view field, std::string_view needle) {
    auto content = store_.open_message(mailbox_, uid_);
    if (!content) return false;
    std::string head(std::min<std::uint64_t>(content->size(), 256 * 1024), '\0');
    auto n = content->read(0, head);
    if (!n) return false;
    head.resize(*n);
    auto end = head.find("\r\n\r\n");
    if (end != std::string::npos) head.resize(end + 2);
    return raw_header_contains(head, field, needle);
  }

  store::Store& store_;
  store::MailboxId mailbox_;
  store::Uid uid_ = 0;
  std::map<std::pair<store::TextField, std::string>, std::vector<store::Uid>> candidates_;
  std::vector<store::Uid> union_;
  std::map<store::Uid, std::optional<store::SearchText>> texts_;
  std::optional<Error> error_;
};

struct Found {
  std::vector<std::uint32_t> numbers;  // as the response lists them
  std::vector<store::Uid> uids;        // the matches' UIDs, ascending (SEARCHRES)
  std::uint64_t modseq = 0;            // highest MODSEQ among the matches
  std::string threads;                 // THREAD data
  std::optional<Error> error;
};

}  // namespace

net::awaitable<Reply> ImapSession::cmd_search(const imap::Command& cmd, const std::string& tag) {
  auto& sel = *selected_;
  const imap::SearchKey* key = nullptr;
  bool uid = false;
  if (auto* s = std::get_if<imap::SearchCmd>(&cmd)) {
    key = &s->key;
    uid = s->uid;
  } else if (auto* so = std::get_if<imap::SortCmd>(&cmd)) {
    key = &so->key;
    uid = so->uid;
  } else {
    const auto& t = std::get<imap::ThreadCmd>(cmd);
    key = &t.key;
    uid = t.uid;
  }
  const bool sorting = std::holds_alternative<imap::SortCmd>(cmd);
  const bool threading = std::holds_alternative<imap::ThreadCmd>(cmd);
  const bool needs_metadata =
      sorting || threading || any_key(*key, [](const imap::SearchKey& k) {
        return k.kind == K::sent_before || k.kind == K::sent_on || k.kind == K::sent_since;
      });
  std::vector<store::Uid> view(sel.view.uids().begin(), sel.view.uids().end());
  imap::SearchContext context;
  context.exists = sel.view.exists();
  context.max_uid = view.empty() ? 0 : view.back();
  context.saved_uids = sel.view.saved();
  context.now = std::time(nullptr);
  imap::SearchProgram program(*key, context);

  auto found = co_await net::run_blocking(ctx_.workers, [&]() -> Found {
    Found f;
    store::MessageQuery q;
    q.with_metadata = needs_metadata;
    auto messages = ctx_.store.list_messages(sel.id, q);
    if (!messages) {
      f.error = messages.error();
      return f;
    }
    IndexedText text(ctx_.store, sel.id);
    std::vector<imap::SortMessage> sort_input;
    std::vector<imap::ThreadMessage> thread_input;
    for (auto& m : *messages) {
      auto pos = std::lower_bound(view.begin(), view.end(), m.uid);
      if (pos == view.end() || *pos != m.uid) continue;  // not announced to this client yet
      const auto seq = static_cast<std::uint32_t>(pos - view.begin()) + 1;
      imap::SearchMessage sm;
      sm.seq = seq;
      sm.uid = m.uid;
      sm.flags = m.flags;
      sm.keywords = m.keywords;
      sm.size = m.size;
      sm.internal_date = m.internal_date;
      sm.sent_date = m.metadata ? m.metadata->sent_date : 0;
      sm.save_date = m.save_date;
      sm.modseq = m.modseq;
      text.set_message(m.uid);
      if (!program.matches(sm, &text)) continue;
      if (text.error()) break;
      const std::uint32_t number = uid ? m.uid : seq;
      f.uids.push_back(m.uid);
      f.modseq = std::max<std::uint64_t>(f.modseq, m.modseq);
      if (sorting) {
        imap::SortMessage sort;
        sort.number = number;
        sort.seq = seq;
        sort.arrival = m.internal_date;
        sort.date = m.metadata && m.metadata->sent_date ? m.metadata->sent_date : m.internal_date;
        sort.size = m.size;
        if (m.metadata) {
          sort.subject = imap::base_subject(m.metadata->subject);
          auto keys = imap::envelope_sort_keys(m.metadata->envelope);
          sort.from = std::move(keys.from);
          sort.to = std::move(keys.to);
          sort.cc = std::move(keys.cc);
        }
        sort_input.push_back(std::move(sort));
      } else if (threading) {
        imap::ThreadMessage t;
        t.number = number;
        if (m.metadata) {
          t.message_id = m.metadata->message_id;
          t.references = m.metadata->references;
          t.subject = m.metadata->subject;
        }
        t.date = m.metadata && m.metadata->sent_date ? m.metadata->sent_date : m.internal_date;
        thread_input.push_back(std::move(t));
      } else {
        f.numbers.push_back(number);
      }
    }
    if (text.error()) {
      f.error = text.error();
      return f;
    }
    if (sorting) {
      f.numbers = imap::sort_messages(std::get<imap::SortCmd>(cmd).criteria, std::move(sort_input));
    } else if (threading) {
      f.threads =
          imap::thread_messages(std::get<imap::ThreadCmd>(cmd).algorithm, std::move(thread_input));
    } else {
      std::sort(f.numbers.begin(), f.numbers.end());
    }
    return f;
  });
  if (found.error) {
    spdlog::error("imap: SEARCH failed: {}", found.error->message);
    co_return no_reply(imap::code::kServerBug, "Internal error");
  }
  if (!selected_) co_return ok_reply();
  auto w = writer();
  const char* done_text = "SEARCH completed";
  if (auto* s = std::get_if<imap::SearchCmd>(&cmd)) {
    std::optional<std::uint64_t> modseq;
    if (program.uses_modseq()) modseq = found.modseq;
    w.search_results(tag, *s, found.numbers, modseq, protocol_.imap4rev2());
    if (s->returns && s->returns->save)
      selected_->view.save(imap::saved_result(*s->returns, found.uids));
  } else if (sorting) {
    w.sort(found.numbers);
    done_text = "SORT completed";
  } else {
    w.thread(found.threads);
    done_text = "THREAD completed";
  }
  co_return ok_reply({}, done_text);
}

}  // namespace facteur::server
