// The tables a node holds, their settings, and their DescribeTable form.
//
// Table metadata is stored in the node's replica of the __meta group (a PartitionStore under
// <data_dir>/catalog, one item per table), checksummed like data, replicated like data.
//
// Thread-safety: TableInfo is a value; Catalog is internally synchronized.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "libddb/core/result.h"
#include "libddb/expr/key_condition.h"
#include "libddb/storage/partition_store.h"
#include "libddb/storage/write_command.h"

namespace ddb::node {

struct AttributeDefinition {
  std::string name;
  AttrType type = AttrType::kS;
};

struct TableInfo {
  std::string name;
  std::string id;  // unique per creation: a table re-created under a name gets a new id
  expr::KeySchema key;
  std::vector<AttributeDefinition> attributes;
  std::string billing_mode = "PROVISIONED";  // or PAY_PER_REQUEST
  int64_t read_capacity = 0;
  int64_t write_capacity = 0;
  double creation_time = 0;  // seconds since the epoch
  // When the table last became PAY_PER_REQUEST (seconds since the epoch); 0 if it never was.
  double last_update_to_pay_per_request = 0;
  // The nodes holding the table's replicas, chosen when it was created and kept until
  // membership changes move them: a changed cluster file never moves a table by itself.
  // Empty for tables created before placement was recorded (placement is computed then).
  std::vector<uint64_t> replicas;
  // The nodes of `replicas` added after the table was created, in place of a node found dead
  // (Node::ReplaceDeadReplicas): their replica starts empty and waits for a snapshot from the
  // group's leader instead of founding the group.
  std::vector<uint64_t> joining;

  // The key attribute names, partition key first.
  std::vector<std::string> KeyNames() const;
};

// The DynamoDB TableDescription JSON object; `region` goes into the table's ARN.
std::string DescribeTableJson(const TableInfo& table, std::string_view status, int64_t item_count,
                              int64_t size_bytes, std::string_view region);

// The catalog's applied state: every table's settings, loaded from the catalog store (a
// PartitionStore, one item per table) and reloaded whenever the replicated __meta group applies
// a change to it (catalog_machine.h). Changes are made only through that group: the leader
// builds them with PutCommand/DeleteCommand and proposes them.
class Catalog {
 public:
  static Result<std::unique_ptr<Catalog>> Open(const std::string& dir);

  // The write command that creates or replaces `table`'s entry.
  static storage::WriteCommand PutCommand(const TableInfo& table);
  // The write command that removes the entry of the table named `name`.
  static storage::WriteCommand DeleteCommand(const std::string& name);

  std::optional<TableInfo> Get(const std::string& name) const;
  // All tables, ordered by name.
  std::vector<TableInfo> List() const;

  // For the catalog's state machine: the store, and a reload of the map from it.
  storage::PartitionStore* store() { return store_.get(); }
  Status Reload();

 private:
  explicit Catalog(std::unique_ptr<storage::PartitionStore> store) : store_(std::move(store)) {}

  mutable std::mutex mu_;
  std::unique_ptr<storage::PartitionStore> store_;        // fixed at construction
  std::map<std::string, TableInfo> tables_;  // GUARDED_BY(mu_)
};

// "Requested resource not found: Table: NAME not found".
Status TableNotFound(const std::string& name);

}  // namespace ddb::node
