#include "proto/imap/search.hpp"

#include <algorithm>

#include "base/strings.hpp"

namespace facteur::imap {

using K = SearchKey::Kind;

struct SearchProgram::Node {
  const SearchKey* key = nullptr;
  std::vector<Interval> intervals;  // sequence_set / uid
  std::vector<Node> children;       // and_: cheap ones first
  bool costly = false;              // this subtree asks SearchText
};

namespace {

bool is_text_kind(K k) {
  switch (k) {
    case K::bcc:
    case K::body:
    case K::cc:
    case K::from:
    case K::subject:
    case K::text:
    case K::to:
    case K::header:
      return true;
    default:
      return false;
  }
}

std::int64_t day_of(std::int64_t unix, int offset_minutes) {
  const std::int64_t t = unix + std::int64_t(offset_minutes) * 60;
  return t >= 0 ? t / 86400 : (t - 86399) / 86400;
}

}  // namespace

SearchProgram::SearchProgram(const SearchKey& key, const SearchContext& context)
    : key_(std::make_unique<SearchKey>(key)), root_(std::make_unique<Node>()), context_(context) {
  // Iterative build would be longer; the parser bounds the depth (ParserOptions::max_depth).
  struct Builder {
    const SearchContext& ctx;
    bool& text;
    bool& modseq;
    void build(const SearchKey& k, Node& n) {
      n.key = &k;
      if (k.kind == K::sequence_set) {
        if (k.set.saved) {
          n.intervals = intervals_of(
              std::vector<std::uint32_t>(ctx.saved_uids.begin(), ctx.saved_uids.end()));
        } else {
          n.intervals = normalize(k.set, ctx.exists);
        }
      } else if (k.kind == K::uid) {
        if (k.set.saved) {
          n.intervals = intervals_of(
              std::vector<std::uint32_t>(ctx.saved_uids.begin(), ctx.saved_uids.end()));
        } else {
          n.intervals = normalize(k.set, ctx.max_uid);
        }
      }
      if (is_text_kind(k.kind)) {
        n.costly = true;
        text = true;
      }
      if (k.kind == K::modseq) modseq = true;
      n.children.resize(k.children.size());
      for (std::size_t i = 0; i < k.children.size(); ++i) {
        build(k.children[i], n.children[i]);
        n.costly = n.costly || n.children[i].costly;
      }
      if (k.kind == K::and_)
        std::stable_partition(n.children.begin(), n.children.end(),
                              [](const Node& c) { return !c.costly; });
    }
  };
  Builder b{context_, needs_text_, uses_modseq_};
  b.build(*key_, *root_);
}

SearchProgram::~SearchProgram() = default;
SearchProgram::SearchProgram(SearchProgram&&) noexcept = default;
SearchProgram& SearchProgram::operator=(SearchProgram&&) noexcept = default;

bool SearchProgram::needs_text() const {
  return needs_text_;
}
bool SearchProgram::uses_modseq() const {
  return uses_modseq_;
}

bool SearchProgram::matches(const SearchMessage& m, SearchText* text) const {
  struct Eval {
    const SearchContext& ctx;
    const SearchMessage& m;
    SearchText* text;
    bool has_keyword(std::string_view kw) const {
      return std::any_of(m.keywords.begin(), m.keywords.end(),
                         [&](const std::string& k) { return iequals(k, kw); });
    }
    bool ask_header(std::string_view field, std::string_view needle) const {
      return text && text->header(field, needle);
    }
    bool eval(const Node& n) const {
      const SearchKey& k = *n.key;
      const std::int64_t day = std::int64_t(k.date.time_since_epoch().count());
      const int zone = ctx.zone_offset_minutes;
      switch (k.kind) {
        case K::all:
          return true;
        case K::and_:
          for (const auto& c : n.children)
            if (!eval(c)) return false;
          return true;
        case K::or_:
          return eval(n.children[0]) || eval(n.children[1]);
        case K::not_:
          return !eval(n.children[0]);
        case K::sequence_set:
          return contains(n.intervals, k.set.saved ? m.uid : m.seq);
        case K::uid:
          return contains(n.intervals, m.uid);
        case K::answered:
          return m.flags & kAnswered;
        case K::deleted:
          return m.flags & kDeleted;
        case K::draft:
          return m.flags & kDraft;
        case K::flagged:
          return m.flags & kFlagged;
        case K::seen:
          return m.flags & kSeen;
        case K::recent:
          return m.flags & kRecent;
        case K::new_:
          return (m.flags & kRecent) && !(m.flags & kSeen);
        case K::old:
          return !(m.flags & kRecent);
        case K::unanswered:
          return !(m.flags & kAnswered);
        case K::undeleted:
          return !(m.flags & kDeleted);
        case K::undraft:
          return !(m.flags & kDraft);
        case K::unflagged:
          return !(m.flags & kFlagged);
        case K::unseen:
          return !(m.flags & kSeen);
        case K::keyword:
          return has_keyword(k.text);
        case K::unkeyword:
          return !has_keyword(k.text);
        case K::bcc:
          return ask_header("Bcc", k.text);
        case K::cc:
          return ask_header("Cc", k.text);
        case K::from:
          return ask_header("From", k.text);
        case K::subject:
          return ask_header("Subject", k.text);
        case K::to:
          return ask_header("To", k.text);
        case K::header:
          return ask_header(k.field, k.text);
        case K::body:
          return text && text->body(k.text);
        case K::text:
          return text && text->text(k.text);
        case K::before:
          return day_of(m.internal_date, zone) < day;
        case K::on:
          return day_of(m.internal_date, zone) == day;
        case K::since:
          return day_of(m.internal_date, zone) >= day;
        case K::sent_before:
          return m.sent_date != 0 && day_of(m.sent_date, zone) < day;
        case K::sent_on:
          return m.sent_date != 0 && day_of(m.sent_date, zone) == day;
        case K::sent_since:
          return m.sent_date != 0 && day_of(m.sent_date, zone) >= day;
        case K::saved_before:
          return m.save_date != 0 && day_of(m.save_date, zone) < day;
        case K::saved_on:
          return m.save_date != 0 && day_of(m.save_date, zone) == day;
        case K::saved_since:
          return m.save_date != 0 && day_of(m.save_date, zone) >= day;
        case K::saved_date_supported:
          return true;
        case K::larger:
          return m.size > k.number;
        case K::smaller:
          return m.size < k.number;
        case K::modseq:
          return m.modseq >= k.number;
        case K::older:
          return ctx.now - m.internal_date >= std::int64_t(k.number);
        case K::younger:
          return ctx.now - m.internal_date <= std::int64_t(k.number);
      }
      return false;
    }
  };
  return Eval{context_, m, text}.eval(*root_);
}

std::vector<std::uint32_t> saved_result(const SearchReturn& r,
                                        std::span<const std::uint32_t> uids) {
  if ((r.min || r.max) && !r.all && !r.count) {
    std::vector<std::uint32_t> out;
    if (uids.empty()) return out;
    if (r.min) out.push_back(uids.front());
    if (r.max && (!r.min || uids.back() != uids.front())) out.push_back(uids.back());
    return out;
  }
  return {uids.begin(), uids.end()};
}

bool contains_icase(std::string_view hay, std::string_view needle) noexcept {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  const char first = ascii_lower(needle[0]);
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (ascii_lower(hay[i]) != first) continue;
    std::size_t j = 1;
    while (j < needle.size() && ascii_lower(hay[i + j]) == ascii_lower(needle[j]))
      ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

}  // namespace facteur::imap
