// PeerTransport: one-way delivery of Raft message batches to the other nodes over ZeroMQ.
//
// Each peer gets a DEALER socket connected to its address; a batch travels as a request with
// operation "Raft" (proto/codec.h) to the peer's ROUTER, whose server hands the body to its
// ReplicaManager. By default sending never blocks: when a peer is slow or down and its queue
// is full, the batch is dropped (Raft retransmits). The peer's empty replies are drained and
// discarded.
//
// Thread-safety: not thread-safe; owned and used by the Raft loop thread only.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <zmq.hpp>

#include "libddb/raft/types.h"

namespace ddb::replication {

// The operation name of a Raft batch in a request envelope.
inline constexpr const char* kRaftOperation = "Raft";

class PeerTransport {
 public:
  // `queue_limit`: batches queued per peer before Send drops (or waits); `send_timeout_ms`:
  // 0 never waits for room (the Raft loop's transport), more waits up to that long.
  explicit PeerTransport(std::map<raft::NodeId, std::string> addresses, int queue_limit = 1000,
                         int send_timeout_ms = 0);
  ~PeerTransport();
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Queues `frame` (an encoded Raft batch) for `to`; false if it was dropped (no such peer,
  // not connected, or its queue stayed full).
  bool Send(raft::NodeId to, const std::string& frame);
  // Discards replies that arrived.
  void Drain();
  // Adds a peer or moves it to a new address (its queued batches are dropped).
  void SetAddress(raft::NodeId id, const std::string& address);
  // The peer's address; empty if unknown.
  std::string Address(raft::NodeId id) const;

 private:
  zmq::socket_t& Socket(raft::NodeId to);

  const int queue_limit_;
  const int send_timeout_ms_;
  zmq::context_t context_;
  std::map<raft::NodeId, std::string> addresses_;
  std::map<raft::NodeId, std::unique_ptr<zmq::socket_t>> sockets_;
  uint64_t next_id_ = 1;
};

}  // namespace ddb::replication
