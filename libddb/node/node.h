// Node: one ddb storage node. Owns the data directory, the catalog of tables and the
// partition stores, and answers requests (DynamoDB operations) through its handlers.
//
// Each table has one partition, a Raft group (libddb/replication) whose replica here applies
// replicated write commands to the partition's store. For now every group has this node as its
// only member and the catalog is local: spreading groups and the catalog over the cluster is
// the next step of the replication issue.
//
// Thread-safety: Handle() may be called from many threads at once.
#pragma once

#include <array>
#include <functional>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "libddb/core/result.h"
#include "libddb/node/catalog.h"
#include "libddb/node/key_latches.h"
#include "libddb/node/request.h"
#include "libddb/proto/codec.h"
#include "libddb/replication/replica_manager.h"
#include "libddb/storage/partition_store.h"
#include "libddb/storage/write_command.h"

namespace ddb::node {

// A table's storage: its directory and partition store. Shared by every version of the
// table's settings; when the table is deleted, the files go with the last user.
struct TableStorage {
  std::string dir;
  std::unique_ptr<storage::PartitionStore> store;
  std::atomic<bool> deleted{false};
  ~TableStorage();
};

// A table open on this node: its settings and its storage. Immutable once published in the
// node's map (UpdateTable publishes a new Table sharing the storage), so handlers read it
// without locks.
struct Table {
  TableInfo info;
  std::shared_ptr<TableStorage> storage;
  storage::PartitionStore* store = nullptr;  // storage->store, for brevity
};

// What a handler produces besides its body.
struct Reply {
  std::string error_item;  // see proto::ResponseEnvelope::error_item
};

struct NodeOptions {
  raft::NodeId id = 1;
  std::map<raft::NodeId, std::string> addresses;  // every node's ZeroMQ address
  int tick_ms = 50;
};

// The Raft group of a table's (single) partition.
replication::GroupId TableGroup(const std::string& table_id);

class Node {
 public:
  // Opens (creating) the data directory. Fails if another process holds it.
  static Result<std::unique_ptr<Node>> Open(const std::string& data_dir,
                                            const NodeOptions& options = {});
  ~Node();

  proto::ResponseEnvelope Handle(const proto::RequestEnvelope& request);

  // For handlers.
  Catalog& catalog() { return *catalog_; }
  // The open table, or ResourceNotFoundException.
  Result<std::shared_ptr<Table>> FindTable(const std::string& name);
  // Creates the table's files, then runs `commit` (the durable catalog write), then makes the
  // table visible. A crash in between leaves files no catalog entry names, which Open()
  // removes. REQUIRES: ddl_mutex() held.
  Result<std::shared_ptr<Table>> CreateTable(const TableInfo& info, const std::function<Status()>& commit);
  // Publishes new settings for the table with info.id (same store); nothing if that table is
  // gone.
  void UpdateTableInfo(const TableInfo& info);
  // Forgets the table with this name and id; its files are removed once no request uses it.
  void DropTable(const std::string& name, const std::string& id);
  // Held by CreateTable, DeleteTable and UpdateTable for their whole run, so that table
  // definitions change one at a time.
  std::mutex& ddl_mutex() { return ddl_mu_; }
  // Serializes read-modify-write sequences on one item until its write is applied (see
  // key_latches.h).
  KeyLatches::Hold LockKey(const std::string& table_id, std::string_view item_key);
  // Replicates `command` through the table's group and returns once it is committed and
  // applied to the table's store here. ServiceUnavailable (retryable, nothing written) if this
  // replica cannot lead the write now; InternalServerError if it did not complete in time (the
  // outcome is unknown: `hold` then stays held until the write completes or is superseded).
  Status Replicate(const Table& table, const storage::WriteCommand& command,
                   KeyLatches::Hold* hold);
  replication::ReplicaManager& replicas() { return *replicas_; }

 private:
  Node(std::string data_dir, int lock_fd, NodeOptions options)
      : data_dir_(std::move(data_dir)), lock_fd_(lock_fd), options_(std::move(options)) {}
  Status Load();
  // Starts the replica of the table's group on this node.
  Status StartReplica(const Table& table);
  // Returns once this node leads `group` and has applied everything committed.
  Status AwaitCaughtUp(replication::GroupId group);

  // Fixed at construction.
  const std::string data_dir_;
  const int lock_fd_;
  const NodeOptions options_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<replication::ReplicaManager> replicas_;

  std::mutex ddl_mu_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Table>> tables_;  // GUARDED_BY(mu_)
  KeyLatches key_latches_;
};

}  // namespace ddb::node
