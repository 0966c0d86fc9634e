// Raft messages on the wire: a batch of (group, message) pairs in one checksummed Cap'n Proto
// frame (libddb/proto/raft.capnp).
//
// Decoding never trusts the bytes: a bad frame or an out-of-range field is a
// SerializationException, never a crash.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libddb/core/result.h"
#include "libddb/raft/types.h"

namespace ddb::replication {

struct GroupMessage {
  uint64_t group = 0;
  raft::Message message;
  // A snapshot too big for one frame travels as chunks, each a kSnap message whose
  // snapshot.data holds bytes [chunk_offset, chunk_offset + size) of chunk_total bytes
  // (SnapshotSender splits them, ReplicaManager gathers them in a file). chunk_total 0: not a chunk.
  uint64_t chunk_offset = 0;
  uint64_t chunk_total = 0;
};

std::string EncodeRaftBatch(const std::vector<GroupMessage>& messages);
Result<std::vector<GroupMessage>> DecodeRaftBatch(std::string_view frame);

}  // namespace ddb::replication
