#include "libddb/node/node.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <optional>
#include <cstring>
#include <future>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>
#include <xxhash.h>

#include "libddb/core/thread_name.h"
#include "libddb/node/catalog_machine.h"
#include "libddb/node/forwarder.h"
#include "libddb/node/handlers.h"
#include "libddb/node/partition_machine.h"
#include "libddb/node/placement.h"
#include "libddb/replication/peer_transport.h"

namespace ddb::node {

namespace {

constexpr std::chrono::seconds kReplicateTimeout(10);
// A request is forwarded at most this many times (a node without a replica of the table, then
// a follower, each pass it on once).
constexpr uint8_t kMaxHops = 2;

using HandlerFn = Node::HandlerFn;

const std::map<std::string, HandlerFn, std::less<>>& Handlers() {
  static const std::map<std::string, HandlerFn, std::less<>> handlers = {
      {"CreateTable", &CreateTable}, {"DescribeTable", &DescribeTable},
      {"ListTables", &ListTables},   {"DeleteTable", &DeleteTable},
      {"UpdateTable", &UpdateTable},
      {"PutItem", &PutItem},         {"GetItem", &GetItem},
      {"DeleteItem", &DeleteItem},   {"UpdateItem", &UpdateItem},
      {"Query", &Query},             {"Scan", &Scan},
      {"BatchGetItem", &BatchGetItem}, {"BatchWriteItem", &BatchWriteItem},
      {"ddb.NodeStatus", &NodeStatus}, {"ddb.SetNodes", &SetNodes},
  };
  return handlers;
}

// Takes an exclusive lock on <data_dir>/LOCK, recording our pid in it.
Result<int> LockDataDir(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::IOError("cannot create data directory " + data_dir + ": " + ec.message());
  const std::string path = data_dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = "";
    ssize_t n = ::pread(fd, pid, sizeof(pid) - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "unknown";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return Status::IOError("data directory " + data_dir +
                           " is in use by another ddb-node (pid " + holder + ")");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    spdlog::warn("cannot record pid in {}", path);
  }
  return fd;
}

}  // namespace

TableStorage::~TableStorage() {
  store.reset();
  if (deleted) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) spdlog::error("removing {} of a deleted table: {}", dir, ec.message());
  }
}

namespace {

// Opens (creating if need be) a table's storage.
Result<std::shared_ptr<Table>> OpenTable(const std::string& data_dir, const TableInfo& info) {
  auto storage = std::make_shared<TableStorage>();
  storage->dir = data_dir + "/tables/" + info.id;
  storage::StoreOptions options;
  Result<std::unique_ptr<storage::PartitionStore>> store =
      storage::PartitionStore::Open(storage->dir + "/p0", options);
  if (!store.ok()) return store.status().WithContext("table " + info.name);
  storage->store = std::move(*store);
  auto table = std::make_shared<Table>();
  table->info = info;
  table->store = storage->store.get();
  table->storage = std::move(storage);
  return table;
}

}  // namespace

replication::GroupId TableGroup(const std::string& table_id) {
  // Group ids 0 to 15 are reserved for system groups.
  return XXH64(table_id.data(), table_id.size(), 0x64646267) | 0x10;
}

namespace {

std::vector<raft::NodeId> IdsOf(const std::map<raft::NodeId, std::string>& nodes, raft::NodeId self) {
  std::vector<raft::NodeId> ids;
  for (const auto& [id, address] : nodes) ids.push_back(id);
  if (ids.empty()) ids.push_back(self);
  return ids;
}

}  // namespace

Node::Node(std::string data_dir, int lock_fd, NodeOptions options)
    : data_dir_(std::move(data_dir)),
      lock_fd_(lock_fd),
      options_(std::move(options)),
      initial_ids_(IdsOf(options_.addresses, options_.id)),
      nodes_(options_.addresses) {}

