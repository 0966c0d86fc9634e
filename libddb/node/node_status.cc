// ddb.NodeStatus: what ddb-cluster status shows of a node, one object per replica:
//   {"node":1,"groups":[{"group":"__meta","role":"Leader","leader":1,"term":3,"commit":9,
//     "applied":9,"last":9,"lease":true,"members":[1,2,3],"lag":{"2":0,"3":0}}, ...]}
// "table" names the table of a table group; "lag" (leader only) is how many entries each
// member is behind the leader's log.
#include "libddb/model/json_writer.h"
#include "libddb/node/handlers.h"

namespace ddb::node {

Result<std::string> NodeStatus(Node& node, const Request&, Reply*) {
  std::map<replication::GroupId, std::string> names{{kMetaGroup, ""}};
  for (const std::shared_ptr<Table>& t : node.Tables()) names[TableGroup(t->info.id)] = t->info.name;
  std::string out = "{\"node\":" + std::to_string(node.id()) + ",\"groups\":[";
  bool first = true;
  for (const replication::GroupStatus& g : node.replicas().Groups()) {
    auto name = names.find(g.group);
    if (name == names.end()) continue;  // a table being dropped
    out += first ? "{" : ",{";
    first = false;
    if (g.group == kMetaGroup) {
      out += "\"group\":\"__meta\"";
    } else {
      out += "\"group\":\"" + std::to_string(g.group) + "\",\"table\":";
      json::AppendString(name->second, &out);
    }
    out += ",\"role\":\"" + std::string(raft::RoleName(g.role)) + "\"";
    out += ",\"leader\":" + std::to_string(g.leader) + ",\"term\":" + std::to_string(g.term);
    out += ",\"commit\":" + std::to_string(g.commit) + ",\"applied\":" + std::to_string(g.applied);
    out += ",\"last\":" + std::to_string(g.last);
    out += std::string(",\"lease\":") + (g.lease ? "true" : "false");
    out += ",\"members\":[";
    std::vector<raft::NodeId> members = g.conf.Members();
    for (size_t i = 0; i < members.size(); ++i) out += (i ? "," : "") + std::to_string(members[i]);
    out += "]";
    if (!g.match.empty()) {
      out += ",\"lag\":{";
      bool first_peer = true;
      for (const auto& [peer, match] : g.match) {
        out += (first_peer ? "\"" : ",\"") + std::to_string(peer) + "\":" +
               std::to_string(g.last > match ? g.last - match : 0);
        first_peer = false;
      }
      out += "}";
    }
    out += "}";
  }
  return out + "]}";
}

}  // namespace ddb::node
