// Node::Route: where a request must run.
//
//   ListTables                                 here
//   BatchGetItem, BatchWriteItem               where all their tables' requests would go
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

raft::NodeId Node::LeaderTarget(replication::GroupId group) {
  if (replicas_->WriteTerm(group).has_value()) return raft::kNoNode;  // here
  // Only a leader heard from lately: one that went quiet may be dead, and a request sent to it
  // would wait out its deadline. Without one the request fails here, retryably.
  return replicas_->LiveLeaderOf(group);
}

Result<raft::NodeId> Node::Route(const std::string& operation, const Request& request) {
  if (operation == "CreateTable" || operation == "UpdateTable" || operation == "DeleteTable") {
    return LeaderTarget(kMetaGroup);
  }
  if (operation == "BatchWriteItem" || operation == "BatchGetItem") return RouteBatch(operation, request);
  const bool write = operation == "PutItem" || operation == "UpdateItem" || operation == "DeleteItem";
  const bool read = operation == "GetItem" || operation == "Query" || operation == "Scan";
  if (!write && !read && operation != "DescribeTable") return raft::kNoNode;

  Result<std::string> name = request.TableName();
  if (!name.ok()) return raft::kNoNode;  // the handler reports what is wrong
  bool strong = write;
  if (read) {
    Result<std::optional<bool>> consistent = request.OptionalBool("ConsistentRead");
    if (!consistent.ok()) return raft::kNoNode;
    strong = consistent->value_or(false);
  }
  return RouteTable(*name, strong);
}

raft::NodeId Node::RouteTable(const std::string& name, bool strong) {
  std::optional<TableInfo> info = catalog_->Get(name);
  if (!info.has_value()) return raft::kNoNode;  // ResourceNotFoundException, from here
  const std::vector<raft::NodeId> members = Members(*info);
  bool here = std::find(members.begin(), members.end(), options_.id) != members.end();
  if (here) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tables_.find(name);
    here = it != tables_.end() && it->second->info.id == info->id;
  }
  if (!here) return members.front();
  return strong ? LeaderTarget(TableGroup(info->id)) : raft::kNoNode;
}

// A batch goes where all its tables would send it; a batch whose tables would go to different
// nodes runs here, and what this node cannot do comes back unprocessed (BatchWriteItem) or
// fails retryably.
raft::NodeId Node::RouteBatch(const std::string& operation, const Request& request) {
  const rapidjson::Value* items = request.Member("RequestItems");
  if (items == nullptr || !items->IsObject() || items->MemberCount() == 0) return raft::kNoNode;
  std::optional<raft::NodeId> target;
  for (auto it = items->MemberBegin(); it != items->MemberEnd(); ++it) {
    bool strong = operation == "BatchWriteItem";
    if (!strong && it->value.IsObject()) {
      auto c = it->value.FindMember("ConsistentRead");
      strong = c != it->value.MemberEnd() && c->value.IsBool() && c->value.GetBool();
    }
    raft::NodeId t = RouteTable(std::string(it->name.GetString(), it->name.GetStringLength()), strong);
    if (target.has_value() && *target != t) return raft::kNoNode;
    target = t;
  }
  return target.value_or(raft::kNoNode);
}

}  // namespace ddb::node