Result<std::unique_ptr<Node>> Node::Open(const std::string& data_dir, const NodeOptions& options) {
  DDB_ASSIGN_OR_RETURN(int fd, LockDataDir(data_dir));
  std::unique_ptr<Node> node(new Node(data_dir, fd, options));
  DDB_RETURN_IF_ERROR(node->Load());
  return node;
}

Node::~Node() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  reconcile_cv_.notify_all();
  if (reconciler_.joinable()) reconciler_.join();
  if (repairer_.joinable()) repairer_.join();
  replicas_.reset();  // stops the Raft loop before the stores it applies to close
  tables_.clear();
  forwarder_.reset();
  catalog_.reset();
  ::close(lock_fd_);  // releases the flock
}

std::vector<raft::NodeId> Node::NodeIds() const {
  std::lock_guard<std::mutex> lock(nodes_mu_);
  return IdsOf(nodes_, options_.id);
}

std::vector<raft::NodeId> Node::Members(const TableInfo& info) const {
  if (!info.replicas.empty()) return std::vector<raft::NodeId>(info.replicas.begin(), info.replicas.end());
  return PlaceReplicas(info.id, initial_ids_, options_.replication);
}

Status Node::SetNodes(std::map<raft::NodeId, std::string> nodes,
                      const std::map<raft::NodeId, std::string>& leaving,
                      std::map<raft::NodeId, std::string>* previous) {
  if (nodes.empty()) return Status::Validation("the node list is empty");
  if (nodes.size() < static_cast<size_t>(options_.replication)) {
    return Status::Validation("the node list has " + std::to_string(nodes.size()) +
                              " nodes, fewer than the replication factor " +
                              std::to_string(options_.replication));
  }
  for (const auto& [id, address] : leaving) {
    if (nodes.count(id) != 0) return Status::Validation("node " + std::to_string(id) + " is both listed and leaving");
  }
  std::lock_guard<std::mutex> lock(nodes_mu_);
  *previous = nodes_;
  std::map<raft::NodeId, std::string> reachable = nodes;
  reachable.insert(leaving.begin(), leaving.end());
  replicas_->SetPeers(reachable);
  forwarder_->SetAddresses(reachable);
  if (nodes_ == nodes) return Status::OK();
  nodes_ = nodes;
  std::string list;
  for (const auto& [id, address] : nodes) list += (list.empty() ? "" : ", ") + std::to_string(id) + " at " + address;
  spdlog::info("node list applied: {}", list);
  return Status::OK();
}

std::vector<raft::NodeId> Node::PlaceNewTable(const std::string& table_id) const {
  return PlaceReplicas(table_id, NodeIds(), options_.replication);
}

