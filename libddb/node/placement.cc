#include "libddb/node/placement.h"

#include <algorithm>
#include <utility>

#include <xxhash.h>

namespace ddb::node {

std::vector<raft::NodeId> PlaceReplicas(std::string_view key, const std::vector<raft::NodeId>& nodes,
                                        int replication) {
  std::vector<std::pair<uint64_t, raft::NodeId>> scored;
  for (raft::NodeId id : nodes) scored.emplace_back(XXH64(key.data(), key.size(), id), id);
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<raft::NodeId> out;
  for (const auto& [score, id] : scored) {
    if (static_cast<int>(out.size()) == replication) break;
    out.push_back(id);
  }
  return out;
}

}  // namespace ddb::node
