#include "proto/imap/thread.hpp"

#include <algorithm>
#include <unordered_map>

#include "base/strings.hpp"

namespace facteur::imap {
namespace {

bool is_wsp(char c) {
  return c == ' ' || c == '\t';
}

int icompare(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(ascii_lower(a[i]));
    const auto y = static_cast<unsigned char>(ascii_lower(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

// subj-blob = "[" *BLOBCHAR "]" *WSP; returns its length at `s`, 0 if none.
std::size_t blob_at(std::string_view s) {
  if (s.empty() || s[0] != '[') return 0;
  std::size_t i = 1;
  while (i < s.size() && s[i] != '[' && s[i] != ']')
    ++i;
  if (i >= s.size() || s[i] != ']') return 0;
  ++i;
  while (i < s.size() && is_wsp(s[i]))
    ++i;
  return i;
}

// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; returns its length, 0 if none.
std::size_t refwd_at(std::string_view s) {
  std::size_t i = 0;
  if (s.size() >= 2 && iequals(s.substr(0, 2), "re")) {
    i = 2;
  } else if (s.size() >= 3 && iequals(s.substr(0, 3), "fwd")) {
    i = 3;
  } else if (s.size() >= 2 && iequals(s.substr(0, 2), "fw")) {
    i = 2;
  } else {
    return 0;
  }
  while (i < s.size() && is_wsp(s[i]))
    ++i;
  i += blob_at(s.substr(i));
  if (i < s.size() && s[i] == ':') return i + 1;
  return 0;
}

}  // namespace

namespace {

// `nested`: step (4)'s check of what follows a blob; it removes blobs greedily instead of
// asking again (asking again recursively is exponential in the number of blobs).
std::string base_subject_impl(std::string_view subject, bool* reply_or_forward, bool nested) {
  // (1) whitespace runs -> one space.
  std::string s;
  s.reserve(subject.size());
  for (char c : subject) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && !s.empty() && s.back() == ' ') continue;
    s += c;
  }
  bool refwd = false;
  for (;;) {
    // (2) trailing "(fwd)" and whitespace.
    for (;;) {
      while (!s.empty() && s.back() == ' ')
        s.pop_back();
      if (s.size() >= 5 && iequals(std::string_view(s).substr(s.size() - 5), "(fwd)")) {
        s.resize(s.size() - 5);
        refwd = true;
        continue;
      }
      break;
    }
    // (3)-(5) leaders and blobs.
    for (;;) {
      bool changed = false;
      // (3) subj-leader = (*subj-blob subj-refwd) / WSP
      std::string_view v(s);
      if (!v.empty() && v[0] == ' ') {
        s.erase(0, 1);
        continue;
      }
      std::size_t i = 0;
      for (std::size_t b; (b = blob_at(v.substr(i))) > 0;)
        i += b;
      if (std::size_t r = refwd_at(v.substr(i)); r > 0) {
        s.erase(0, i + r);
        refwd = true;
        changed = true;
      }
      // (4) a leading blob whose removal leaves a non-empty base subject.
      v = s;
      if (std::size_t b = blob_at(v); b > 0) {
        std::string rest(v.substr(b));
        if (nested ? !rest.empty() : !base_subject_impl(rest, nullptr, true).empty()) {
          s = std::move(rest);
          changed = true;
        }
      }
      if (!changed) break;
    }
    // (6) "[fwd: ... ]"
    if (s.size() >= 6 && iequals(std::string_view(s).substr(0, 5), "[fwd:") && s.back() == ']') {
      s = s.substr(5, s.size() - 6);
      refwd = true;
      continue;
    }
    break;
  }
  if (reply_or_forward) *reply_or_forward = refwd;
  return s;
}

}  // namespace

std::string base_subject(std::string_view subject, bool* reply_or_forward) {
  // Sorting and threading need only the start of a subject: bound the work on huge ones
  // (cut on a UTF-8 character boundary).
  constexpr std::size_t kMaxSubject = 2048;
  if (subject.size() > kMaxSubject) {
    std::size_t n = kMaxSubject;
    while (n > 0 && (static_cast<unsigned char>(subject[n]) & 0xC0) == 0x80)
      --n;
    subject = subject.substr(0, n);
  }
  return base_subject_impl(subject, reply_or_forward, false);
}

std::vector<std::uint32_t> sort_messages(std::span<const SortCriterion> criteria,
                                         std::vector<SortMessage> messages) {
  auto compare = [&](const SortMessage& a, const SortMessage& b) {
    for (const auto& c : criteria) {
      int r = 0;
      switch (c.key) {
        case SortKey::arrival:
          r = a.arrival < b.arrival ? -1 : (a.arrival > b.arrival ? 1 : 0);
          break;
        case SortKey::date:
          r = a.date < b.date ? -1 : (a.date > b.date ? 1 : 0);
          break;
        case SortKey::size:
          r = a.size < b.size ? -1 : (a.size > b.size ? 1 : 0);
          break;
        case SortKey::subject:
          r = icompare(a.subject, b.subject);
          break;
        case SortKey::from:
          r = icompare(a.from, b.from);
          break;
        case SortKey::to:
          r = icompare(a.to, b.to);
          break;
        case SortKey::cc:
          r = icompare(a.cc, b.cc);
          break;
      }
      if (c.reverse) r = -r;
      if (r != 0) return r < 0;
    }
    return a.seq < b.seq;
  };
  std::sort(messages.begin(), messages.end(), compare);
  std::vector<std::uint32_t> out;
  out.reserve(messages.size());
  for (const auto& m : messages)
    out.push_back(m.number);
  return out;
}

namespace {

// A minimal reader of the ENVELOPE wire form: lists, NIL, quoted strings, literals, atoms.
class EnvelopeReader {
 public:
  explicit EnvelopeReader(std::string_view s) : s_(s) {}
  struct Item {
    enum class Kind { open, close, nil, string, end } kind = Kind::end;
    std::string text;
  };
  Item next() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\r' || s_[pos_] == '\n'))
      ++pos_;
    if (pos_ >= s_.size()) return {};
    const char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      return {Item::Kind::open, {}};
    }
    if (c == ')') {
      ++pos_;
      return {Item::Kind::close, {}};
    }
    if (c == '"') {
      std::string t;
      for (++pos_; pos_ < s_.size() && s_[pos_] != '"'; ++pos_) {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        t += s_[pos_];
      }
      ++pos_;
      return {Item::Kind::string, std::move(t)};
    }
    if (c == '{') {
      const auto close = s_.find('}', pos_);
      if (close == std::string_view::npos) return {};
      std::size_t n = 0;
      for (std::size_t i = pos_ + 1; i < close; ++i) {
        if (s_[i] < '0' || s_[i] > '9' || n > s_.size()) return {};
        n = n * 10 + std::size_t(s_[i] - '0');
      }
      pos_ = close + 1;
      if (pos_ < s_.size() && s_[pos_] == '\r') ++pos_;
      if (pos_ < s_.size() && s_[pos_] == '\n') ++pos_;
      if (n > s_.size() - pos_) return {};
      std::string t(s_.substr(pos_, n));
      pos_ += n;
      return {Item::Kind::string, std::move(t)};
    }
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '(' && s_[pos_] != ')')
      ++pos_;
    const std::string_view atom = s_.substr(start, pos_ - start);
    return {iequals(atom, "NIL") ? Item::Kind::nil : Item::Kind::string, std::string(atom)};
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

constexpr std::uint32_t kNone = 0xFFFF'FFFF;

struct Container {
  std::uint32_t message = kNone;  // index into messages, kNone for a dummy
  std::uint32_t parent = kNone;
  std::uint32_t first_child = kNone;
  std::uint32_t next = kNone;  // sibling
};

class Threader {
 public:
  explicit Threader(std::vector<ThreadMessage>& m) : msgs_(m) {}

