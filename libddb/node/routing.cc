// Node::Route: where a request must run.
//
//   ListTables, BatchGetItem, BatchWriteItem   here
//   CreateTable, UpdateTable, DeleteTable      the leader of __meta
//   PutItem, UpdateItem, DeleteItem, and       the leader of the table's group
//   GetItem/Query/Scan with ConsistentRead
//   DescribeTable, and the other reads         any replica of the table: here if there is one
//
// A node without a replica of the table sends the request to one that has; a replica that
// does not lead sends it to the leader it heard from lately. Where there is none, the request
// runs here and fails with a retryable ServiceUnavailable (the client backs off and retries
// while a new leader is elected).
#include <algorithm>

#include "libddb/node/node.h"
#include "libddb/node/placement.h"

namespace ddb::node {

Result<raft::NodeId> Node::Route(const std::string& operation, const Request& request) {
  auto leader_of = [&](replication::GroupId group) -> raft::NodeId {
    if (replicas_->WriteTerm(group).has_value()) return raft::kNoNode;  // here
    // Only a leader heard from lately: one that went quiet may be dead, and a request sent to
    // it would wait out its deadline. Without one the request fails here, retryably.
    return replicas_->LiveLeaderOf(group);
  };
  if (operation == "CreateTable" || operation == "UpdateTable" || operation == "DeleteTable") {
    return leader_of(kMetaGroup);
  }
  const bool write = operation == "PutItem" || operation == "UpdateItem" || operation == "DeleteItem";
  const bool read = operation == "GetItem" || operation == "Query" || operation == "Scan";
  if (!write && !read && operation != "DescribeTable") return raft::kNoNode;

  Result<std::string> name = request.TableName();
  if (!name.ok()) return raft::kNoNode;  // the handler reports what is wrong
  std::optional<TableInfo> info = catalog_->Get(*name);
  if (!info.has_value()) return raft::kNoNode;  // ResourceNotFoundException, from here
  bool strong = write;
  if (read) {
    Result<std::optional<bool>> consistent = request.OptionalBool("ConsistentRead");
    if (!consistent.ok()) return raft::kNoNode;
    strong = consistent->value_or(false);
  }
  const std::vector<raft::NodeId> members = Members(*info);
  bool here = std::find(members.begin(), members.end(), options_.id) != members.end();
  if (here) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tables_.find(*name);
    here = it != tables_.end() && it->second->info.id == info->id;
  }
  if (!here) return members.front();
  if (!strong) return raft::kNoNode;
  return leader_of(TableGroup(info->id));
}

}  // namespace ddb::node
