// repl_floor: the least work a replicated durable put can be, measured on this machine.
//
// Not ddb. A bare program that does only what any replicated, synced put must do, with none of
// ddb's layers (no Raft core, no Cap'n Proto, no request parsing, no DynamoDB semantics), so
// that its throughput is a ceiling for ddb's on the same machine:
//   - clients (one thread, like ddb-bench's loop driver) send 1 KB puts to a leader process
//     and wait for each answer;
//   - the leader gathers the puts waiting on its connections into a batch, sends the batch to
//     every follower process, appends it to its log file (CRC-32C'd) and fdatasyncs it; once
//     a majority of the nodes (its own synced copy counting as one) has it synced, it applies
//     the batch to a LevelDB (one WriteBatch, not synced: the log is the durable copy) and
//     answers;
//   - a follower appends what arrives to its own log, fdatasyncs, acknowledges, and applies
//     it to its own LevelDB.
// Up to --inflight batches are replicated at once (1: the leader starts the next batch only
// when the last is answered). --nodes 1 is a single node: log, fdatasync, apply, answer.
// --prealloc writes the log over zeros written and synced beforehand (as ddb's Raft log does);
// --sync-thread (leader) and --follower-sync-thread run the fdatasyncs on a thread of their own
// while the node goes on receiving and sending. --transport tcp (plain TCP loopback, length-
// prefixed frames, epoll) or zmq (ZeroMQ, as ddb: a ROUTER on the leader for the clients, a
// DEALER per client and per follower, a ROUTER on each follower; --io-threads per process).
// Raw LevelDB synced puts at the same concurrency run next, in the same run.
// Figures and what they mean for ddb: docs/benchmarks.md, "The replication floor".
//
// Usage: build/bench/repl_floor [--nodes 3] [--clients 16] [--seconds 5] [--inflight 1]
//                               [--dir /tmp/repl_floor] [--raw yes|no] [--prealloc no|yes]
//                               [--sync-thread no|yes] [--follower-sync-thread no|yes]
//                               [--transport tcp|zmq] [--io-threads 1]
//                               [--verbose no|yes]  (each node's batches and fdatasync times, to stderr)
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "bench/bench_util.h"
#include "bench/repl_floor_net.h"
#include "libddb/core/crc32c.h"

namespace {

using namespace ddb::bench::floor;

constexpr size_t kValueBytes = 1000;


// The node's durable log: records [u32 length][u32 masked crc][batch] appended and synced.
// With `prealloc`, the file is written full of zeros and synced first, and records overwrite
// it from the start: an fdatasync then flushes data only, no file size (as ddb's log does).
class Log {
 public:
  Log(const std::string& path, bool prealloc) : prealloc_(prealloc) {
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | (prealloc ? 0 : O_APPEND), 0644);
    if (fd_ < 0) Die("open log");
    if (prealloc) {
      const std::string zeros(1 << 20, '\0');
      for (int i = 0; i < kPreallocMb; ++i) {
        if (write(fd_, zeros.data(), zeros.size()) != static_cast<ssize_t>(zeros.size())) Die("prealloc");
      }
      if (fsync(fd_) != 0) Die("fsync");
    }
  }
  void Append(std::string_view batch) {
    std::string rec;
    PutU32(&rec, static_cast<uint32_t>(batch.size()));
    PutU32(&rec, ddb::crc32c::Mask(ddb::crc32c::Value(batch)));
    rec.append(batch);
    ssize_t n;
    if (prealloc_) {
      if (offset_ + rec.size() > static_cast<uint64_t>(kPreallocMb) << 20) offset_ = 0;  // wraps: a bench only
      n = pwrite(fd_, rec.data(), rec.size(), static_cast<off_t>(offset_));
      offset_ += rec.size();
    } else {
      n = write(fd_, rec.data(), rec.size());
    }
    if (n != static_cast<ssize_t>(rec.size())) Die("write log");
    ++records_;
  }
  void Sync() {
    const auto t0 = std::chrono::steady_clock::now();
    if (fdatasync(fd_) != 0) Die("fdatasync");
    sync_ns_ += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now() - t0).count());
    ++syncs_;
  }
  // "syncs N, mean fdatasync X us"; the counters restart.
  std::string TakeStats() {
    char line[128];
    std::snprintf(line, sizeof(line), "records %llu, syncs %llu, mean fdatasync %.0f us",
                  static_cast<unsigned long long>(records_), static_cast<unsigned long long>(syncs_.load()),
                  syncs_ ? static_cast<double>(sync_ns_) / 1e3 / static_cast<double>(syncs_) : 0.0);
    records_ = 0;
    syncs_ = 0;
    sync_ns_ = 0;
    return line;
  }

 private:
  static constexpr int kPreallocMb = 256;
  const bool prealloc_;
  int fd_ = -1;
  uint64_t offset_ = 0, records_ = 0;
  std::atomic<uint64_t> syncs_{0}, sync_ns_{0};  // Sync may run on another thread
};

