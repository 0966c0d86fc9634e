// repl_floor: the least work a replicated durable put can be, measured on this machine.
//
// Not ddb. A bare program that does only what any replicated, synced put must do, with none of
// ddb's layers (no ZeroMQ, no Cap'n Proto, no Raft core, no request parsing), so that its
// throughput is a ceiling for ddb's on the same machine:
//   - clients (one thread, epoll, like ddb-bench's loop driver) send 1 KB puts over TCP
//     loopback to a leader process and wait for each answer;
//   - the leader gathers the puts waiting on its sockets into a batch, sends the batch to every
//     follower process, appends it to its log file (CRC-32C'd) and fdatasyncs it; once a
//     majority (itself and enough followers) has it synced, it applies the batch to a LevelDB
//     (one WriteBatch, not synced: the log is the durable copy) and answers;
//   - a follower appends what arrives to its own log, fdatasyncs, acknowledges, and applies
//     it to its own LevelDB.
// Up to --inflight batches are replicated at once (1: the leader starts the next batch only
// when the last is answered). --nodes 1 is a single node: log, fdatasync, apply, answer.
// Raw LevelDB synced puts at the same concurrency run next, in the same run.
// Figures and what they mean for ddb: docs/benchmarks.md, "The replication floor".
//
// Usage: build/bench/repl_floor [--nodes 3] [--clients 16] [--seconds 5] [--inflight 1]
//                               [--dir /tmp/repl_floor] [--raw yes|no] [--prealloc no|yes]
//                               [--sync-thread no|yes] [--verbose no|yes]  (each node's batches and
//                               fdatasync times, to stderr)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "bench/bench_util.h"
#include "libddb/core/crc32c.h"

namespace {

constexpr size_t kValueBytes = 1000;

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::_Exit(1);
}

void PutU32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }
void PutU64(std::string* out, uint64_t v) { out->append(reinterpret_cast<const char*>(&v), 8); }
uint32_t GetU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

int Listen(uint16_t* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 128) != 0) Die("listen");
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

void NoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) Die("connect");
  NoDelay(fd);
  return fd;
}

// Sends all of `data`. A node whose peer has gone (the run is over: the parent kills the nodes
// and closes its connections) exits quietly.
void SendAll(int fd, const std::string& data, bool client = false) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (client) Die("send");
      std::_Exit(0);
    }
    off += static_cast<size_t>(n);
  }
}

