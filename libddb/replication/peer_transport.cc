#include "libddb/replication/peer_transport.h"

#include "libddb/proto/codec.h"

namespace ddb::replication {

PeerTransport::PeerTransport(std::map<raft::NodeId, std::string> addresses, int queue_limit,
                             int send_timeout_ms)
    : queue_limit_(queue_limit),
      send_timeout_ms_(send_timeout_ms),
      context_(1),
      addresses_(std::move(addresses)) {}

PeerTransport::~PeerTransport() {
  for (auto& [id, s] : sockets_) s->close();
  context_.close();
}

void PeerTransport::SetAddress(raft::NodeId id, const std::string& address) {
  if (addresses_[id] == address) return;
  addresses_[id] = address;
  sockets_.erase(id);
}

std::string PeerTransport::Address(raft::NodeId id) const {
  auto it = addresses_.find(id);
  return it == addresses_.end() ? std::string() : it->second;
}

zmq::socket_t& PeerTransport::Socket(raft::NodeId to) {
  auto it = sockets_.find(to);
  if (it != sockets_.end()) return *it->second;
  auto s = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
  s->set(zmq::sockopt::linger, 0);
  s->set(zmq::sockopt::sndhwm, queue_limit_);
  if (send_timeout_ms_ > 0) s->set(zmq::sockopt::sndtimeo, send_timeout_ms_);
  s->set(zmq::sockopt::immediate, 1);  // queue only to a connected peer
  s->connect(addresses_.at(to));
  return *sockets_.emplace(to, std::move(s)).first->second;
}

bool PeerTransport::Send(raft::NodeId to, const std::string& frame) {
  if (!addresses_.count(to)) return false;
  proto::RequestEnvelope req;
  req.id = next_id_++;
  req.operation = kRaftOperation;
  req.body = frame;
  std::string wire = proto::EncodeRequest(req);
  zmq::socket_t& s = Socket(to);
  try {
    // An empty delimiter frame first, as the server's REP workers expect (like net::Client).
    // A message's frames are queued atomically: the first send fails if the queue is full.
    const zmq::send_flags wait =
        send_timeout_ms_ > 0 ? zmq::send_flags::none : zmq::send_flags::dontwait;
    if (!s.send(zmq::message_t(), zmq::send_flags::sndmore | wait)) return false;
    s.send(zmq::buffer(wire), wait);
    return true;
  } catch (const zmq::error_t&) {
    return false;
  }
}

void PeerTransport::Drain() {
  for (auto& [id, s] : sockets_) {
    zmq::message_t reply;
    try {
      while (s->recv(reply, zmq::recv_flags::dontwait)) {
      }
    } catch (const zmq::error_t&) {
    }
  }
}

}  // namespace ddb::replication
