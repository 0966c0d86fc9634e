// Node::Route: where a request must run.
//
//   CreateTable, UpdateTable, DeleteTable,     the leader of __meta
//   ListTables
//   BatchGetItem, BatchWriteItem               where all their tables' requests would go
//   PutItem, UpdateItem, DeleteItem, and       the leader of the table's group
//   GetItem/Query/Scan with ConsistentRead
//   DescribeTable                              the leader of __meta if it has a replica of the
//                                              table, else as the other reads
//   the other reads                            any replica of the table: here if there is one
//
// The leader of __meta has applied every table change it acknowledged, so a client sees its
// own CreateTable, UpdateTable and DeleteTable at once, whichever node it asks next: listing
// and describing tables go there, and so does a request naming a table this node's catalog
// does not list (yet). A node without a replica of the table sends the request to one that
// has; a replica that does not lead sends it to the leader it heard from lately. Where there
// is none, the request runs here and fails with a retryable ServiceUnavailable (the client
// backs off and retries while a new leader is elected).
#include <algorithm>
#include <map>

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
  if (operation == "CreateTable" || operation == "UpdateTable" || operation == "DeleteTable" ||
      operation == "ListTables") {
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
  if (operation == "DescribeTable") {
    std::optional<TableInfo> info = catalog_->Get(*name);
    raft::NodeId meta = LeaderTarget(kMetaGroup);
    if (info.has_value() && meta != raft::kNoNode) {
      const std::vector<raft::NodeId> members = Members(*info);
      if (std::find(members.begin(), members.end(), meta) != members.end()) return meta;
    }
  }
  return RouteTable(*name, strong);
}

raft::NodeId Node::RouteTable(const std::string& name, bool strong) {
  std::optional<TableInfo> info = catalog_->Get(name);
  // Not in this catalog: maybe created a moment ago. The leader of __meta knows; if this node
  // leads it (or no leader is known), ResourceNotFoundException from here.
  if (!info.has_value()) return LeaderTarget(kMetaGroup);
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

// A batch goes where its tables would send it. When they would go to different nodes, it goes
// where most of its requests would, and the requests that node cannot run come back
// unprocessed (UnprocessedItems, UnprocessedKeys): the client's next round, holding only
// those, goes where they can run, so every round makes progress.
raft::NodeId Node::RouteBatch(const std::string& operation, const Request& request) {
  const rapidjson::Value* items = request.Member("RequestItems");
  if (items == nullptr || !items->IsObject() || items->MemberCount() == 0) return raft::kNoNode;
  std::map<raft::NodeId, size_t> requests;  // target -> requests it would run
  for (auto it = items->MemberBegin(); it != items->MemberEnd(); ++it) {
    bool strong = operation == "BatchWriteItem";
    size_t count = it->value.IsArray() ? it->value.Size() : 1;
    if (!strong && it->value.IsObject()) {
      auto c = it->value.FindMember("ConsistentRead");
      strong = c != it->value.MemberEnd() && c->value.IsBool() && c->value.GetBool();
      auto keys = it->value.FindMember("Keys");
      if (keys != it->value.MemberEnd() && keys->value.IsArray()) count = keys->value.Size();
    }
    requests[RouteTable(std::string(it->name.GetString(), it->name.GetStringLength()), strong)] += count;
  }
  // The most requests; on a tie, here (kNoNode sorts first) or the lowest node id.
  auto best = std::max_element(requests.begin(), requests.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  return best->first;
}

}  // namespace ddb::node
