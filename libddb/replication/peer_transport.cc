#include "libddb/replication/peer_transport.h"

#include "libddb/proto/codec.h"

namespace ddb::replication {

PeerTransport::PeerTransport(std::map<raft::NodeId, std::string> addresses)
    : context_(1), addresses_(std::move(addresses)) {}

PeerTransport::~PeerTransport() {
  for (auto& [id, s] : sockets_) s->close();
  context_.close();
}

void PeerTransport::SetAddress(raft::NodeId id, const std::string& address) {
  if (addresses_[id] == address) return;
  addresses_[id] = address;
  sockets_.erase(id);
}

zmq::socket_t& PeerTransport::Socket(raft::NodeId to) {
  auto it = sockets_.find(to);
  if (it != sockets_.end()) return *it->second;
  auto s = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
  s->set(zmq::sockopt::linger, 0);
  s->set(zmq::sockopt::sndhwm, 1000);
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
    if (!s.send(zmq::message_t(), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return false;
    }
    s.send(zmq::buffer(wire), zmq::send_flags::dontwait);
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