  std::string references();
  std::string ordered_subject();

 private:
  std::uint32_t container_for(const std::string& id) {
    auto [it, inserted] = ids_.try_emplace(id, std::uint32_t(c_.size()));
    if (inserted) c_.emplace_back();
    return it->second;
  }
  bool is_ancestor(std::uint32_t a, std::uint32_t of) const {
    // Is `a` an ancestor of (or equal to) `of`? Threads deeper than kMaxWalk count as "yes":
    // the link is not made, which bounds the work on hostile reference chains.
    constexpr int kMaxWalk = 1000;
    int steps = 0;
    for (std::uint32_t x = of; x != kNone; x = c_[x].parent) {
      if (x == a || ++steps > kMaxWalk) return true;
    }
    return false;
  }
  void unlink(std::uint32_t x) {
    const std::uint32_t p = c_[x].parent;
    if (p == kNone) return;
    std::uint32_t* link = &c_[p].first_child;
    while (*link != kNone && *link != x)
      link = &c_[*link].next;
    if (*link == x) *link = c_[x].next;
    c_[x].parent = kNone;
    c_[x].next = kNone;
  }
  void link(std::uint32_t parent, std::uint32_t child) {
    unlink(child);
    c_[child].parent = parent;
    c_[child].next = c_[parent].first_child;
    c_[parent].first_child = child;
  }
  std::vector<std::uint32_t> children(std::uint32_t x) const {
    std::vector<std::uint32_t> v;
    for (std::uint32_t k = c_[x].first_child; k != kNone; k = c_[k].next)
      v.push_back(k);
    return v;
  }
  void set_children(std::uint32_t x, const std::vector<std::uint32_t>& kids) {
    c_[x].first_child = kNone;
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) {
      c_[*it].parent = x;
      c_[*it].next = c_[x].first_child;
      c_[x].first_child = *it;
    }
  }
  // The date a container sorts by: its message's, or its first child's (§4 step 5).
  std::pair<std::int64_t, std::uint32_t> sort_key(std::uint32_t x) const {
    for (std::uint32_t k = x; k != kNone; k = c_[k].first_child)
      if (c_[k].message != kNone) return {msgs_[c_[k].message].date, msgs_[c_[k].message].number};
    return {0, 0};
  }
  void sort_siblings(std::vector<std::uint32_t>& v) const {
    std::stable_sort(v.begin(), v.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return sort_key(a) < sort_key(b); });
  }
  void write(std::string& out, std::uint32_t x, bool top) const;