Status Node::Load() {
  DDB_ASSIGN_OR_RETURN(catalog_, Catalog::Open(data_dir_ + "/catalog"));
  replication::ManagerOptions mo;
  mo.self = options_.id;
  mo.dir = data_dir_;
  mo.addresses = options_.addresses;
  mo.tick_ms = options_.tick_ms;
  mo.seed = options_.id;
  DDB_ASSIGN_OR_RETURN(replicas_, replication::ReplicaManager::Open(mo));
  forwarder_ = std::make_unique<Forwarder>(options_.addresses);
  // The catalog group spans every node. Its replica here tells the reconciler thread about
  // each change it applies.
  const std::vector<raft::NodeId> all = NodeIds();
  auto meta = std::make_shared<CatalogMachine>(catalog_.get(), [this] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      reconcile_wanted_ = true;
    }
    reconcile_cv_.notify_all();
  });
  // A joining node's replica, when new, waits for the __meta leader to add it.
  DDB_RETURN_IF_ERROR(replicas_->AddGroup(
      kMetaGroup, options_.join ? std::vector<raft::NodeId>{} : all, std::move(meta)));
  if (options_.join) {
    // Nothing of the catalog is known yet: no garbage to find either.
  } else if (all.size() == 1) {
    replicas_->Campaign(kMetaGroup);
    DDB_RETURN_IF_ERROR(AwaitCaughtUp(kMetaGroup).WithContext("the catalog group"));
  } else if (all.front() == options_.id) {
    replicas_->Campaign(kMetaGroup);  // a quick first election; refused if a leader is live
  }
  DDB_RETURN_IF_ERROR(Reconcile());
  // Directories of tables the catalog no longer lists: a DeleteTable applied while the files
  // were still in use when the node stopped, or one interrupted before it removed them. Only
  // where the catalog is known to be current (a single node, caught up above): a replica of a
  // multi-node catalog may be behind, and a table it does not know yet is not garbage.
  if (all.size() == 1 && !options_.join) {
    std::set<std::string> ids;
    for (const TableInfo& info : catalog_->List()) ids.insert(info.id);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(data_dir_ + "/tables", ec)) {
      if (ids.count(entry.path().filename().string()) != 0) continue;
      spdlog::warn("node: removing {}, which belongs to no table", entry.path().string());
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
  reconciler_ = std::thread([this] {
    SetThreadName("reconciler");
    ReconcileLoop();
  });
  repairer_ = std::thread([this] {
    SetThreadName("repairer");
    RepairLoop();
  });
  std::lock_guard<std::mutex> lock(mu_);
  spdlog::info("node {}: {} table replicas in {}", options_.id, tables_.size(), data_dir_);
  return Status::OK();
}

void Node::ReconcileLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    reconcile_cv_.wait(lock, [&] { return stopping_ || reconcile_wanted_; });
    if (stopping_) return;
    reconcile_wanted_ = false;
    lock.unlock();
    if (Status s = Reconcile(); !s.ok()) {
      spdlog::error("node {}: matching the catalog failed: {}", options_.id, s.ToString());
    }
    lock.lock();
  }
}

Status Node::Reconcile() {
  std::lock_guard<std::mutex> reconciling(reconcile_mu_);
  std::map<std::string, TableInfo> wanted;  // by name: the tables with a replica here
  std::map<std::string, TableInfo> listed;  // by id: every table the catalog lists
  for (TableInfo& info : catalog_->List()) {
    std::vector<raft::NodeId> members = Members(info);
    if (std::find(members.begin(), members.end(), options_.id) != members.end()) {
      wanted.emplace(info.name, info);
    }
    listed.emplace(info.id, std::move(info));
  }
  std::map<replication::GroupId, replication::GroupStatus> groups;
  for (replication::GroupStatus& g : replicas_->Groups()) groups.emplace(g.group, std::move(g));
  std::vector<std::pair<std::string, std::string>> doomed;  // name, id
  bool handing_over = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, table] : tables_) {
      auto it = wanted.find(name);
      if (it != wanted.end() && it->second.id == table->info.id) continue;
      auto placed = listed.find(table->info.id);
      if (placed != listed.end() && placed->second.replicas.empty()) {
        // Still a table, placed elsewhere now (a table from before placement was recorded,
        // after the cluster file changed): its data stays until membership changes move it.
        spdlog::warn("node {}: table {} is no longer placed here; keeping its replica",
                     options_.id, name);
        continue;
      }
      if (placed != listed.end()) {
        // Moved to another node (ReplaceDeadReplicas). A replica that still leads its group
        // stays to hand over; so does one its leader still talks to (still a member) while the
        // group lacks a wanted voter: the group never runs short of voters while a live node
        // leaves it. A node coming back after it was replaced hears from no leader: it drops.
        auto g = groups.find(TableGroup(table->info.id));
        const std::vector<uint64_t>& want = placed->second.replicas;
        if (g != groups.end() &&
            (g->second.role == raft::Role::kLeader ||
             (g->second.leader_heard && !AllVote(g->second.conf, want)))) {
          handing_over = true;
          continue;
        }
      }
      // Deleted, or moved and handed over.
      doomed.emplace_back(name, table->info.id);
    }
  }
  handing_over_ = handing_over;
  for (const auto& [name, id] : doomed) DropTable(name, id);
  Status result;
  for (const auto& [name, info] : wanted) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = tables_.find(name);
      if (it != tables_.end()) {
        if (it->second->info.id == info.id) {
          auto updated = std::make_shared<Table>(*it->second);
          updated->info = info;  // settings UpdateTable changed
          it->second = std::move(updated);
          continue;
        }
      }
    }
    Result<std::shared_ptr<Table>> table = OpenTable(data_dir_, info);
    Status s = table.ok() ? StartReplica(**table, Members(info)) : table.status();
    if (!s.ok()) {
      spdlog::error("node {}: table {}: starting its replica failed: {}", options_.id, name, s.ToString());
      result = s;
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    tables_[name] = std::move(*table);
  }
  return result;
}