// Prints `log`'s figures to stderr every two seconds (--verbose).
void MaybeReport(const char* who, Log* log, uint64_t* entries, bool verbose) {
  static auto last = std::chrono::steady_clock::now();
  if (!verbose || std::chrono::steady_clock::now() - last < std::chrono::seconds(2)) return;
  last = std::chrono::steady_clock::now();
  std::fprintf(stderr, "  %s: entries %llu, %s\n", who, static_cast<unsigned long long>(*entries),
               log->TakeStats().c_str());
  *entries = 0;
}

leveldb::DB* OpenDb(const std::string& dir) {
  leveldb::Options o;
  o.create_if_missing = true;
  leveldb::DB* db = nullptr;
  if (!leveldb::DB::Open(o, dir, &db).ok()) Die("leveldb open");
  return db;
}

// A batch's body: entries [u64 key][u32 length][value], applied as one WriteBatch.
uint64_t Apply(leveldb::DB* db, std::string_view body) {
  leveldb::WriteBatch wb;
  uint64_t n = 0;
  size_t off = 0;
  while (off + 12 <= body.size()) {
    const uint64_t key = GetU64(body.data() + off);
    const uint32_t len = GetU32(body.data() + off + 8);
    wb.Put(leveldb::Slice(reinterpret_cast<const char*>(&key), 8), leveldb::Slice(body.data() + off + 12, len));
    off += 12 + len;
    ++n;
  }
  if (!db->Write(leveldb::WriteOptions(), &wb).ok()) Die("apply");
  return n;
}

// ---- The nodes and the clients.

// Makes a node's log durable: inline (Written syncs at once) or, with a thread, by a syncer
// thread that fdatasyncs whenever the log is ahead of what it synced (one sync covering every
// batch written meanwhile) and then makes wake_fd() readable.
class Syncer {
 public:
  Syncer(Log* log, bool thread) : log_(log), wake_(eventfd(0, EFD_NONBLOCK)) {
    if (!thread) return;
    threaded_ = true;
    std::thread([this] {
      for (;;) {
        uint64_t target;
        {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [&] { return written_ > synced_.load(); });
          target = written_;
        }
        log_->Sync();
        synced_ = target;
        uint64_t one = 1;
        if (write(wake_, &one, sizeof(one)) != sizeof(one)) Die("eventfd");
      }
    }).detach();  // the process is killed, never joined
  }
  // The log holds everything up to batch `seq`.
  void Written(uint64_t seq) {
    if (!threaded_) {
      log_->Sync();
      synced_ = seq;
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    written_ = seq;
    cv_.notify_one();
  }
  uint64_t synced() const { return synced_; }
  int wake_fd() const { return wake_; }
  void DrainWake() {
    uint64_t v;
    if (read(wake_, &v, sizeof(v)) < 0 && errno != EAGAIN) Die("eventfd");
  }

 private:
  Log* const log_;
  const int wake_;
  bool threaded_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t written_ = 0;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> synced_{0};
};

// A follower writes what arrives, syncs (inline or on its syncer thread), acknowledges the
// last batch synced, then applies the batches acknowledged.
void RunFollower(std::unique_ptr<FollowerNet> net, const std::string& dir, bool prealloc, bool verbose,
                 bool sync_thread) {
  uint64_t entries = 0, acked = 0;
  Log log(dir + "/log", prealloc);
  Syncer syncer(&log, sync_thread);
  leveldb::DB* db = OpenDb(dir + "/db");
  std::deque<std::string> unapplied;
  for (;;) {
    std::vector<std::string> frames = net->Receive(syncer.wake_fd());
    syncer.DrainWake();
    for (std::string& f : frames) {
      log.Append(std::string_view(f).substr(8));
      unapplied.push_back(std::move(f));
    }
    if (!frames.empty()) syncer.Written(GetU64(unapplied.back().data()));
    const uint64_t synced = syncer.synced();
    if (synced > acked) {
      net->Ack(synced);
      acked = synced;
    }
    while (!unapplied.empty() && GetU64(unapplied.front().data()) <= acked) {
      entries += Apply(db, std::string_view(unapplied.front()).substr(8));
      unapplied.pop_front();
    }
    MaybeReport(("follower " + dir).c_str(), &log, &entries, verbose);
  }
}

