// Node: one ddb storage node. Owns the data directory, the catalog of tables and the
// partition stores, and answers requests (DynamoDB operations) through its handlers.
//
// For now each table has one partition on this node; the replication issue turns partitions
// into Raft groups spread over the cluster.
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
#include "libddb/node/request.h"
#include "libddb/proto/codec.h"
#include "libddb/storage/partition_store.h"

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

class Node {
 public:
  // Opens (creating) the data directory. Fails if another process holds it.
  static Result<std::unique_ptr<Node>> Open(const std::string& data_dir);
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
  // Serializes read-modify-write sequences on one item (striped by key hash).
  std::mutex& KeyLock(const std::string& table_id, std::string_view item_key);

 private:
  Node(std::string data_dir, int lock_fd) : data_dir_(std::move(data_dir)), lock_fd_(lock_fd) {}
  Status Load();

  // Fixed at construction.
  const std::string data_dir_;
  const int lock_fd_;
  std::unique_ptr<Catalog> catalog_;

  std::mutex ddl_mu_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Table>> tables_;  // GUARDED_BY(mu_)
  std::array<std::mutex, 1024> key_locks_;
};

}  // namespace ddb::node
