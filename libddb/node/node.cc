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

#include "libddb/node/handlers.h"
#include "libddb/node/partition_machine.h"
#include "libddb/replication/peer_transport.h"

namespace ddb::node {

namespace {

constexpr std::chrono::seconds kReplicateTimeout(10);

using HandlerFn = Result<std::string> (*)(Node&, const Request&, Reply*);

const std::map<std::string, HandlerFn, std::less<>>& Handlers() {
  static const std::map<std::string, HandlerFn, std::less<>> handlers = {
      {"CreateTable", &CreateTable}, {"DescribeTable", &DescribeTable},
      {"ListTables", &ListTables},   {"DeleteTable", &DeleteTable},
      {"UpdateTable", &UpdateTable},
      {"PutItem", &PutItem},         {"GetItem", &GetItem},
      {"DeleteItem", &DeleteItem},   {"UpdateItem", &UpdateItem},
      {"Query", &Query},             {"Scan", &Scan},
      {"BatchGetItem", &BatchGetItem}, {"BatchWriteItem", &BatchWriteItem},
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

// Opens a table's storage; `create` is false for tables the catalog already lists, whose
// files must exist (a missing directory is damage, not an empty table).
Result<std::shared_ptr<Table>> OpenTable(const std::string& data_dir, const TableInfo& info, bool create) {
  auto storage = std::make_shared<TableStorage>();
  storage->dir = data_dir + "/tables/" + info.id;
  storage::StoreOptions options;
  options.create_if_missing = create;
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

Result<std::unique_ptr<Node>> Node::Open(const std::string& data_dir, const NodeOptions& options) {
  DDB_ASSIGN_OR_RETURN(int fd, LockDataDir(data_dir));
  std::unique_ptr<Node> node(new Node(data_dir, fd, options));
  DDB_RETURN_IF_ERROR(node->Load());
  return node;
}

Node::~Node() {
  replicas_.reset();  // stops the Raft loop before the stores it applies to close
  tables_.clear();
  catalog_.reset();
  ::close(lock_fd_);  // releases the flock
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
  std::set<std::string> ids;
  for (const TableInfo& info : catalog_->List()) {
    DDB_ASSIGN_OR_RETURN(tables_[info.name], OpenTable(data_dir_, info, /*create=*/false));
    DDB_RETURN_IF_ERROR(StartReplica(*tables_[info.name]));
    ids.insert(info.id);
  }
  // Nothing is served until every replica has applied its whole log: a store not closed
  // cleanly applies again from its durable index, and then recounts its statistics.
  for (const auto& [name, table] : tables_) {
    DDB_RETURN_IF_ERROR(AwaitCaughtUp(TableGroup(table->info.id)).WithContext("table " + name));
    DDB_RETURN_IF_ERROR(table->store->FinishRecovery().WithContext("table " + name));
  }
  // Directories of tables the catalog no longer lists: a DeleteTable interrupted between its
  // catalog write and the removal of the files, or a CreateTable interrupted before its
  // catalog write.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir_ + "/tables", ec)) {
    if (ids.count(entry.path().filename().string()) != 0) continue;
    spdlog::warn("node: removing {}, which belongs to no table", entry.path().string());
    std::filesystem::remove_all(entry.path(), ec);
  }
  spdlog::info("node: {} tables in {}", tables_.size(), data_dir_);
  return Status::OK();
}

Result<std::shared_ptr<Table>> Node::FindTable(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tables_.find(name);
  if (it == tables_.end()) return TableNotFound(name);
  return it->second;
}

Status Node::StartReplica(const Table& table) {
  replication::GroupId group = TableGroup(table.info.id);
  DDB_RETURN_IF_ERROR(replicas_->AddGroup(group, {options_.id},
                                          std::make_shared<PartitionMachine>(table.store)));
  // The only member: no one to wait for, lead at once.
  replicas_->Campaign(group);
  return Status::OK();
}

Status Node::AwaitCaughtUp(replication::GroupId group) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    auto done = std::make_shared<std::promise<Status>>();
    std::future<Status> result = done->get_future();
    replicas_->ReadBarrier(group, [done](Status s) { done->set_value(std::move(s)); });
    Status s = result.get();
    if (s.ok() || s.code() != Code::kServiceUnavailable) return s;
    if (std::chrono::steady_clock::now() > deadline) {
      return s.WithContext("catching up with the log took over 30 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Status Node::Replicate(const Table& table, const storage::WriteCommand& command,
                       KeyLatches::Hold* hold) {
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Status> result;   // GUARDED_BY(mu)
    std::function<void()> release;  // GUARDED_BY(mu): set once the handler stopped waiting
  };
  auto pending = std::make_shared<Pending>();
  replicas_->Propose(TableGroup(table.info.id), command.Encode(), [pending](Status s) {
    std::function<void()> release;
    {
      std::lock_guard<std::mutex> lock(pending->mu);
      pending->result = std::move(s);
      release = std::move(pending->release);
    }
    pending->cv.notify_all();
    if (release) release();
  });
  std::unique_lock<std::mutex> lock(pending->mu);
  if (pending->cv.wait_for(lock, kReplicateTimeout, [&] { return pending->result.has_value(); })) {
    return *pending->result;
  }
  // The entry may still commit: the item stays latched until the proposal completes.
  pending->release = hold->Detach();
  return Status(Code::kInternalServerError,
                "the write did not complete within " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kReplicateTimeout).count()) +
                    " s and may or may not have been applied; read the item to find out");
}

Result<std::shared_ptr<Table>> Node::CreateTable(const TableInfo& info,
                                                 const std::function<Status()>& commit) {
  DDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, OpenTable(data_dir_, info, /*create=*/true));
  if (Status s = commit(); !s.ok()) {
    table->storage->deleted = true;  // the files go with `table`
    return s;
  }
  if (Status s = StartReplica(*table); !s.ok()) {
    spdlog::error("table {}: starting its replica failed: {}", info.name, s.ToString());
    return s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  tables_[info.name] = table;
  return table;
}

void Node::UpdateTableInfo(const TableInfo& info) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tables_.find(info.name);
  if (it == tables_.end() || it->second->info.id != info.id) return;
  auto updated = std::make_shared<Table>(*it->second);
  updated->info = info;
  it->second = std::move(updated);
}

void Node::DropTable(const std::string& name, const std::string& id) {
  std::shared_ptr<Table> doomed;  // keeps the store open until its replica is gone
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tables_.find(name);
    if (it == tables_.end() || it->second->info.id != id) return;
    it->second->storage->deleted = true;
    doomed = it->second;
    tables_.erase(it);
  }
  // After this, nothing applies to the table's store any more (requests still holding the
  // table get ResourceNotFound from the manager for their writes).
  if (Status s = replicas_->RemoveGroup(TableGroup(id)); !s.ok()) {
    spdlog::error("table {}: removing its replica failed: {}", name, s.ToString());
  }
}

KeyLatches::Hold Node::LockKey(const std::string& table_id, std::string_view item_key) {
  return key_latches_.Acquire(
      XXH64(item_key.data(), item_key.size(), XXH64(table_id.data(), table_id.size(), 0)));
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
  Reply reply;
  Result<std::string> body = it->second(*this, *parsed, &reply);
  if (body.ok()) {
    response.body = std::move(*body);
  } else {
    if (body.status().IsCorruption()) {
      // Never run on after corruption: stop the node loudly, keep the evidence.
      DDB_CHECK_MSG(false, "%s while handling %s", body.status().ToString().c_str(),
                    request.operation.c_str());
    }
    response.status = body.status();
    response.error_item = std::move(reply.error_item);
  }
  return response;
}

}  // namespace ddb::node
