// StateMachine: the application side of one replication group, as ReplicaManager drives it.
//
// Methods are called on the manager's Raft loop thread, one at a time, except: Restore runs on
// a thread of its own while nothing else is called; Sync runs on a thread of its own while the
// loop may go on calling Apply, ApplyAll, AppliedIndex and Snapshot (never two Syncs, nor a
// Sync and a Restore, at once). A SnapshotReader runs on the manager's snapshot thread
// (SnapshotSender), while the loop goes on.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "libddb/core/byte_source.h"
#include "libddb/core/result.h"
#include "libddb/raft/types.h"

namespace ddb::replication {

// Produces a snapshot's data, in pieces: the state as it was when the reader was made.
using SnapshotReader = std::unique_ptr<ByteSource>;

class StateMachine {
 public:
  virtual ~StateMachine() = default;

  // The index of the last applied entry, as stored with the data (0 when nothing is).
  virtual raft::Index AppliedIndex() = 0;
  // Applies one committed normal entry whose index is AppliedIndex() + 1 (membership entries
  // and empty entries only advance the index: call with them too). The write need not be
  // synced: the Raft log holds the entry until Sync() says the data has it durably. An error
  // is fatal: a replica cannot skip a committed entry.
  virtual Status Apply(const raft::Entry& entry) = 0;
  // Applies consecutive committed entries (the first is AppliedIndex() + 1), as one write if
  // the machine can; the default applies them one by one.
  virtual Status ApplyAll(const std::vector<raft::Entry>& entries) {
    for (const raft::Entry& e : entries) DDB_RETURN_IF_ERROR(Apply(e));
    return Status::OK();
  }
  // Makes durable at least everything applied before the call; the log may then be compacted
  // up to the AppliedIndex() read before the call. May run while entries are applied.
  virtual Status Sync() = 0;
  // Called once the group has applied nothing for a while (ManagerOptions::idle_ms), on a
  // thread of its own, never alongside Sync (a Restore may start meanwhile: Idle must then
  // leave the restored state alone): the machine may give back memory it holds for writes
  // (a partition store flushes its memtable). The default does nothing.
  virtual Status Idle() { return Status::OK(); }
  // The applied state as it is now (at AppliedIndex()), for a follower that needs a snapshot.
  // Making the reader must be cheap; reading may take long, on another thread, while entries
  // are applied: it must still produce this moment's state. The sender reads it a chunk at a
  // time (it asks the Size() first), so it need not hold the whole state in memory. The
  // manager runs no reader of a group after RemoveGroup returns (nor after it is destroyed).
  virtual SnapshotReader Snapshot() = 0;
  // Replaces the state with a snapshot's, durably; AppliedIndex() becomes meta.index. `data`
  // (empty for the snapshot a new group starts from) may be bigger than memory: read it in
  // pieces. An error must mean nothing changed (a damaged snapshot, a full disk): the replica
  // then starts again from what it holds and its leader sends the snapshot again. A failure
  // that may have left the state changed must stop the process instead (DDB_CHECK).
  virtual Status Restore(const raft::SnapshotMeta& meta, ByteSource& data) = 0;
};

}  // namespace ddb::replication