// Reads what the socket holds into `buf`; false once the peer has gone.
bool ReadAvailable(int fd, std::string* buf, bool block) {
  char tmp[65536];
  for (;;) {
    ssize_t n = recv(fd, tmp, sizeof(tmp), block ? 0 : MSG_DONTWAIT);
    if (n > 0) {
      buf->append(tmp, static_cast<size_t>(n));
      block = false;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    return false;
  }
}

// Takes the complete frames ([u32 length][payload]) at the front of `buf`.
template <typename Fn>
void TakeFrames(std::string* buf, Fn fn) {
  size_t off = 0;
  while (buf->size() - off >= 4) {
    uint32_t len = GetU32(buf->data() + off);
    if (buf->size() - off - 4 < len) break;
    fn(std::string_view(buf->data() + off + 4, len));
    off += 4 + len;
  }
  buf->erase(0, off);
}

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

void RunFollower(int listen_fd, const std::string& dir, bool prealloc, bool verbose) {
  uint64_t entries = 0;
  int fd = accept(listen_fd, nullptr, nullptr);
  NoDelay(fd);
  Log log(dir + "/log", prealloc);
  leveldb::DB* db = OpenDb(dir + "/db");
  std::string buf;
  while (ReadAvailable(fd, &buf, /*block=*/true)) {
    std::vector<std::string> bodies;
    uint64_t last = 0;
    TakeFrames(&buf, [&](std::string_view f) {
      last = GetU64(f.data());
      log.Append(f.substr(8));
      bodies.emplace_back(f.substr(8));
    });
    if (bodies.empty()) continue;
    log.Sync();
    std::string ack;
    PutU32(&ack, 8);
    PutU64(&ack, last);
    SendAll(fd, ack);
    for (const std::string& b : bodies) entries += Apply(db, b);
    MaybeReport(("follower " + dir).c_str(), &log, &entries, verbose);
  }
  delete db;
  std::_Exit(0);
}

struct Waiting {
  int fd;
  uint64_t id;
};

struct Batch {
  uint64_t seq = 0;
  std::string body;
  std::vector<Waiting> waiting;
};

// With `sync_thread`, the leader's fdatasyncs run on a thread of their own (each covering
// every batch written so far), so that the loop goes on taking puts, sending batches and
// answering while one runs; a batch is answered once a majority of the nodes (the leader's
// own synced copy counting as one) holds it. Without, the loop syncs each batch itself.
void RunLeader(int client_listen, const std::vector<uint16_t>& follower_ports, size_t inflight_max,
               const std::string& dir, bool prealloc, bool verbose, bool sync_thread) {
  uint64_t entries = 0;
  std::vector<int> followers;
  for (uint16_t p : follower_ports) followers.push_back(Connect(p));
  const size_t majority = (follower_ports.size() + 1) / 2 + 1;
  Log log(dir + "/log", prealloc);
  leveldb::DB* db = OpenDb(dir + "/db");
  int ep = epoll_create1(0);
  auto watch = [&](int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  };
  watch(client_listen);
  for (int f : followers) watch(f);
  // The sync thread: syncs whenever `written` is ahead of what it synced, then publishes
  // `synced` and wakes the loop through `wake`.
  std::mutex mu;
  std::condition_variable cv;
  uint64_t written = 0;                  // GUARDED_BY(mu)
  std::atomic<uint64_t> synced{0};
  const int wake = eventfd(0, EFD_NONBLOCK);
  watch(wake);
  std::thread syncer;
  if (sync_thread) {
    syncer = std::thread([&] {
      for (;;) {
        uint64_t target;
        {
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [&] { return written > synced.load(); });
          target = written;
        }
        log.Sync();
        synced = target;
        uint64_t one = 1;
        if (write(wake, &one, sizeof(one)) != sizeof(one)) Die("eventfd");
      }
    });
    syncer.detach();  // the process is killed, never joined
  }
  std::map<int, std::string> inbuf;  // by fd: clients' and followers' unread bytes
  std::map<int, uint64_t> acked;     // by follower fd
  std::deque<Batch> inflight;
  Batch next;
  uint64_t seq = 0, key = 0;
  epoll_event events[64];
  for (;;) {
    int n = epoll_wait(ep, events, 64, -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == client_listen) {
        int c = accept(client_listen, nullptr, nullptr);
        NoDelay(c);
        watch(c);
        continue;
      }
      if (fd == wake) {
        uint64_t v;
        if (read(wake, &v, sizeof(v)) < 0 && errno != EAGAIN) Die("eventfd");
        continue;
      }
      std::string& buf = inbuf[fd];
      const bool is_follower = std::find(followers.begin(), followers.end(), fd) != followers.end();
      if (!ReadAvailable(fd, &buf, false)) {
        if (is_follower) std::_Exit(0);
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        continue;
      }
      TakeFrames(&buf, [&](std::string_view f) {
        if (is_follower) {
          acked[fd] = GetU64(f.data());
          return;
        }
        PutU64(&next.body, ++key);
        PutU32(&next.body, static_cast<uint32_t>(f.size() - 8));
        next.body.append(f.substr(8));
        next.waiting.push_back({fd, GetU64(f.data())});
      });
    }
    for (bool progress = true; progress;) {
      progress = false;
      // Start the next batch: to the followers first, so that their fsyncs overlap ours.
      if (!next.waiting.empty() && inflight.size() < inflight_max) {
        next.seq = ++seq;
        std::string frame;
        PutU32(&frame, static_cast<uint32_t>(8 + next.body.size()));
        PutU64(&frame, next.seq);
        frame.append(next.body);
        for (int f : followers) SendAll(f, frame);
        log.Append(next.body);
        if (sync_thread) {
          std::lock_guard<std::mutex> lock(mu);
          written = next.seq;
          cv.notify_one();
        } else {
          log.Sync();
          synced = next.seq;
        }
        inflight.push_back(std::move(next));
        next = Batch();
      }
      // Answer every batch a majority holds, in order.
      while (!inflight.empty()) {
        const uint64_t s = inflight.front().seq;
        size_t have = synced >= s ? 1 : 0;
        for (int f : followers) have += acked[f] >= s ? 1 : 0;
        if (have < majority) break;
        entries += Apply(db, inflight.front().body);
        std::map<int, std::string> answers;
        for (const Waiting& w : inflight.front().waiting) {
          PutU32(&answers[w.fd], 8);
          PutU64(&answers[w.fd], w.id);
        }
        for (auto& [fd, a] : answers) SendAll(fd, a);
        inflight.pop_front();
        progress = true;
      }
    }
    MaybeReport("leader", &log, &entries, verbose);
  }
}

