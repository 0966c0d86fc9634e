// ddb.SetNodes: adopt a new node list at run time (what ddb-cluster apply sends every node).
//   request:  {"Nodes":[{"Id":1,"Address":"tcp://127.0.0.1:7101"}, ...],
//              "Leaving":[...]}   (optional: nodes taken off the list, still handing over)
//   response: {"node":1,"previous":[{"id":1,"address":"tcp://127.0.0.1:7101"}, ...]}
// The list replaces the one from the cluster file this node started with (Node::SetNodes);
// "previous" is the list it replaced, so that the caller learns which nodes left.
#include <set>

#include "libddb/model/json_writer.h"
#include "libddb/node/handlers.h"

namespace ddb::node {

namespace {

// A list of {"Id":N,"Address":"tcp://HOST:PORT"} into `nodes`; `field` names it in errors.
Status ParseNodes(const rapidjson::Value& list, const char* field,
                  std::map<raft::NodeId, std::string>* nodes, std::set<std::string>* addresses) {
  if (!list.IsArray()) {
    return Status::Validation(std::string(field) + " must be a list of {\"Id\":N,\"Address\":\"tcp://HOST:PORT\"}");
  }
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    const rapidjson::Value& n = list[i];
    const std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    if (!n.IsObject() || !n.HasMember("Id") || !n["Id"].IsUint64() || n["Id"].GetUint64() == 0 ||
        !n.HasMember("Address") || !n["Address"].IsString()) {
      return Status::Validation(where + " must be {\"Id\":N,\"Address\":\"tcp://HOST:PORT\"} with N > 0");
    }
    const raft::NodeId id = n["Id"].GetUint64();
    const std::string address = n["Address"].GetString();
    if (address.rfind("tcp://", 0) != 0) return Status::Validation(where + ": Address must start with tcp://");
    if (!nodes->emplace(id, address).second) {
      return Status::Validation(where + ": node id " + std::to_string(id) + " appears twice");
    }
    if (!addresses->insert(address).second) {
      return Status::Validation(where + ": address " + address + " appears twice");
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::string> SetNodes(Node& node, const Request& request, Reply*) {
  const rapidjson::Value* list = request.Member("Nodes");
  if (list == nullptr) return MissingMember("nodes");
  std::map<raft::NodeId, std::string> nodes, leaving;
  std::set<std::string> addresses;
  DDB_RETURN_IF_ERROR(ParseNodes(*list, "Nodes", &nodes, &addresses));
  if (const rapidjson::Value* l = request.Member("Leaving"); l != nullptr) {
    DDB_RETURN_IF_ERROR(ParseNodes(*l, "Leaving", &leaving, &addresses));
  }
  std::map<raft::NodeId, std::string> previous;
  DDB_RETURN_IF_ERROR(node.SetNodes(std::move(nodes), leaving, &previous));
  std::string out = "{\"node\":" + std::to_string(node.id()) + ",\"previous\":[";
  bool first = true;
  for (const auto& [id, address] : previous) {
    out += first ? "{\"id\":" : ",{\"id\":";
    first = false;
    out += std::to_string(id) + ",\"address\":";
    json::AppendString(address, &out);
    out += "}";
  }
  return out + "]}";
}

}  // namespace ddb::node
