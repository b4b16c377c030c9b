#include "proto/imap/mailbox_view.hpp"

#include <algorithm>

namespace facteur::imap {

MailboxView::Moment MailboxView::moment_for(const Command& c) {
  bool seq = false;
  if (auto* f = std::get_if<FetchCmd>(&c)) seq = !f->uid;
  if (auto* s = std::get_if<StoreCmd>(&c)) seq = !s->uid;
  if (auto* s = std::get_if<SearchCmd>(&c)) seq = !s->uid;
  if (auto* s = std::get_if<SortCmd>(&c)) seq = !s->uid;
  if (auto* t = std::get_if<ThreadCmd>(&c)) seq = !t->uid;
  return seq ? Moment::no_expunge : Moment::any;
}

void MailboxView::reset(std::vector<std::uint32_t> uids, std::uint64_t highest_modseq,
                        std::uint32_t recent_from_uid) {
  uids_ = std::move(uids);
  pending_new_.clear();
  pending_expunged_.clear();
  pending_flags_.clear();
  saved_.clear();
  highest_modseq_ = highest_modseq;
  recent_from_ = recent_from_uid;
}

void MailboxView::clear() {
  reset({}, 0, 0);
}

std::optional<std::uint32_t> MailboxView::seq_of(std::uint32_t uid) const {
  auto it = std::lower_bound(uids_.begin(), uids_.end(), uid);
  if (it == uids_.end() || *it != uid) return std::nullopt;
  return std::uint32_t(it - uids_.begin()) + 1;
}

std::uint32_t MailboxView::uid_of(std::uint32_t seq) const {
  if (seq == 0 || seq > uids_.size()) return 0;
  return uids_[seq - 1];
}

std::uint32_t MailboxView::recent_count() const {
  if (recent_from_ == 0) return 0;
  return std::uint32_t(uids_.end() - std::lower_bound(uids_.begin(), uids_.end(), recent_from_));
}

bool MailboxView::is_recent(std::uint32_t uid) const {
  return recent_from_ != 0 && uid >= recent_from_;
}

std::uint32_t MailboxView::last_uid() const {
  std::uint32_t m = uids_.empty() ? 0 : uids_.back();
  if (!pending_new_.empty()) m = std::max(m, pending_new_.back());
  return m;
}

Result<std::vector<std::uint32_t>> MailboxView::resolve(const SequenceSet& set, bool uid) const {
  std::vector<std::uint32_t> out;
  if (set.saved) {
    for (auto u : saved_)
      if (auto s = seq_of(u)) out.push_back(*s - 1);
    return out;
  }
  if (uid) {
    for (auto i : resolve_uids(set, uids_))
      out.push_back(std::uint32_t(i));
    return out;
  }
  auto seqs = resolve_sequence_numbers(set, exists());
  if (!seqs) return std::unexpected(seqs.error());
  out.reserve(seqs->size());
  for (auto s : *seqs)
    out.push_back(s - 1);
  return out;
}

void MailboxView::save(std::vector<std::uint32_t> uids) {
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  saved_ = std::move(uids);
}

void MailboxView::added(std::span<const std::uint32_t> uids) {
  const std::uint32_t last = last_uid();
  for (auto u : uids)
    if (u > last) pending_new_.push_back(u);
  std::sort(pending_new_.begin(), pending_new_.end());
  pending_new_.erase(std::unique(pending_new_.begin(), pending_new_.end()), pending_new_.end());
}

void MailboxView::expunged(std::span<const std::uint32_t> uids) {
  for (auto u : uids) {
    // Never announced: forget it quietly.
    auto it = std::lower_bound(pending_new_.begin(), pending_new_.end(), u);
    if (it != pending_new_.end() && *it == u) {
      pending_new_.erase(it);
      continue;
    }
    if (seq_of(u)) pending_expunged_.insert(u);
    pending_flags_.erase(u);
  }
}

void MailboxView::flags_changed(FlagState state) {
  if (!seq_of(state.uid)) return;
  if (pending_expunged_.contains(state.uid)) return;
  auto& slot = pending_flags_[state.uid];
  if (slot.uid == 0 || state.modseq >= slot.modseq) slot = std::move(state);
}

bool MailboxView::has_pending() const {
  return !pending_new_.empty() || !pending_expunged_.empty() || !pending_flags_.empty();
}

bool MailboxView::flush(ResponseWriter& w, Moment moment, const FlushOptions& o) {
  bool wrote = false;
  if (moment == Moment::any && !pending_expunged_.empty()) {
    std::vector<std::uint32_t> gone;  // UIDs actually in view, ascending
    std::vector<std::uint32_t> seqs;
    for (auto u : pending_expunged_)
      if (auto s = seq_of(u)) {
        gone.push_back(u);
        seqs.push_back(*s);
      }
    if (o.qresync) {
      w.vanished(gone, false);
    } else {
      // Each EXPUNGE renumbers the ones after it: the i-th (ascending) is at seq - i.
      for (std::size_t i = 0; i < seqs.size(); ++i)
        w.expunge(seqs[i] - std::uint32_t(i));
    }
    // Compact the view and the saved result.
    std::vector<std::uint32_t> kept;
    kept.reserve(uids_.size() - gone.size());
    std::set_difference(uids_.begin(), uids_.end(), gone.begin(), gone.end(),
                        std::back_inserter(kept));
    uids_ = std::move(kept);
    std::vector<std::uint32_t> saved;
    std::set_difference(saved_.begin(), saved_.end(), gone.begin(), gone.end(),
                        std::back_inserter(saved));
    saved_ = std::move(saved);
    pending_expunged_.clear();
    wrote = wrote || !gone.empty();
  }
  if (!pending_new_.empty()) {
    uids_.insert(uids_.end(), pending_new_.begin(), pending_new_.end());
    pending_new_.clear();
    w.exists(exists());
    if (o.rev1) w.recent(recent_count());
    wrote = true;
  }
  if (!pending_flags_.empty()) {
    for (auto it = pending_flags_.begin(); it != pending_flags_.end();) {
      const FlagState& f = it->second;
      const auto seq = seq_of(f.uid);
      const bool waiting = pending_expunged_.contains(f.uid);
      if (!seq || waiting) {
        it = pending_flags_.erase(it);
        continue;
      }
      auto fw = w.fetch(*seq);
      fw.uid(f.uid);
      fw.flags(f.flags | (is_recent(f.uid) ? kRecent : 0), f.keywords);
      if (o.condstore) fw.modseq(f.modseq);
      fw.finish();
      it = pending_flags_.erase(it);
      wrote = true;
    }
  }
  return wrote;
}

std::vector<std::uint32_t> vanished_within(const std::optional<SequenceSet>& set,
                                           std::span<const std::uint32_t> expunged_since,
                                           std::uint32_t star) {
  std::vector<std::uint32_t> out(expunged_since.begin(), expunged_since.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (!set || set->saved) return out;
  const auto iv = normalize(*set, star);
  std::erase_if(out, [&](std::uint32_t u) { return !contains(iv, u); });
  return out;
}

void write_select(ResponseWriter& w, const SelectInfo& i) {
  constexpr FlagBits kSystem = kAnswered | kFlagged | kDeleted | kSeen | kDraft;
  w.flags(kSystem, i.keywords);
  w.exists(i.exists);
  if (i.rev1) {
    w.recent(i.recent);
    if (i.first_unseen) w.status("OK", code::unseen(i.first_unseen), "First unseen");
  }
  if (i.read_only) {
    w.status("OK", "PERMANENTFLAGS ()", "No permanent flags permitted");
  } else {
    w.status("OK", code::permanentflags(kSystem, i.keywords, true), "Flags permitted");
  }
  w.status("OK", code::uidvalidity(i.uid_validity), "UIDs valid");
  w.status("OK", code::uidnext(i.uid_next), "Predicted next UID");
  if (i.condstore) {
    if (i.highest_modseq) {
      w.status("OK", code::highestmodseq(i.highest_modseq), "Highest");
    } else {
      w.status("OK", code::kNoModSeq, "No mod-sequences");
    }
  }
  if (!i.rev1) w.list(i.list_attributes, i.mailbox);
}

}  // namespace facteur::imap