  std::vector<ThreadMessage>& msgs_;
  std::vector<Container> c_;
  std::unordered_map<std::string, std::uint32_t> ids_;
};

void Threader::write(std::string& out, std::uint32_t x, bool) const {
  // Iterative (threads can be deep): a chain of single children is written "a b c", a node
  // with 2+ children continues with one parenthesised list per child.
  enum class Task : std::uint8_t { open, close, node };
  std::vector<std::pair<Task, std::uint32_t>> tasks{
      {Task::close, 0}, {Task::node, x}, {Task::open, 0}};
  while (!tasks.empty()) {
    const auto [task, node] = tasks.back();
    tasks.pop_back();
    if (task == Task::open) {
      out += '(';
      continue;
    }
    if (task == Task::close) {
      out += ')';
      continue;
    }
    bool first = true;
    std::uint32_t cur = node;
    for (;;) {
      if (c_[cur].message != kNone) {
        if (!first) out += ' ';
        out += std::to_string(msgs_[c_[cur].message].number);
        first = false;
      }
      std::vector<std::uint32_t> kids = children(cur);
      if (kids.empty()) break;
      if (kids.size() == 1) {
        cur = kids[0];
        continue;
      }
      if (!first) out += ' ';
      for (auto it = kids.rbegin(); it != kids.rend(); ++it) {
        tasks.emplace_back(Task::close, 0);
        tasks.emplace_back(Task::node, *it);
        tasks.emplace_back(Task::open, 0);
      }
      break;
    }
  }
}