ddb::bench::Figures RunClients(uint16_t port, int clients, double seconds) {
  using Clock = std::chrono::steady_clock;
  int ep = epoll_create1(0);
  std::vector<int> fds;
  std::vector<Clock::time_point> sent(static_cast<size_t>(clients));
  std::map<int, size_t> index;
  const std::string value(kValueBytes, 'x');
  auto send_one = [&](size_t c, uint64_t id) {
    std::string req;
    PutU32(&req, static_cast<uint32_t>(8 + value.size()));
    PutU64(&req, id);
    req.append(value);
    sent[c] = Clock::now();
    SendAll(fds[c], req, /*client=*/true);
  };
  for (int c = 0; c < clients; ++c) {
    fds.push_back(Connect(port));
    index[fds.back()] = static_cast<size_t>(c);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fds.back();
    epoll_ctl(ep, EPOLL_CTL_ADD, fds.back(), &ev);
  }
  std::vector<std::string> bufs(static_cast<size_t>(clients));
  std::vector<double> latencies;
  latencies.reserve(1 << 20);
  uint64_t id = 0;
  const auto warm_until = Clock::now() + std::chrono::seconds(1);
  bool measuring = false;
  Clock::time_point start;
  double process0 = 0, machine0 = 0;
  for (size_t c = 0; c < fds.size(); ++c) send_one(c, ++id);
  epoll_event events[64];
  for (;;) {
    const auto now = Clock::now();
    if (!measuring && now >= warm_until) {
      measuring = true;
      start = now;
      process0 = ddb::bench::ProcessCpuSeconds();
      machine0 = ddb::bench::MachineBusySeconds();
    }
    if (measuring && now - start >= std::chrono::duration<double>(seconds)) break;
    int n = epoll_wait(ep, events, 64, 100);
    for (int i = 0; i < n; ++i) {
      const size_t c = index[events[i].data.fd];
      if (!ReadAvailable(fds[c], &bufs[c], false)) Die("leader went away");
      size_t answers = 0;
      TakeFrames(&bufs[c], [&](std::string_view) { ++answers; });
      if (answers == 0) continue;
      const auto done = Clock::now();
      if (measuring) latencies.push_back(std::chrono::duration<double, std::micro>(done - sent[c]).count());
      send_one(c, ++id);
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  for (int fd : fds) close(fd);
  return ddb::bench::Summarize(std::move(latencies), elapsed, 0, ddb::bench::ProcessCpuSeconds() - process0,
                               ddb::bench::MachineBusySeconds() - machine0);
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = 3, clients = 16;
  size_t inflight = 1;
  double seconds = 5;
  std::string dir = "/tmp/repl_floor";
  bool raw = true, prealloc = false, verbose = false, sync_thread = false;
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
    if (flag == "--verbose") verbose = std::string(argv[i + 1]) == "yes";
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<int> follower_listen;
  std::vector<uint16_t> follower_ports;
  for (int i = 1; i < nodes; ++i) {
    uint16_t port = 0;
    follower_listen.push_back(Listen(&port));
    follower_ports.push_back(port);
  }
  uint16_t client_port = 0;
  int client_listen = Listen(&client_port);
  std::vector<pid_t> pids;
  for (int i = 1; i < nodes; ++i) {
    const std::string d = dir + "/node" + std::to_string(i);
    std::filesystem::create_directories(d);
    pid_t pid = fork();
    if (pid == 0) RunFollower(follower_listen[static_cast<size_t>(i - 1)], d, prealloc, verbose);
    pids.push_back(pid);
  }
  {
    const std::string d = dir + "/node0";
    std::filesystem::create_directories(d);
    pid_t pid = fork();
    if (pid == 0) RunLeader(client_listen, follower_ports, inflight, d, prealloc, verbose, sync_thread);
    pids.push_back(pid);
  }
  ddb::bench::Figures f = RunClients(client_port, clients, seconds);
  for (auto it = pids.rbegin(); it != pids.rend(); ++it) kill(*it, SIGKILL);  // the leader first
  for (pid_t p : pids) waitpid(p, nullptr, 0);
  const std::string what = "floor put, " + std::to_string(nodes) + " node(s), inflight " + std::to_string(inflight) +
                           (prealloc ? ", prealloc" : "") + (sync_thread ? ", sync thread" : "");
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