Status Node::StartReplica(const Table& table, const std::vector<raft::NodeId>& members) {
  replication::GroupId group = TableGroup(table.info.id);
  const std::vector<uint64_t>& joining = table.info.joining;
  if (std::find(joining.begin(), joining.end(), options_.id) != joining.end()) {
    // Added in place of a dead node: an empty replica, filled by the leader's snapshot once
    // the leader makes it a learner (MatchMembers); it never founds a group of its own.
    return replicas_->AddGroup(group, {}, std::make_shared<PartitionMachine>(table.store));
  }
  DDB_RETURN_IF_ERROR(replicas_->AddGroup(group, members,
                                          std::make_shared<PartitionMachine>(table.store)));
  if (members.size() == 1) {
    // The only member: lead at once, and serve nothing until the whole log is applied (a store
    // not closed cleanly applies again from its durable index).
    replicas_->Campaign(group);
    // The group now applies to this store: from here on the table must be published (and so
    // kept open) whatever happens; a replica that did not catch up answers retryably.
    Status s = AwaitCaughtUp(group);
    if (!s.ok()) spdlog::error("table {}: {}", table.info.name, s.ToString());
    return Status::OK();
  }
  // A new group elects its first leader quickly; a running one refuses the campaign.
  if (members.front() == options_.id) replicas_->Campaign(group);
  return Status::OK();
}

void Node::DropTable(const std::string& name, const std::string& id) {
  std::shared_ptr<Table> doomed;  // keeps the store open until its replica is gone
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tables_.find(name);
    if (it == tables_.end() || it->second->info.id != id) return;
    doomed = it->second;
    tables_.erase(it);
  }
  // After this, nothing applies to the table's store any more (requests still holding the
  // table get ResourceNotFound from the manager for their writes).
  if (Status s = replicas_->RemoveGroup(TableGroup(id)); !s.ok()) {
    spdlog::error("table {}: removing its replica failed: {}", name, s.ToString());
  }
  // The files go once no request uses the table (Reconcile drops only tables the catalog no
  // longer lists).
  doomed->storage->deleted = true;
}

Status Node::ReadBarrier(replication::GroupId group) {
  auto done = std::make_shared<std::promise<Status>>();
  std::future<Status> result = done->get_future();
  replicas_->ReadBarrier(group, [done](Status s) { done->set_value(std::move(s)); });
  if (result.wait_for(kReplicateTimeout) != std::future_status::ready) {
    return Status(Code::kServiceUnavailable, "the read barrier did not complete in time");
  }
  return result.get();
}

Status Node::AwaitCaughtUp(replication::GroupId group) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    Status s = ReadBarrier(group);
    // Writes need the published leader status too (WriteTerm), which trails by an iteration.
    if (s.ok() && replicas_->WriteTerm(group).has_value()) return s;
    if (!s.ok() && s.code() != Code::kServiceUnavailable) return s;
    if (std::chrono::steady_clock::now() > deadline) {
      return s.WithContext("catching up with the log took over 30 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Result<std::shared_ptr<Table>> Node::FindTable(const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tables_.find(name);
    if (it != tables_.end()) return it->second;
  }
  if (catalog_->Get(name).has_value()) {
    return Status(Code::kServiceUnavailable, "table " + name + " has no replica on node " +
                                                 std::to_string(options_.id) + " yet");
  }
  return TableNotFound(name);
}