std::string Threader::references() {
  // §4 (1): link messages by their references.
  c_.reserve(msgs_.size() * 2);
  std::vector<std::uint32_t> of_message(msgs_.size());
  for (std::uint32_t i = 0; i < msgs_.size(); ++i) {
    auto& m = msgs_[i];
    std::uint32_t me;
    auto it = m.message_id.empty() ? ids_.end() : ids_.find(m.message_id);
    if (!m.message_id.empty() && it == ids_.end()) {
      me = container_for(m.message_id);
    } else if (it != ids_.end() && c_[it->second].message == kNone) {
      me = it->second;  // a placeholder created by an earlier message's references
    } else {
      // No id, or a duplicate: a container of its own (§4 1.A).
      me = std::uint32_t(c_.size());
      c_.emplace_back();
    }
    c_[me].message = i;
    of_message[i] = me;
    // 1.B: link the references chain parent -> child, unless that makes a loop or the child
    // already has a parent.
    std::uint32_t prev = kNone;
    for (const auto& ref : m.references) {
      if (ref.empty()) continue;
      const std::uint32_t r = container_for(ref);
      if (prev != kNone && c_[r].parent == kNone && !is_ancestor(r, prev) && r != prev)
        link(prev, r);
      prev = r;
    }
    // 1.C: the message's parent is the last reference.
    if (prev != kNone && prev != me && !is_ancestor(me, prev)) {
      link(prev, me);
    } else if (prev == kNone || prev == me) {
      unlink(me);
    }
  }
  // (2) root set.
  std::vector<std::uint32_t> roots;
  for (std::uint32_t i = 0; i < c_.size(); ++i)
    if (c_[i].parent == kNone) roots.push_back(i);
  // (4) prune dummies, bottom-up (iterative post-order: reference chains can be long).
  std::vector<std::uint32_t> post;
  {
    std::vector<std::pair<std::uint32_t, bool>> st;
    for (auto r : roots)
      st.emplace_back(r, false);
    while (!st.empty()) {
      auto [x, expanded] = st.back();
      st.pop_back();
      if (expanded) {
        post.push_back(x);
        continue;
      }
      st.emplace_back(x, true);
      for (std::uint32_t k = c_[x].first_child; k != kNone; k = c_[k].next)
        st.emplace_back(k, false);
    }
  }
  for (auto x : post) {
    std::vector<std::uint32_t> kept;
    for (auto k : children(x)) {
      if (c_[k].message != kNone) {
        kept.push_back(k);
        continue;
      }
      // 4.A: a dummy without children goes; 4.B: one with children is replaced by them.
      for (auto g : children(k))
        kept.push_back(g);
    }
    set_children(x, kept);
  }
  std::vector<std::uint32_t> top;
  for (auto r : roots) {
    if (c_[r].message == kNone) {
      auto kids = children(r);
      if (kids.empty()) continue;
      if (kids.size() == 1) {  // 4.B at root: promote a single child
        c_[kids[0]].parent = kNone;
        c_[kids[0]].next = kNone;
        top.push_back(kids[0]);
        continue;
      }
    }
    top.push_back(r);
  }
  // (5) sort the root set by date.
  sort_siblings(top);
  // (6) group by base subject.
  std::unordered_map<std::string, std::uint32_t> by_subject;
  auto subject_of = [&](std::uint32_t x, bool* refwd) {
    std::uint32_t m = c_[x].message;
    if (m == kNone) {
      const auto kids = children(x);
      if (!kids.empty()) m = c_[kids[0]].message;
    }
    if (m == kNone) return std::string();
    return base_subject(msgs_[m].subject, refwd);
  };
  for (auto r : top) {
    bool refwd = false;
    std::string subj = subject_of(r, &refwd);
    if (subj.empty()) continue;
    auto it = by_subject.find(subj);
    if (it == by_subject.end()) {
      by_subject.emplace(std::move(subj), r);
      continue;
    }
    // Prefer a dummy, else a non-reply (§4 6.B).
    const std::uint32_t cur = it->second;
    bool cur_refwd = false;
    subject_of(cur, &cur_refwd);
    if ((c_[r].message == kNone && c_[cur].message != kNone) ||
        (c_[cur].message != kNone && cur_refwd && !refwd))
      it->second = r;
  }
  std::vector<std::uint32_t> final_roots;
  for (auto r : top) {
    bool refwd = false;
    const std::string subj = subject_of(r, &refwd);
    auto it = subj.empty() ? by_subject.end() : by_subject.find(subj);
    if (it == by_subject.end() || it->second == r) {
      final_roots.push_back(r);
      continue;
    }
    const std::uint32_t keep = it->second;
    if (c_[keep].message == kNone && c_[r].message == kNone) {
      auto kids = children(keep);
      for (auto k : children(r))
        kids.push_back(k);
      set_children(keep, kids);
    } else if (c_[keep].message == kNone) {
      auto kids = children(keep);
      kids.push_back(r);
      set_children(keep, kids);
    } else if (c_[r].message != kNone && !refwd) {
      // Neither is a dummy and this one is not a reply: both become children of a new dummy.
      const std::uint32_t d = std::uint32_t(c_.size());
      c_.emplace_back();
      set_children(d, {keep, r});
      // Replace keep's position by the dummy.
      for (auto& fr : final_roots)
        if (fr == keep) fr = d;
      it->second = d;
    } else {
      auto kids = children(keep);
      kids.push_back(r);
      set_children(keep, kids);
    }
  }
  // (7) sort children by date, recursively (iterative stack).
  std::vector<std::uint32_t> stack(final_roots.begin(), final_roots.end());
  while (!stack.empty()) {
    const std::uint32_t x = stack.back();
    stack.pop_back();
    auto kids = children(x);
    if (kids.size() > 1) {
      sort_siblings(kids);
      set_children(x, kids);
    }
    for (auto k : kids)
      stack.push_back(k);
  }
  sort_siblings(final_roots);
  std::string out;
  for (auto r : final_roots)
    write(out, r, true);
  return out;
}

