// Node: one ddb storage node. Owns the data directory, the catalog of tables and the
// partition stores, and answers requests (DynamoDB operations) through its handlers.
//
// The catalog is the replicated __meta group, with a replica on every node of the cluster. Each
// table has one partition, a Raft group of `replication` replicas on the nodes PlaceReplicas
// picks; the replica here applies replicated write commands to the partition's store. A
// request that must run elsewhere (a write or strong read on a group this node does not lead,
// a table change while another node leads __meta, a table with no replica here) is forwarded
// to the node that can run it, at most twice.
//
// Thread-safety: Handle() may be called from many threads at once.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <thread>
#include <vector>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "libddb/core/result.h"
#include "libddb/node/catalog.h"
#include "libddb/node/key_latches.h"
#include "libddb/node/request.h"
#include "libddb/proto/codec.h"
#include "libddb/replication/replica_manager.h"
#include "libddb/storage/partition_store.h"
#include "libddb/storage/write_command.h"

namespace ddb::node {

// A table's storage: its directory and partition store. Shared by every version of the
// table's settings; when the table is deleted, the files go with the last user.
struct TableStorage {
  std::string dir;
  std::unique_ptr<storage::PartitionStore> store;
  std::atomic<bool> deleted{false};
  ~TableStorage();
};

// A table open on this node: its settings and its storage. Immutable once published in the
// node's map (UpdateTable publishes a new Table sharing the storage), so handlers read it
// without locks.
struct Table {
  TableInfo info;
  std::shared_ptr<TableStorage> storage;
  storage::PartitionStore* store = nullptr;  // storage->store, for brevity
};

// What a handler produces besides its body.
struct Reply {
  std::string error_item;  // see proto::ResponseEnvelope::error_item
  // Writes decided on this node's applied state (Node::BeginWrite). One that replicated
  // nothing (a failed condition, a delete of a missing item, an error found in the stored
  // item) is answered only once the node proves it still led in that term (Node::Handle).
  struct Decision {
    replication::GroupId group = 0;
    raft::Term term = 0;
    bool replicated = false;
  };
  std::vector<Decision> decisions;

  // Set by Node::HandleFast for PutItem, DeleteItem and UpdateItem on the server's receiving
  // thread, where nothing may block: BeginWrite then gives up at once when the item is latched
  // (setting `would_block`; the request goes to a worker instead), and Replicate records the
  // write in `deferred` instead of waiting for it. The handler's body is then the answer for
  // when the write succeeds; HandleFast proposes the write and answers once it completes.
  bool no_wait = false;
  bool would_block = false;
  struct DeferredWrite {
    replication::GroupId group = 0;
    raft::Term term = 0;
    std::string command;  // storage::WriteCommand, encoded
    KeyLatches::Hold hold;
  };
  std::optional<DeferredWrite> deferred;
};

struct NodeOptions {
  raft::NodeId id = 1;
  std::map<raft::NodeId, std::string> addresses;  // every node's ZeroMQ address
  int replication = 1;                            // replicas per table partition
  std::string region = "us-east-1";               // the cluster's region, in table ARNs
  int tick_ms = 50;
  // A node silent this long is dead: the __meta leader moves its table replicas to other
  // nodes (membership.cc).
  std::chrono::milliseconds dead_after = std::chrono::minutes(10);
  // How often this node checks for dead nodes and matches the groups it leads to the catalog.
  std::chrono::milliseconds repair_interval = std::chrono::milliseconds(500);
  // A node added to a running cluster (ddb-cluster apply): its __meta replica, when new,
  // starts empty and waits for the __meta leader to add it, instead of founding the group.
  bool join = false;
};

// The replicated system group holding the catalog (group ids below 16 are system groups).
inline constexpr replication::GroupId kMetaGroup = 1;
// The Raft group of a table's (single) partition.
replication::GroupId TableGroup(const std::string& table_id);

class Forwarder;

class Node {
 public:
  // Opens (creating) the data directory and starts this node's replicas. Fails if another
  // process holds the directory.
  static Result<std::unique_ptr<Node>> Open(const std::string& data_dir,
                                            const NodeOptions& options = {});
  ~Node();

