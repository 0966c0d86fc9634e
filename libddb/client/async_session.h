// AsyncSession: many requests in flight to a cluster's nodes from one thread, for an event loop
// (the gateway's). The same wire protocol, deadlines and retry policy as net::Client and
// Session, without a thread per request: the owner sends with Call(), watches fds()
// for readability in its own poll loop, and calls Process() when one is readable or when
// NextWakeupMs() has passed; Process() runs the callbacks of the calls that finished.
//
// Policy, per call: a request goes to one node (round robin over the nodes for new calls, or,
// for a call with an affinity, the node that last ran a call with the same affinity: the node
// names itself in its answer, so a table's writes go straight to the table's leader); a
// node with no connection (ZMQ_IMMEDIATE refuses the send) or that does not answer within the
// attempt timeout is skipped for the next; retryable answers (throttling, InternalServerError,
// ServiceUnavailable) are sent again after a jittered, doubling backoff; the call fails with the
// last error at its deadline. A call that timed out may still have been applied.
//
// Thread-safety: none; every method on the owner thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <zmq.hpp>

#include "libddb/core/result.h"
#include "libddb/proto/codec.h"

namespace ddb::client {

struct AsyncSessionOptions {
  std::chrono::milliseconds timeout{10000};         // whole call, retries included
  std::chrono::milliseconds attempt_timeout{3000};  // one node's answer
  // The cluster ids of the nodes, in the order of the addresses (empty: calls never follow
  // an affinity, see Call).
  std::vector<uint64_t> node_ids;
};

class AsyncSession {
 public:
  // The call's outcome: the response body, or the error; `error_item` as in Client::Call.
  using Done = std::function<void(Result<std::string> result, std::string error_item)>;

  static Result<std::unique_ptr<AsyncSession>> Connect(const std::vector<std::string>& addresses,
                                                      AsyncSessionOptions options = {});
  ~AsyncSession();
  AsyncSession(const AsyncSession&) = delete;
  AsyncSession& operator=(const AsyncSession&) = delete;

  // Starts a call; `done` runs later, from Process() (never from inside Call). `affinity`
  // (say, the table name of an item call) is a hint only: the call goes where the last call with
  // the same affinity was served, when that node is known.
  void Call(std::string operation, std::string body, Done done, const std::string& affinity = {});

  // File descriptors that become readable when answers may be waiting (ZeroMQ's ZMQ_FD:
  // edge-like, so Process() must run whenever one fires).
  std::vector<int> fds() const;
  // Receives every answer waiting, retries and fails what is due, and runs callbacks.
  void Process();
  // Milliseconds until Process() has timed work to do (-1: none).
  int NextWakeupMs() const;
  size_t in_flight() const { return calls_.size(); }

 private:
  struct Pending {
    std::string operation;
    std::string body;
    Done done;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::time_point due;  // attempt timeout, or when to resend
    bool waiting_to_send = false;               // due is a resend time
    size_t node = 0;
    size_t nodes_tried = 0;                     // for this attempt's node choice
    std::chrono::milliseconds backoff{25};
    Status last;
    std::string error_item;
    std::string affinity;
  };

  AsyncSession(std::vector<std::string> addresses, AsyncSessionOptions options);
  // Sends `p` (under a fresh id) to its node or the next connected one; else schedules a
  // resend. Returns the id it is filed under (0 if it finished or waits).
  void Send(Pending p);
  void Retry(Pending p, std::chrono::steady_clock::time_point now);
  void Finish(Pending& p, Result<std::string> result);
  void Drain(size_t node);

  const std::vector<std::string> addresses_;
  const AsyncSessionOptions options_;
  zmq::context_t context_;
  std::vector<std::unique_ptr<zmq::socket_t>> sockets_;
  std::unordered_map<uint64_t, Pending> calls_;  // by the id of their current attempt
  std::vector<Pending> finished_;                // callbacks to run at the end of Process
  std::unordered_map<std::string, size_t> served_by_;  // affinity -> node that last served it
  uint64_t next_id_;
  size_t next_node_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace ddb::client
