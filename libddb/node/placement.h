// Placement: which nodes hold the replicas of a group (DESIGN.md section 5).
//
// Rendezvous hashing: every node scores (group key, node id) with a stable hash and the
// `replication` highest scores win. Every node computes the same answer from the cluster file
// alone, and removing a node moves only the replicas it held.
#pragma once

#include <string_view>
#include <vector>

#include "libddb/raft/types.h"

namespace ddb::node {

// The ids of the nodes holding `key`'s replicas, best first (at most `replication`; all of
// `nodes` if there are fewer).
std::vector<raft::NodeId> PlaceReplicas(std::string_view key, const std::vector<raft::NodeId>& nodes,
                                        int replication);

}  // namespace ddb::node
