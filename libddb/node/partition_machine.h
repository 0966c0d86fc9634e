// PartitionMachine: a partition replica's PartitionStore as the state machine of its Raft group
// (replication/state_machine.h).
//
// Normal entries carry storage::WriteCommands (the outcome the leader computed); membership and
// empty entries only move the applied index. Writes are not synced as they are applied: the
// Raft log holds them until Sync(), which the manager calls before compacting the log.
//
// Thread-safety: called by the ReplicaManager as replication/state_machine.h says (Restore and
// Sync on threads of their own); the store itself may be read concurrently by request
// handlers.
#pragma once

#include "libddb/replication/state_machine.h"
#include "libddb/storage/partition_store.h"

namespace ddb::node {

class PartitionMachine : public replication::StateMachine {
 public:
  // REQUIRES: `store` outlives this object.
  explicit PartitionMachine(storage::PartitionStore* store) : store_(store) {}

  raft::Index AppliedIndex() override { return store_->applied_index(); }
  Status Apply(const raft::Entry& entry) override;
  // One LevelDB write for all the entries.
  Status ApplyAll(const std::vector<raft::Entry>& entries) override;
  Status Sync() override { return store_->Sync(); }
  // Gives back the memtable's memory (a partition nobody writes to for a minute).
  Status Idle() override { return store_->FlushMemtable(); }
  replication::SnapshotReader Snapshot() override { return store_->SnapshotReader(); }
  Status Restore(const raft::SnapshotMeta& meta, ByteSource& data) override;

 private:
  storage::PartitionStore* const store_;
};

}  // namespace ddb::node