Result<std::shared_ptr<Table>> Node::FindTableForRead(const std::string& name, bool consistent) {
  DDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, FindTable(name));
  if (!consistent) return table;  // any replica's applied state, possibly stale
  DDB_RETURN_IF_ERROR(ReadBarrier(TableGroup(table->info.id)));
  return table;
}

std::vector<std::shared_ptr<Table>> Node::Tables() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Table>> out;
  for (const auto& [name, table] : tables_) out.push_back(table);
  return out;
}

bool Node::HasLeader(const Table& table) {
  return replicas_->LeaderOf(TableGroup(table.info.id)) != raft::kNoNode;
}

Result<raft::Term> Node::CatalogWriteTerm() {
  std::optional<raft::Term> term = replicas_->WriteTerm(kMetaGroup);
  if (term.has_value()) return *term;
  return Status(Code::kServiceUnavailable,
                "node " + std::to_string(options_.id) + " does not lead the catalog group now");
}

Status Node::ChangeCatalog(const storage::WriteCommand& command, raft::Term term) {
  DDB_RETURN_IF_ERROR(ProposeAndWait(kMetaGroup, command, term, nullptr));
  // The change is made: a replica here that fails to open or start is this node's problem
  // (logged by Reconcile, retried at the next change), not the caller's.
  (void)Reconcile();
  return Status::OK();
}

Result<Node::WriteScope> Node::BeginWrite(const Table& table, std::string_view item_key,
                                          Reply* reply) {
  const std::string& id = table.info.id;
  WriteScope scope;
  // Not leading: refuse before waiting on the latch (a write there may be stuck until a
  // partition heals, and nothing here could be decided anyway).
  std::optional<raft::Term> term = replicas_->WriteTerm(TableGroup(id));
  if (term.has_value()) {
    // The item may be held by a write of unknown outcome (stuck behind a partition): wait no
    // longer than a write may take, then let the client retry.
    const auto now = std::chrono::steady_clock::now();
    std::optional<KeyLatches::Hold> hold = key_latches_.TryAcquireUntil(
        XXH64(item_key.data(), item_key.size(), XXH64(id.data(), id.size(), 0)),
        reply->no_wait ? now : now + kReplicateTimeout);
    if (!hold.has_value() && reply->no_wait) {
      reply->would_block = true;
      return Status(Code::kServiceUnavailable, "the item is latched");
    }
    if (!hold.has_value()) {
      return Status(Code::kServiceUnavailable,
                    "the item is held by an earlier write whose outcome is not known yet; retry");
    }
    scope.hold = std::move(*hold);
    term = replicas_->WriteTerm(TableGroup(id));
  }
  if (!term.has_value()) {
    raft::NodeId leader = replicas_->LeaderOf(TableGroup(id));
    return Status(Code::kServiceUnavailable,
                  "node " + std::to_string(options_.id) + " cannot take writes to table " +
                      table.info.name + " now" +
                      (leader == raft::kNoNode || leader == options_.id
                           ? std::string("; no leader is ready")
                           : "; the leader is node " + std::to_string(leader)));
  }
  scope.term = *term;
  scope.reply = reply;
  scope.decision = reply->decisions.size();
  reply->decisions.push_back({TableGroup(id), *term, false});
  return scope;
}

Status Node::ConfirmLeader(replication::GroupId group, raft::Term term) {
  DDB_RETURN_IF_ERROR(ReadBarrier(group));
  std::optional<raft::Term> now = replicas_->WriteTerm(group);
  if (!now.has_value() || *now != term) {
    return Status(Code::kServiceUnavailable, "the leader changed while the write was decided; retry");
  }
  return Status::OK();
}

