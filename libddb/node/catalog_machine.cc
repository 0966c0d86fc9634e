#include "libddb/node/catalog_machine.h"

namespace ddb::node {

Status CatalogMachine::ApplyAll(const std::vector<raft::Entry>& entries) {
  DDB_RETURN_IF_ERROR(partition_.ApplyAll(entries));
  for (const raft::Entry& e : entries) {
    if (e.type == raft::EntryType::kNormal && !e.data.empty()) return Changed();
  }
  return Status::OK();
}

Status CatalogMachine::Restore(const raft::SnapshotMeta& meta, ByteSource& data) {
  DDB_RETURN_IF_ERROR(partition_.Restore(meta, data));
  return Changed();
}

Status CatalogMachine::Changed() {
  DDB_RETURN_IF_ERROR(catalog_->Reload());
  if (on_change_) on_change_();
  return Status::OK();
}

}  // namespace ddb::node
