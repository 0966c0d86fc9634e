// RaftLog: one replica's log in memory, from the last snapshot to the last entry.
//
// The core keeps every entry after the latest snapshot in memory (the application compacts the
// log by taking snapshots, see Raft::Compact), and tracks four positions:
//
//   snapshot index <= applied <= committed <= last index,   stable <= last index
//
// `stable` is the last index the application has persisted; entries after it are handed out in
// the next Ready. A follower may replace a suffix that is not committed; stable then moves back.
//
// Thread-safety: none; owned by one Raft object.
#pragma once

#include <deque>
#include <optional>
#include <vector>

#include "libddb/raft/types.h"

namespace ddb::raft {

class RaftLog {
 public:
  // A log that starts right after `snapshot` (whose entries are stable and committed) and
  // continues with `entries` (already persisted). REQUIRES: entries are contiguous from
  // snapshot.index + 1.
  RaftLog(const SnapshotMeta& snapshot, std::vector<Entry> entries);

  Index FirstIndex() const { return snap_index_ + 1; }
  Index LastIndex() const { return snap_index_ + entries_.size(); }
  Term LastTerm() const { return *TermAt(LastIndex()); }
  Index SnapshotIndex() const { return snap_index_; }
  Term SnapshotTerm() const { return snap_term_; }
  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  Index stable() const { return stable_; }

  // The term of entry `i`, or nothing if `i` is before the snapshot or after the last entry.
  std::optional<Term> TermAt(Index i) const;
  bool MatchTerm(Index i, Term t) const;
  // REQUIRES: FirstIndex() <= i <= LastIndex().
  const Entry& At(Index i) const;

  // Raft's "at least as up-to-date" rule (paper 5.4.1) for a candidate whose last entry is
  // (index, term).
  bool IsUpToDate(Index index, Term term) const;

  // Follower side of AppendEntries: if entry `prev` has term `prev_term`, drops every entry
  // that conflicts with `entries`, appends the new ones and returns the index of the last entry
  // the message vouches for; otherwise returns nothing. Never touches committed entries (a
  // conflict there means a broken invariant and aborts).
  std::optional<Index> MaybeAppend(Index prev, Term prev_term, std::vector<Entry> entries);
  // Leader side: appends entries that follow the last one. REQUIRES: contiguous indexes.
  void Append(std::vector<Entry> entries);

  // Moves committed forward (never back). REQUIRES: i <= LastIndex().
  void CommitTo(Index i);
  void AppliedTo(Index i);
  // The application persisted entries up to `i`, which had term `t`. Ignored if the entry has
  // been replaced since (its term differs).
  void StableTo(Index i, Term t);

  // Entries in [lo, hi) whose total size stays under max_bytes (at least one entry).
  // REQUIRES: FirstIndex() <= lo <= hi <= LastIndex() + 1.
  std::vector<Entry> Slice(Index lo, Index hi, size_t max_bytes) const;
  // Entries after `stable`, to be persisted.
  std::vector<Entry> UnstableEntries() const;
  // Committed entries not yet applied, up to max_bytes (at least one when there are some).
  std::vector<Entry> NextCommitted(size_t max_bytes) const;
  bool HasNextCommitted() const { return committed_ > applied_; }
  // True if a committed entry not yet applied is a membership change.
  bool HasUnappliedConfChange() const;

  // Drops entries up to `index`, which becomes the snapshot point. REQUIRES: index <= applied
  // and index <= stable.
  void Compact(Index index);
  // Replaces the whole log with a snapshot received from the leader (everything up to its
  // index is committed, applied once the application installs it, and stable once persisted).
  void Restore(const SnapshotMeta& snapshot);

 private:
  Index snap_index_ = 0;
  Term snap_term_ = 0;
  std::deque<Entry> entries_;  // indexes snap_index_ + 1 ...
  Index committed_ = 0;
  Index applied_ = 0;
  Index stable_ = 0;
};

}  // namespace ddb::raft