struct Batch {
  uint64_t seq = 0;
  std::string body;
  std::vector<Waiting> waiting;
};

// The leader: with `sync_thread`, its loop goes on taking puts, sending batches and answering
// while a sync runs (Syncer); a batch is answered once a majority of the nodes (the leader's
// own synced copy counting as one) holds it.
void RunLeader(std::unique_ptr<LeaderNet> net, size_t inflight_max, const std::string& dir, bool prealloc,
               bool verbose, bool sync_thread) {
  uint64_t entries = 0;
  const size_t majority = (net->Followers() + 1) / 2 + 1;
  Log log(dir + "/log", prealloc);
  leveldb::DB* db = OpenDb(dir + "/db");
  Syncer syncer(&log, sync_thread);
  std::vector<uint64_t> acked(net->Followers(), 0);
  std::deque<Batch> inflight;
  Batch next;
  uint64_t seq = 0, key = 0;
  for (;;) {
    net->Poll(
        syncer.wake_fd(),
        [&](std::string client, uint64_t id, std::string_view value) {
          PutU64(&next.body, ++key);
          PutU32(&next.body, static_cast<uint32_t>(value.size()));
          next.body.append(value);
          next.waiting.push_back({std::move(client), id});
        },
        [&](size_t follower, uint64_t s) { acked[follower] = std::max(acked[follower], s); });
    for (bool progress = true; progress;) {
      progress = false;
      // Start the next batch: to the followers first, so that their fsyncs overlap ours.
      if (!next.waiting.empty() && inflight.size() < inflight_max) {
        next.seq = ++seq;
        std::string frame;
        PutU64(&frame, next.seq);
        frame.append(next.body);
        net->SendToFollowers(frame);
        log.Append(next.body);
        syncer.Written(next.seq);
        inflight.push_back(std::move(next));
        next = Batch();
      }
      // Answer every batch a majority holds, in order.
      while (!inflight.empty()) {
        const uint64_t s = inflight.front().seq;
        size_t have = syncer.synced() >= s ? 1 : 0;
        for (uint64_t a : acked) have += a >= s ? 1 : 0;
        if (have < majority) break;
        entries += Apply(db, inflight.front().body);
        std::map<std::string, std::vector<uint64_t>> answers;
        for (const Waiting& w : inflight.front().waiting) answers[w.client].push_back(w.id);
        for (auto& [client, ids] : answers) net->Answer(client, ids);
        inflight.pop_front();
        progress = true;
      }
    }
    MaybeReport("leader", &log, &entries, verbose);
  }
}