std::string Threader::ordered_subject() {
  std::vector<std::uint32_t> order(msgs_.size());
  std::vector<std::string> subjects(msgs_.size());
  for (std::uint32_t i = 0; i < msgs_.size(); ++i) {
    order[i] = i;
    subjects[i] = base_subject(msgs_[i].subject);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const int c = icompare(subjects[a], subjects[b]);
    if (c != 0) return c < 0;
    if (msgs_[a].date != msgs_[b].date) return msgs_[a].date < msgs_[b].date;
    return msgs_[a].number < msgs_[b].number;
  });
  // Group runs of equal subjects; threads ordered by their first message's date.
  std::vector<std::pair<std::size_t, std::size_t>> groups;  // [begin, end) into order
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && icompare(subjects[order[i]], subjects[order[j]]) == 0)
      ++j;
    groups.emplace_back(i, j);
    i = j;
  }
  std::stable_sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
    const auto& ma = msgs_[order[a.first]];
    const auto& mb = msgs_[order[b.first]];
    if (ma.date != mb.date) return ma.date < mb.date;
    return ma.number < mb.number;
  });
  std::string out;
  for (const auto& [b, e] : groups) {
    out += '(';
    out += std::to_string(msgs_[order[b]].number);
    if (e - b == 2) {
      out += ' ';
      out += std::to_string(msgs_[order[b + 1]].number);
    } else if (e - b > 2) {
      out += ' ';
      for (std::size_t k = b + 1; k < e; ++k) {
        out += '(';
        out += std::to_string(msgs_[order[k]].number);
        out += ')';
      }
    }
    out += ')';
  }
  return out;
}

}  // namespace

EnvelopeSortKeys envelope_sort_keys(std::string_view envelope) {
  EnvelopeSortKeys keys;
  EnvelopeReader r(envelope);
  using Kind = EnvelopeReader::Item::Kind;
  if (r.next().kind != Kind::open) return keys;
  // date, subject, from, sender, reply-to, to, cc
  for (int field = 0; field < 7; ++field) {
    auto item = r.next();
    if (item.kind == Kind::end || item.kind == Kind::close) return keys;
    if (item.kind != Kind::open) continue;  // NIL or a string
    // An address list: ((name adl mailbox host) ...)
    std::string first_mailbox;
    bool first = true;
    int depth = 1;
    while (depth > 0) {
      auto a = r.next();
      if (a.kind == Kind::end) return keys;
      if (a.kind == Kind::close) {
        --depth;
        continue;
      }
      if (a.kind != Kind::open) continue;
      // One address: 4 items then ")".
      EnvelopeReader::Item parts[4];
      for (auto& p : parts)
        p = r.next();
      if (r.next().kind != Kind::close) return keys;
      if (first && parts[2].kind == Kind::string && parts[3].kind != Kind::nil) {
        first_mailbox = parts[2].text;
        first = false;
      }
    }
    if (field == 2) keys.from = first_mailbox;
    if (field == 5) keys.to = first_mailbox;
    if (field == 6) keys.cc = first_mailbox;
  }
  return keys;
}

std::string thread_messages(ThreadAlgorithm algorithm, std::vector<ThreadMessage> messages) {
  Threader t(messages);
  return algorithm == ThreadAlgorithm::references ? t.references() : t.ordered_subject();
}

}  // namespace facteur::imap
