#include "libddb/node/forwarder.h"

#include <algorithm>
#include <chrono>

namespace ddb::node {

void Forwarder::SetAddresses(const std::map<raft::NodeId, std::string>& addresses) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, address] : addresses) {
    std::string& known = addresses_[id];
    if (known != address) idle_.erase(id);
    known = address;
  }
}

proto::ResponseEnvelope Forwarder::Forward(raft::NodeId to, proto::RequestEnvelope request) {
  proto::ResponseEnvelope failed;
  failed.id = request.id;
  std::unique_ptr<net::Client> client;
  std::string address;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = addresses_.find(to);
    if (found == addresses_.end()) {
      failed.status = Status(Code::kServiceUnavailable, "no address for node " + std::to_string(to));
      return failed;
    }
    address = found->second;
    auto& idle = idle_[to];
    if (!idle.empty()) {
      client = std::move(idle.back());
      idle.pop_back();
    }
  }
  if (client == nullptr) {
    Result<std::unique_ptr<net::Client>> c = net::Client::Connect(address);
    if (!c.ok()) {
      failed.status = Status(Code::kServiceUnavailable, c.status().message());
      return failed;
    }
    client = std::move(*c);
  }
  using namespace std::chrono;
  auto deadline = steady_clock::now() + seconds(10);
  if (request.deadline_unix_micros != 0) {
    const int64_t now_us =
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    const int64_t left_us = static_cast<int64_t>(request.deadline_unix_micros) - now_us;
    deadline = std::min(deadline, steady_clock::now() + microseconds(std::max<int64_t>(left_us, 0)));
  }
  ++request.hops;
  bool sent = false;
  Result<proto::ResponseEnvelope> response = client->Roundtrip(std::move(request), deadline, &sent);
  if (!response.ok()) {
    // Not connected: nothing was sent, the caller may retry anywhere. Sent but unanswered: the
    // request may have run there, as far as anyone here knows.
    failed.status = Status(sent ? Code::kInternalServerError : Code::kServiceUnavailable,
                           "forwarding to node " + std::to_string(to) + ": " +
                               response.status().message() +
                               (sent ? "; the request may or may not have run" : ""));
    return failed;  // the connection goes with `client`: a late answer must not be mistaken
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto now = addresses_.find(to);
  if (now != addresses_.end() && now->second == address) idle_[to].push_back(std::move(client));
  return std::move(*response);
}

}  // namespace ddb::node