  // Answers a request here, or forwards it to the node that can (see Route).
  proto::ResponseEnvelope Handle(const proto::RequestEnvelope& request);
  // Takes `request` if it can be dealt with without blocking and returns true; `respond` then
  // gets the answer, at once for an eventually consistent GetItem, or Query with a small Limit,
  // of a table with a replica here, or once the write is applied for a PutItem, DeleteItem or
  // UpdateItem this node leads, whose item is not latched and that writes something. Returns
  // false, leaving `respond` alone, for everything else: then call Handle. For the server's
  // receiving thread (net::Server::SetFastPath).
  using RespondFn = std::function<void(proto::ResponseEnvelope)>;
  bool HandleFast(const proto::RequestEnvelope& request, const RespondFn& respond);

  // An operation's handler (one per DynamoDB operation, in its own file).
  using HandlerFn = Result<std::string> (*)(Node&, const Request&, Reply*);

  // --- For handlers ---
  // The catalog as this node's replica of __meta has applied it.
  const Catalog& catalog() const { return *catalog_; }
  // Replicates a catalog change through __meta; returns once it is applied here and this
  // node's replicas match the new catalog. REQUIRES: ddl_mutex() held, and the decision was
  // made on catalog() after CatalogWriteTerm() returned `term`.
  Status ChangeCatalog(const storage::WriteCommand& command, raft::Term term);
  // The term in which this node leads __meta with the catalog current, or ServiceUnavailable.
  Result<raft::Term> CatalogWriteTerm();
  // The table's replica on this node, or ResourceNotFoundException for a table the catalog
  // does not list, or ServiceUnavailable for one with no replica here (yet).
  Result<std::shared_ptr<Table>> FindTable(const std::string& name);
  // FindTable, and for a strongly consistent read also waits until this replica may serve one
  // (it holds the lease and has applied everything committed); ServiceUnavailable otherwise.
  Result<std::shared_ptr<Table>> FindTableForRead(const std::string& name, bool consistent);
  // Every table replica open here.
  std::vector<std::shared_ptr<Table>> Tables();
  raft::NodeId id() const { return options_.id; }
  const std::string& region() const { return options_.region; }
  // The nodes a new table's replicas go to (recorded in its TableInfo::replicas).
  std::vector<raft::NodeId> PlaceNewTable(const std::string& table_id) const;
  // Whether the table's replica here knows a leader (DescribeTable's ACTIVE vs CREATING).
  bool HasLeader(const Table& table);
  // Held by CreateTable, DeleteTable and UpdateTable for their whole run, so that table
  // definitions change one at a time.
  std::mutex& ddl_mutex() { return ddl_mu_; }

  // A read-modify-write of one item in progress: the item's latch (key_latches.h) and the
  // term in which this node leads the table's group with every earlier write applied.
  struct WriteScope {
    KeyLatches::Hold hold;
    raft::Term term = 0;
    Reply* reply = nullptr;
    size_t decision = 0;  // index in reply->decisions
  };
  // Latches the item, then checks this node may decide writes to the table now
  // (ServiceUnavailable, retryable, if not); records the decision in `reply`.
  Result<WriteScope> BeginWrite(const Table& table, std::string_view item_key, Reply* reply);
  // Replicates `command` through the table's group and returns once it is committed and
  // applied to the table's store here. ServiceUnavailable (retryable, nothing written) if this
  // replica cannot lead the write now; InternalServerError if it did not complete in time (the
  // outcome is unknown: the item then stays latched until the write completes or is
  // superseded).
  Status Replicate(const Table& table, const storage::WriteCommand& command, WriteScope* scope);
  replication::ReplicaManager& replicas() { return *replicas_; }
  // Adopts a new node list (ddb-cluster apply): requests and Raft messages go to these
  // addresses from now on, the __meta leader moves __meta and every table off the nodes no
  // longer listed and adds the new ones to __meta. `leaving` are nodes taken off the list
  // that still hand their groups over: reachable, never chosen. Sets *previous to the list
  // it replaces.
  Status SetNodes(std::map<raft::NodeId, std::string> nodes,
                  const std::map<raft::NodeId, std::string>& leaving,
                  std::map<raft::NodeId, std::string>* previous);

