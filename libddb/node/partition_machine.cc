#include "libddb/node/partition_machine.h"

#include "libddb/core/check.h"

namespace ddb::node {

Status PartitionMachine::Apply(const raft::Entry& entry) {
  storage::WriteCommand command;
  if (entry.type == raft::EntryType::kNormal && !entry.data.empty()) {
    DDB_ASSIGN_OR_RETURN(command, storage::WriteCommand::Decode(entry.data));
  }
  return store_->Apply(command, entry.index, /*sync=*/false);
}

Status PartitionMachine::ApplyAll(const std::vector<raft::Entry>& entries) {
  if (entries.empty()) return Status::OK();
  storage::WriteCommand all;
  for (const raft::Entry& e : entries) {
    if (e.type != raft::EntryType::kNormal || e.data.empty()) continue;
    DDB_ASSIGN_OR_RETURN(storage::WriteCommand c, storage::WriteCommand::Decode(e.data));
    for (auto& m : c.mutations) all.mutations.push_back(std::move(m));
    all.AddStats(c.item_delta, c.byte_delta);
  }
  return store_->Apply(all, entries.back().index, /*sync=*/false);
}

Status PartitionMachine::Restore(const raft::SnapshotMeta& meta, ByteSource& data) {
  DDB_ASSIGN_OR_RETURN(uint64_t size, data.Size());
  if (size == 0) {
    // The empty snapshot a new group starts from: the group begins with whatever the store
    // holds (nothing, for a new table; a store written before it was replicated keeps its
    // items).
    DDB_RETURN_IF_ERROR(store_->Apply(storage::WriteCommand(), meta.index, /*sync=*/false));
    // Applied but not synced: the state has changed, so an error may not be returned.
    Status s = store_->Sync();
    DDB_CHECK_MSG(s.ok(), "partition store: syncing the empty snapshot at %llu: %s",
                  static_cast<unsigned long long>(meta.index), s.ToString().c_str());
    return Status::OK();
  }
  return store_->Restore(meta.index, data);
}

}  // namespace ddb::node