Status Node::Replicate(const Table& table, const storage::WriteCommand& command, WriteScope* scope) {
  if (scope->reply != nullptr && scope->reply->no_wait) {
    DDB_CHECK_MSG(!scope->reply->deferred.has_value(), "one deferred write per request");
    scope->reply->decisions[scope->decision].replicated = true;
    scope->reply->deferred = Reply::DeferredWrite{TableGroup(table.info.id), scope->term,
                                                  command.Encode(), std::move(scope->hold)};
    return Status::OK();
  }
  Status s = ProposeAndWait(TableGroup(table.info.id), command, scope->term, &scope->hold);
  // Committed in the decision's term: no other leader came in between. A failure is an
  // error of its own (retryable or of unknown outcome), needing no confirmation either.
  if (scope->reply != nullptr) scope->reply->decisions[scope->decision].replicated = true;
  return s;
}

Status Node::ProposeAndWait(replication::GroupId group, const storage::WriteCommand& command,
                            raft::Term term, KeyLatches::Hold* hold) {
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Status> result;   // GUARDED_BY(mu)
    std::function<void()> release;  // GUARDED_BY(mu): set once the handler stopped waiting
  };
  auto pending = std::make_shared<Pending>();
  replicas_->Propose(
      group, command.Encode(),
      [pending](Status s) {
        std::function<void()> release;
        {
          std::lock_guard<std::mutex> lock(pending->mu);
          pending->result = std::move(s);
          release = std::move(pending->release);
        }
        pending->cv.notify_all();
        if (release) release();
      },
      term);
  std::unique_lock<std::mutex> lock(pending->mu);
  if (pending->cv.wait_for(lock, kReplicateTimeout, [&] { return pending->result.has_value(); })) {
    return *pending->result;
  }
  // The entry may still commit: the item stays latched until the proposal completes.
  if (hold != nullptr) pending->release = hold->Detach();
  return Status(Code::kInternalServerError,
                "the write did not complete within " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kReplicateTimeout).count()) +
                    " s and may or may not have been applied; read the item to find out");
}

proto::ResponseEnvelope Node::Handle(const proto::RequestEnvelope& request) {
  proto::ResponseEnvelope response;
  response.id = request.id;
  if (request.operation == replication::kRaftOperation) {
    replicas_->Receive(request.body);  // one-way: the empty response is discarded
    return response;
  }
  auto it = Handlers().find(request.operation);
  if (it == Handlers().end()) {
    response.status = Status(Code::kUnknownOperation, "Unknown operation: " + request.operation);
    return response;
  }
  Result<Request> parsed = Request::Parse(request.body);
  if (!parsed.ok()) {
    response.status = parsed.status();
    return response;
  }
  if (request.hops < kMaxHops) {
    Result<raft::NodeId> target = Route(request.operation, *parsed);
    if (!target.ok()) {
      response.status = target.status();
      return response;
    }
    if (*target != raft::kNoNode && *target != options_.id) {
      response = forwarder_->Forward(*target, request);
      response.id = request.id;
      return response;
    }
  }
  return Respond(request, it->second, *parsed);
}

