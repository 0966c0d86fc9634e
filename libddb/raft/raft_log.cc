#include "libddb/raft/raft_log.h"

#include <algorithm>

#include "libddb/core/check.h"

namespace ddb::raft {

RaftLog::RaftLog(const SnapshotMeta& snapshot, std::vector<Entry> entries)
    : snap_index_(snapshot.index),
      snap_term_(snapshot.term),
      committed_(snapshot.index),
      applied_(snapshot.index) {
  for (auto& e : entries) {
    DDB_CHECK_MSG(e.index == LastIndex() + 1, "log entries not contiguous: %llu after %llu",
                  static_cast<unsigned long long>(e.index),
                  static_cast<unsigned long long>(LastIndex()));
    entries_.push_back(std::move(e));
  }
  stable_ = LastIndex();
}

std::optional<Term> RaftLog::TermAt(Index i) const {
  if (i == snap_index_) return snap_term_;
  if (i < snap_index_ || i > LastIndex()) return std::nullopt;
  return entries_[i - snap_index_ - 1].term;
}

bool RaftLog::MatchTerm(Index i, Term t) const {
  std::optional<Term> term = TermAt(i);
  return term && *term == t;
}

const Entry& RaftLog::At(Index i) const {
  DDB_CHECK(i > snap_index_ && i <= LastIndex());
  return entries_[i - snap_index_ - 1];
}

bool RaftLog::IsUpToDate(Index index, Term term) const {
  Term last_term = LastTerm();
  return term > last_term || (term == last_term && index >= LastIndex());
}

std::optional<Index> RaftLog::MaybeAppend(Index prev, Term prev_term, std::vector<Entry> entries) {
  if (!MatchTerm(prev, prev_term)) return std::nullopt;
  Index last_new = prev + entries.size();
  // Find the first entry that is not already in the log with the same term.
  size_t skip = 0;
  for (; skip < entries.size(); ++skip) {
    const Entry& e = entries[skip];
    if (e.index <= snap_index_) continue;  // covered by the snapshot: committed, hence equal
    if (!MatchTerm(e.index, e.term)) break;
  }
  if (skip < entries.size()) {
    Index conflict = entries[skip].index;
    if (conflict <= LastIndex()) {
      DDB_CHECK_MSG(conflict > committed_,
                    "entry %llu conflicts with a committed entry (committed %llu)",
                    static_cast<unsigned long long>(conflict),
                    static_cast<unsigned long long>(committed_));
      entries_.resize(conflict - snap_index_ - 1);
      stable_ = std::min(stable_, conflict - 1);
    }
    for (size_t i = skip; i < entries.size(); ++i) entries_.push_back(std::move(entries[i]));
  }
  return last_new;
}

void RaftLog::Append(std::vector<Entry> entries) {
  for (auto& e : entries) {
    DDB_CHECK(e.index == LastIndex() + 1);
    entries_.push_back(std::move(e));
  }
}

void RaftLog::CommitTo(Index i) {
  if (i <= committed_) return;
  DDB_CHECK_MSG(i <= LastIndex(), "commit %llu beyond last index %llu",
                static_cast<unsigned long long>(i), static_cast<unsigned long long>(LastIndex()));
  committed_ = i;
}

void RaftLog::AppliedTo(Index i) {
  if (i <= applied_) return;
  DDB_CHECK(i <= committed_);
  applied_ = i;
}

void RaftLog::StableTo(Index i, Term t) {
  if (i > stable_ && MatchTerm(i, t)) stable_ = i;
}

std::vector<Entry> RaftLog::Slice(Index lo, Index hi, size_t max_bytes) const {
  DDB_CHECK(lo > snap_index_ && lo <= hi && hi <= LastIndex() + 1);
  std::vector<Entry> out;
  size_t bytes = 0;
  for (Index i = lo; i < hi; ++i) {
    const Entry& e = At(i);
    bytes += e.data.size() + 24;
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

bool RaftLog::HasUnappliedConfChange() const {
  for (Index i = std::max(applied_ + 1, FirstIndex()); i <= committed_; ++i) {
    if (At(i).type == EntryType::kConfChange) return true;
  }
  return false;
}

std::vector<Entry> RaftLog::UnstableEntries() const {
  std::vector<Entry> out;
  for (Index i = std::max(stable_ + 1, FirstIndex()); i <= LastIndex(); ++i) out.push_back(At(i));
  return out;
}

std::vector<Entry> RaftLog::NextCommitted(size_t max_bytes) const {
  if (!HasNextCommitted()) return {};
  return Slice(applied_ + 1, committed_ + 1, max_bytes);
}

void RaftLog::Compact(Index index) {
  if (index <= snap_index_) return;
  DDB_CHECK(index <= applied_ && index <= stable_);
  snap_term_ = *TermAt(index);
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<long>(index - snap_index_));
  snap_index_ = index;
}

void RaftLog::Restore(const SnapshotMeta& snapshot) {
  entries_.clear();
  snap_index_ = snapshot.index;
  snap_term_ = snapshot.term;
  committed_ = snapshot.index;
  // The snapshot is applied and stable once the application installs and persists it; until
  // then nothing after it exists, and the Ready that carries it sets both.
  applied_ = snapshot.index;
  stable_ = snapshot.index;
}

}  // namespace ddb::raft