 private:
  // Runs `handler` here and turns its result into the response.
  proto::ResponseEnvelope Respond(const proto::RequestEnvelope& request, HandlerFn handler,
                                  const Request& parsed);
  // A handler's result as a response, served by this node (a Corruption stops the node).
  proto::ResponseEnvelope ToResponse(const proto::RequestEnvelope& request,
                                     Result<std::string> body, Reply* reply) const;
  Node(std::string data_dir, int lock_fd, NodeOptions options);
  Status Load();
  // Opens and drops table replicas to match the catalog: a table whose placement includes
  // this node gets a replica here; a table the catalog no longer lists loses it. Safe to call
  // from any thread but the Raft loop's.
  Status Reconcile();
  void ReconcileLoop();
  // --- Moving replicas (membership.cc) ---
  // Every repair_interval until the node stops: ReplaceDeadReplicas, then MatchMembers.
  void RepairLoop();
  // On the __meta leader (since `leading_since`): in the catalog, replaces each table's
  // replicas on nodes silent for over dead_after with nodes holding none of the table
  // (rendezvous order), marked joining.
  void ReplaceDeadReplicas(std::chrono::steady_clock::time_point leading_since);
  // On the leader of the table's group: one membership change toward the catalog's replicas
  // (see MoveMembership).
  void MatchMembers(const Table& table);
  // On the __meta leader: one membership change toward every listed node being a voter.
  void MatchMetaMembers();
  // On the leader of `group` (named `name` in logs): one membership change toward `want`:
  // add a missing node as a learner, promote a learner that caught up, then remove a member
  // not wanted (voters only once every wanted node votes).
  void MoveMembership(replication::GroupId group, const std::vector<uint64_t>& want,
                      const std::string& name);
  // Whether every node of `want` is a voter of `conf`.
  static bool AllVote(const raft::ConfState& conf, const std::vector<uint64_t>& want);
  // Starts the replica of the table's group on this node.
  Status StartReplica(const Table& table, const std::vector<raft::NodeId>& members);
  // Forgets the table with this name and id; its files are removed once no request uses it.
  void DropTable(const std::string& name, const std::string& id);
  // Waits (at most kReplicateTimeout) until this replica may serve a strongly consistent read
  // of `group`; ServiceUnavailable if it cannot.
  Status ReadBarrier(replication::GroupId group);
  // Returns once this node leads `group` and has applied everything committed.
  Status AwaitCaughtUp(replication::GroupId group);
  // Where a strong request on `group` goes: kNoNode if this node can take it now, else the
  // leader if one was heard from lately, else kNoNode (it fails here, retryably).
  raft::NodeId LeaderTarget(replication::GroupId group);
  std::vector<raft::NodeId> NodeIds() const;
  std::vector<raft::NodeId> Members(const TableInfo& info) const;
  // Waits for a proposal through `group` made with `hold`/`term` (see Replicate).
  Status ProposeAndWait(replication::GroupId group, const storage::WriteCommand& command,
                        raft::Term term, KeyLatches::Hold* hold);
  // Where a request must run: here (kNoNode) or on another node; an error if nobody can now.
  Result<raft::NodeId> Route(const std::string& operation, const Request& request);
  // OK if this node still leads `group` in `term` and holds its lease (so what it decided on
  // its applied state in that term was current); ServiceUnavailable otherwise.
  Status ConfirmLeader(replication::GroupId group, raft::Term term);
  // Route for a request on one table: a strong one (write or strongly consistent read) goes to
  // the group's leader, another to a replica.
  raft::NodeId RouteTable(const std::string& name, bool strong);
  raft::NodeId RouteBatch(const std::string& operation, const Request& request);

  // Fixed at construction.
  const std::string data_dir_;
  const int lock_fd_;
  const NodeOptions options_;
  // The node list this node started with: the computed placement of tables from before
  // placements were recorded (those never move).
  const std::vector<raft::NodeId> initial_ids_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<replication::ReplicaManager> replicas_;
  std::unique_ptr<Forwarder> forwarder_;

  mutable std::mutex nodes_mu_;
  std::map<raft::NodeId, std::string> nodes_;  // GUARDED_BY(nodes_mu_): the cluster's nodes now

  std::mutex ddl_mu_;
  std::mutex reconcile_mu_;  // one Reconcile() at a time
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Table>> tables_;  // GUARDED_BY(mu_)
  bool reconcile_wanted_ = false;                         // GUARDED_BY(mu_)
  // A replica moved away still hands over here: Reconcile runs again every repair_interval.
  std::atomic<bool> handing_over_{false};
  bool stopping_ = false;                                 // GUARDED_BY(mu_)
  std::condition_variable reconcile_cv_;                  // signals the two above
  std::thread reconciler_;
  std::thread repairer_;
  KeyLatches key_latches_;
};

}  // namespace ddb::node