bool Node::HandleFast(const proto::RequestEnvelope& request, const RespondFn& respond) {
  // Eventually consistent reads of a table with a replica here: reads of the local store,
  // never a wait on Raft or on another node. GetItem reads one item; a Query with a Limit of
  // at most kFastReadLimit items reads little of one partition (and never over a 1 MB page),
  // so the Raft frames this thread also carries are not held up for long. Not Scan: even with
  // a small Limit it may step over any number of deleted keys LevelDB has not compacted yet.
  constexpr int64_t kFastReadLimit = 100;
  const std::string& op = request.operation;
  const bool get = op == "GetItem";
  const bool write = op == "PutItem" || op == "DeleteItem" || op == "UpdateItem";
  if (!get && !write && op != "Query") return false;
  Result<Request> parsed = Request::Parse(request.body);
  if (!parsed.ok()) return false;  // the workers answer the error
  if (!write) {
    Result<std::optional<bool>> consistent = parsed->OptionalBool("ConsistentRead");
    if (!consistent.ok() || consistent->value_or(false)) return false;
  }
  if (op == "Query") {
    const rapidjson::Value* limit = parsed->Member("Limit");
    if (limit == nullptr || !limit->IsInt64() || limit->GetInt64() < 1 ||
        limit->GetInt64() > kFastReadLimit) {
      return false;
    }
  }
  Result<raft::NodeId> target = Route(op, *parsed);
  if (!target.ok() || (*target != raft::kNoNode && *target != options_.id)) return false;
  if (!write) {
    respond(Respond(request, Handlers().at(op), *parsed));
    return true;
  }
  // A single-item write this node leads: decided here, on the applied state, without waiting
  // for its latch; the proposal completes on the Raft loop, which answers. An answer decided
  // without a write (a failed condition, a delete of nothing) must first prove this node still
  // leads (a read barrier, which blocks), and a latched item must wait: both go to a worker,
  // which decides again (nothing was written or answered here).
  Reply reply;
  reply.no_wait = true;
  Result<std::string> body = Handlers().at(op)(*this, *parsed, &reply);
  if (reply.would_block) return false;
  bool unconfirmed = false;
  for (const Reply::Decision& d : reply.decisions) unconfirmed = unconfirmed || !d.replicated;
  if (unconfirmed) return false;
  if (!reply.deferred.has_value()) {
    respond(ToResponse(request, std::move(body), &reply));  // an error found before deciding
    return true;
  }
  Reply::DeferredWrite w = std::move(*reply.deferred);
  reply.deferred.reset();
  auto answer = std::make_shared<proto::ResponseEnvelope>(ToResponse(request, std::move(body), &reply));
  auto hold = std::make_shared<KeyLatches::Hold>(std::move(w.hold));
  replicas_->Propose(
      w.group, std::move(w.command),
      [answer, hold, respond](Status s) {
        hold->Reset();  // applied (or not written at all): the item's next write may decide
        if (!s.ok()) {
          *answer = proto::ResponseEnvelope();
          answer->status = std::move(s);
        }
        respond(std::move(*answer));
      },
      w.term);
  return true;
}

proto::ResponseEnvelope Node::Respond(const proto::RequestEnvelope& request, HandlerFn handler,
                                      const Request& parsed) {
  Reply reply;
  Result<std::string> body = handler(*this, parsed, &reply);
  // An answer decided on this node's state without a write to prove it (a failed condition,
  // a delete of nothing) holds only if no other leader could have written meanwhile.
  std::set<std::pair<replication::GroupId, raft::Term>> to_confirm;
  for (const Reply::Decision& d : reply.decisions) {
    if (!d.replicated) to_confirm.insert({d.group, d.term});
  }
  for (const auto& [group, term] : to_confirm) {
    if (Status s = ConfirmLeader(group, term); !s.ok()) {
      proto::ResponseEnvelope response;
      response.id = request.id;
      response.status = s;
      return response;
    }
  }
  return ToResponse(request, std::move(body), &reply);
}

proto::ResponseEnvelope Node::ToResponse(const proto::RequestEnvelope& request,
                                         Result<std::string> body, Reply* reply) const {
  proto::ResponseEnvelope response;
  response.id = request.id;
  response.served_by = options_.id;
  if (body.ok()) {
    response.body = std::move(*body);
  } else {
    if (body.status().IsCorruption()) {
      // Never run on after corruption: stop the node loudly, keep the evidence.
      DDB_CHECK_MSG(false, "%s while handling %s", body.status().ToString().c_str(),
                    request.operation.c_str());
    }
    response.status = body.status();
    response.error_item = std::move(reply->error_item);
  }
  return response;
}

}  // namespace ddb::node