ddb::bench::Figures RunClients(ClientNet& net, int clients, double seconds) {
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> sent(static_cast<size_t>(clients));
  const std::string value(kValueBytes, 'x');
  std::vector<double> latencies;
  latencies.reserve(1 << 20);
  uint64_t id = 0;
  auto send_one = [&](size_t c) {
    sent[c] = Clock::now();
    net.Send(c, ++id, value);
  };
  const auto warm_until = Clock::now() + std::chrono::seconds(1);
  bool measuring = false;
  Clock::time_point start;
  double process0 = 0, machine0 = 0;
  for (size_t c = 0; c < static_cast<size_t>(clients); ++c) send_one(c);
  for (;;) {
    const auto now = Clock::now();
    if (!measuring && now >= warm_until) {
      measuring = true;
      start = now;
      process0 = ddb::bench::ProcessCpuSeconds();
      machine0 = ddb::bench::MachineBusySeconds();
    }
    if (measuring && now - start >= std::chrono::duration<double>(seconds)) break;
    for (size_t c : net.Answered()) {
      if (measuring) latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent[c]).count());
      send_one(c);
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return ddb::bench::Summarize(std::move(latencies), elapsed, 0, ddb::bench::ProcessCpuSeconds() - process0,
                               ddb::bench::MachineBusySeconds() - machine0);
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = 3, clients = 16;
  size_t inflight = 1;
  double seconds = 5;
  std::string dir = "/tmp/repl_floor";
  bool raw = true, prealloc = false, verbose = false, sync_thread = false, follower_sync_thread = false;
  bool zmq_transport = false;
  int io_threads = 1;  // ZeroMQ I/O threads per process
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--nodes") nodes = std::stoi(argv[i + 1]);
    if (flag == "--clients") clients = std::stoi(argv[i + 1]);
    if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    if (flag == "--inflight") inflight = std::stoul(argv[i + 1]);
    if (flag == "--dir") dir = argv[i + 1];
    if (flag == "--raw") raw = std::string(argv[i + 1]) != "no";
    if (flag == "--prealloc") prealloc = std::string(argv[i + 1]) == "yes";
    if (flag == "--sync-thread") sync_thread = std::string(argv[i + 1]) == "yes";
    if (flag == "--follower-sync-thread") follower_sync_thread = std::string(argv[i + 1]) == "yes";
    if (flag == "--io-threads") io_threads = std::stoi(argv[i + 1]);
    if (flag == "--transport") zmq_transport = std::string(argv[i + 1]) == "zmq";
    if (flag == "--verbose") verbose = std::string(argv[i + 1]) == "yes";
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // Free loopback ports: with TCP the parent keeps the listening sockets for the nodes to
  // inherit; ZeroMQ binds its own, so they are closed again.
  std::vector<int> listen_fds;
  std::vector<std::string> ports;
  for (int i = 0; i < nodes; ++i) {
    uint16_t port = 0;
    listen_fds.push_back(Listen(&port));
    ports.push_back(std::to_string(port));
    if (zmq_transport) close(listen_fds.back());
  }
  const std::vector<std::string> follower_ports(ports.begin() + 1, ports.end());
  std::vector<pid_t> pids;
  for (size_t i = 1; i < ports.size(); ++i) {
    const std::string d = dir + "/node" + std::to_string(i);
    std::filesystem::create_directories(d);
    pid_t pid = fork();
    if (pid == 0) {
      std::unique_ptr<FollowerNet> net;
      if (zmq_transport) {
        net = std::make_unique<ZmqFollowerNet>(ports[i], io_threads);
      } else {
        net = std::make_unique<TcpFollowerNet>(listen_fds[i]);
      }
      RunFollower(std::move(net), d, prealloc, verbose, follower_sync_thread);
    }
    pids.push_back(pid);
  }
  {
    const std::string d = dir + "/node0";
    std::filesystem::create_directories(d);
    pid_t pid = fork();
    if (pid == 0) {
      std::unique_ptr<LeaderNet> net;
      if (zmq_transport) {
        net = std::make_unique<ZmqLeaderNet>(ports[0], follower_ports, io_threads);
      } else {
        net = std::make_unique<TcpLeaderNet>(listen_fds[0], follower_ports);
      }
      RunLeader(std::move(net), inflight, d, prealloc, verbose, sync_thread);
    }
    pids.push_back(pid);
  }
  ddb::bench::Figures f;
  {
    std::unique_ptr<ClientNet> net;
    if (zmq_transport) {
      net = std::make_unique<ZmqClientNet>(ports[0], clients, io_threads);
    } else {
      net = std::make_unique<TcpClientNet>(ports[0], clients);
    }
    f = RunClients(*net, clients, seconds);
  }
  for (auto it = pids.rbegin(); it != pids.rend(); ++it) kill(*it, SIGKILL);  // the leader first
  for (pid_t p : pids) waitpid(p, nullptr, 0);
  const std::string what = "floor put, " + std::to_string(nodes) + " node(s), inflight " + std::to_string(inflight) +
                           (prealloc ? ", prealloc" : "") + (sync_thread ? ", sync thread" : "") +
                           (follower_sync_thread ? ", follower sync threads" : "") +
                           (zmq_transport ? ", ZeroMQ" : "");
  ddb::bench::Print(what.c_str(), clients, f);
  // Raw LevelDB last: its background thread must not exist when the nodes are forked.
  if (raw) {
    leveldb::DB* db = OpenDb(dir + "/raw");
    leveldb::WriteOptions wo;
    wo.sync = true;
    const std::string value(1050, 'x');
    auto r = ddb::bench::Run<int>(clients, seconds, [](int) { return 0; }, [&](int&, int t, int64_t i) {
      return db->Put(wo, "user#" + std::to_string(t) + "#" + std::to_string(i), value).ok();
    });
    delete db;
    std::filesystem::remove_all(dir + "/raw");
    ddb::bench::Print("raw leveldb sync put (1 KB)", clients, r);
    std::printf("  ratio floor/raw: %.2f\n", f.ops_per_sec / r.ops_per_sec);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
