// CatalogMachine: the node's Catalog as the state machine of the replicated __meta group.
//
// Entries carry storage::WriteCommands on the catalog store (Catalog::PutCommand and
// DeleteCommand); after applying any, the catalog reloads its map and `on_change` runs, so the
// node can open and drop its table replicas to match.
//
// Thread-safety: called by the ReplicaManager as replication/state_machine.h says (Restore and
// Sync on threads of their own). `on_change` runs there too: it must only hand the work to
// another thread.
#pragma once

#include <functional>

#include "libddb/node/catalog.h"
#include "libddb/node/partition_machine.h"

namespace ddb::node {

class CatalogMachine : public replication::StateMachine {
 public:
  // REQUIRES: `catalog` outlives this object.
  CatalogMachine(Catalog* catalog, std::function<void()> on_change)
      : catalog_(catalog), partition_(catalog->store()), on_change_(std::move(on_change)) {}

  raft::Index AppliedIndex() override { return partition_.AppliedIndex(); }
  Status Apply(const raft::Entry& entry) override { return ApplyAll({entry}); }
  Status ApplyAll(const std::vector<raft::Entry>& entries) override;
  Status Sync() override { return partition_.Sync(); }
  replication::SnapshotReader Snapshot() override { return partition_.Snapshot(); }
  Status Restore(const raft::SnapshotMeta& meta, ByteSource& data) override;

 private:
  Status Changed();

  Catalog* const catalog_;
  PartitionMachine partition_;
  const std::function<void()> on_change_;
};

}  // namespace ddb::node
