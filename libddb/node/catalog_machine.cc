#include "libddb/node/catalog_machine.h"

#include "libddb/core/check.h"

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
  // The items are replaced now: a catalog that cannot be read from them is not a failed
  // restore (which must leave things as they were) but damage.
  Status s = Changed();
  DDB_CHECK_MSG(s.ok(), "catalog: reloading after the snapshot at %llu: %s",
                static_cast<unsigned long long>(meta.index), s.ToString().c_str());
  return Status::OK();
}

Status CatalogMachine::Changed() {
  DDB_RETURN_IF_ERROR(catalog_->Reload());
  if (on_change_) on_change_();
  return Status::OK();
}

}  // namespace ddb::node
