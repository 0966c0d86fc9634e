// snapshot_bench: the memory a partition's snapshot costs the node that sends it and the node
// that installs it. Fills a PartitionStore with ~1 KB items (--mb of them, default 300),
// then, in a fresh process each (so that each peak is its own):
//   whole     reads its snapshot into one string (as the sender did before it streamed);
//   streamed  reads it as SnapshotSender does: Size(), then 8 MB chunks (written to a file);
//   restore   restores another store from that file, as a follower does (FileSource).
// Prints the size, the time taken, the process's peak RSS, and its resident memory at the end
// split into anonymous (heap) and file-backed (LevelDB's mapped table files). Figures go to
// docs/benchmarks.md.
//
// Usage: build/bench/snapshot_bench [--mb N] [--dir DIR]
//        (runs itself again with --read whole|streamed|restore for each)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "libddb/core/byte_source.h"
#include "libddb/model/key_codec.h"
#include "libddb/storage/partition_store.h"
#include "libddb/storage/write_command.h"

namespace {

long PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

// The process's resident memory now, split as /proc reports it: anonymous (the heap) and
// file-backed (LevelDB maps its table files: pages of the page cache, reclaimable).
std::string RssNow() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return "";
  char line[256];
  long anon = -1, file = -1;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    std::sscanf(line, "RssAnon: %ld kB", &anon);
    std::sscanf(line, "RssFile: %ld kB", &file);
  }
  std::fclose(f);
  return "now anon " + std::to_string(anon / 1024) + " MB, file " + std::to_string(file / 1024) + " MB";
}

int Fill(const std::string& dir, int mb) {
  ddb::storage::StoreOptions o;
  o.TEST_no_sync = true;  // filling is not what is measured
  auto store = ddb::storage::PartitionStore::Open(dir, o);
  if (!store.ok()) return 1;
  for (int b = 0; b < mb; ++b) {  // 1000 items of ~1 KB each: ~1 MB per batch
    ddb::storage::WriteCommand c;
    for (int i = 0; i < 1000; ++i) {
      const std::string pk = "k" + std::to_string(b * 1000 + i);
      ddb::Item item;
      item["pk"] = ddb::AttributeValue::S(pk);
      std::string payload(1000, ' ');  // text that does not compress to nothing
      for (size_t j = 0; j < payload.size(); ++j) {
        payload[j] = static_cast<char>('!' + (j * 7919 + static_cast<size_t>(b) * 31 + static_cast<size_t>(i) * 17) % 90);
      }
      item["payload"] = ddb::AttributeValue::S(payload);
      c.Put(ddb::EncodeItemKey(ddb::AttributeValue::S(pk), nullptr), item);
    }
    if (!(*store)->Apply(c, static_cast<uint64_t>(b) + 1, false).ok()) return 1;
  }
  return (*store)->Sync().ok() ? 0 : 1;
}

int Restore(const std::string& dir) {
  auto store = ddb::storage::PartitionStore::Open(dir + "-restored", ddb::storage::StoreOptions{});
  if (!store.ok()) return 1;
  const long before = PeakRssMb();
  const auto start = std::chrono::steady_clock::now();
  auto file = ddb::FileSource::Open(dir + ".snapshot");
  if (!file.ok()) return 1;
  const uint64_t bytes = *(*file)->Size();
  if (!(*store)->Restore(1000, **file).ok()) return 1;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("snapshot restore %-7s %6.0f MB in %5.2f s   peak RSS %5ld MB (%ld before; %s)\n",
              "from file", static_cast<double>(bytes) / (1 << 20), secs, PeakRssMb(), before,
              RssNow().c_str());
  return 0;
}

int Read(const std::string& dir, bool whole) {
  auto store = ddb::storage::PartitionStore::Open(dir, ddb::storage::StoreOptions{});
  if (!store.ok()) return 1;
  const long before = PeakRssMb();
  const auto start = std::chrono::steady_clock::now();
  uint64_t bytes = 0;
  std::FILE* out = whole ? nullptr : std::fopen((dir + ".snapshot").c_str(), "wb");
  if (!whole && out == nullptr) return 1;
  if (whole) {
    ddb::Result<std::string> s = (*store)->Snapshot();
    if (!s.ok()) return 1;
    bytes = s->size();
  } else {
    std::unique_ptr<ddb::ByteSource> reader = (*store)->SnapshotReader();
    ddb::Result<uint64_t> size = reader->Size();
    if (!size.ok()) return 1;
    for (;;) {
      std::string chunk;
      ddb::Result<size_t> n = reader->Read(8 << 20, &chunk);
      if (!n.ok()) return 1;
      if (*n == 0) break;
      bytes += *n;
      if (std::fwrite(chunk.data(), 1, chunk.size(), out) != chunk.size()) return 1;
    }
    std::fclose(out);
    if (bytes != *size) return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("snapshot read %-9s %6.0f MB in %5.2f s   peak RSS %5ld MB (%ld before; %s)\n",
              whole ? "whole" : "streamed", static_cast<double>(bytes) / (1 << 20), secs,
              PeakRssMb(), before, RssNow().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int mb = 300;
  std::string dir = "/tmp/ddb-snapshot-bench";
  std::string read;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--mb") mb = std::stoi(argv[i + 1]);
    if (flag == "--dir") dir = argv[i + 1];
    if (flag == "--read") read = argv[i + 1];
  }
  if (read == "restore") return Restore(dir);
  if (!read.empty()) return Read(dir, read == "whole");
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(dir + "-restored");
  if (Fill(dir, mb) != 0) {
    std::fprintf(stderr, "snapshot_bench: cannot fill %s\n", dir.c_str());
    return 1;
  }
  int failed = 0;
  for (const char* way : {"whole", "streamed", "restore"}) {
    const pid_t pid = fork();
    if (pid == 0) {
      execl("/proc/self/exe", argv[0], "--dir", dir.c_str(), "--read", way, static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(dir + "-restored");
  std::filesystem::remove(dir + ".snapshot");
  return failed == 0 ? 0 : 1;
}
