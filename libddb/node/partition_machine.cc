#include "libddb/node/partition_machine.h"

namespace ddb::node {

Status PartitionMachine::Apply(const raft::Entry& entry) {
  storage::WriteCommand command;
  if (entry.type == raft::EntryType::kNormal && !entry.data.empty()) {
    DDB_ASSIGN_OR_RETURN(command, storage::WriteCommand::Decode(entry.data));
  }
  return store_->Apply(command, entry.index, /*sync=*/false);
}

Status PartitionMachine::Restore(const raft::SnapshotMeta& meta, const std::string& data) {
  if (data.empty()) {
    // The empty snapshot a new group starts from.
    return store_->Restore(meta.index, storage::PartitionStore::EmptySnapshot());
  }
  return store_->Restore(meta.index, data);
}

}  // namespace ddb::node
