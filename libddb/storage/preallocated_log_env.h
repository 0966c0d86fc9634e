// PreallocatedLogEnv: a leveldb::Env that writes LevelDB's write-ahead logs (NNNNNN.log) into
// space already filled with zeros ahead of the writer, so that a synced write overwrites
// allocated, written blocks instead of growing the file.
//
// Why: after an append, fdatasync must also commit the file system's journal (the new size
// and the new blocks), which costs the device a second flush; after an overwrite of blocks
// that are already allocated and written it flushes only the data. On the CI machine a
// synced LevelDB write of five 1.1 KB entries has a p50 of about 370 us appending and 210 us
// here (bench/storage_bench.cc; docs/benchmarks.md, "Preallocated Raft log"). etcd's WAL and
// LogCabin's segments do the same.
//
// Where the zeros come from: once a directory's log has grown past its first kChunkBytes (a
// busy database, not an idle one), a background thread writes a spare file of kSpareBytes
// zeros there and syncs it; the directory's next log file is that spare, renamed (and the
// directory synced), so the writer writes no zeros for its first kSpareBytes. Without a spare
// (the first log of a directory, or one that outgrows its spare) the writing thread writes the
// zeros in chunks of kChunkBytes, a chunk before it needs them, and the synced write that
// first covers a chunk pays for its allocation: a slower write every megabyte, which the
// spare removes from the writer's path. A log file keeps its zero tail when closed:
// LevelDB's log reader skips zero-filled space (record type zero is reserved for
// preallocated files). The spare (kSpareName) is renamed into place only once it is whole
// and synced, so one left by an earlier process is used as it is.
//
// A crash during a write that was never synced can leave a record half written over zeros.
// With an appended file the missing part would be beyond the file's end, which LevelDB
// ignores; here it reads as a checksum error, so RepairTornLogTails() must run on the
// database directory before every DB::Open with this Env (RaftLogStore::Open does).
//
// Only files named NNNNNN.log are preallocated; every other file goes to Env::Default().
// Thread-safety: the Env is thread-safe; each file is used by one thread at a time, as
// LevelDB does.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <set>
#include <mutex>
#include <string>
#include <thread>

#include <leveldb/env.h>

#include "libddb/core/result.h"

namespace ddb::storage {

// Names LevelDB's background thread (one for every DB on Env::Default, this Env's base)
// "leveldb-bg" instead of the name of whichever thread happened to start it. Idempotent.
void NameLevelDBBackgroundThread();

class PreallocatedLogEnv : public leveldb::EnvWrapper {
 public:
  static constexpr uint64_t kChunkBytes = 1 << 20;
  // A little more than the Raft log's 16 MB memtable: LevelDB starts a new log file with each
  // memtable, so a log file rarely outgrows its spare.
  static constexpr uint64_t kSpareBytes = 20 << 20;
  static constexpr const char* kSpareName = "PREZEROED-LOG";

  // The process-wide instance; never destroyed (like leveldb::Env::Default()).
  static PreallocatedLogEnv* Get();

  leveldb::Status NewWritableFile(const std::string& fname, leveldb::WritableFile** result) override;

  // Asks for a spare in `dir` unless one is ready or being written (called by log files).
  void RequestSpare(const std::string& dir);
  // Cancels a spare asked for `dir` and waits for one being written there. Call it once the
  // database in `dir` is closed, before deleting the directory.
  void ForgetDirectory(const std::string& dir);

 private:
  PreallocatedLogEnv();
  // Renames `dir`'s spare to `fname` and syncs `dir`; the open file, or -1 if there is none.
  int TakeSpare(const std::string& dir, const std::string& fname);
  void SpareLoop();  // the spare-writing thread
  Status WriteSpare(const std::string& dir);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> wanted_;            // GUARDED_BY(mu_): directories needing a spare
  std::set<std::string> pending_;             // GUARDED_BY(mu_): ... and those being written
  std::string writing_;                       // GUARDED_BY(mu_): the one being written
  std::thread spare_thread_;                  // never joined: the Env lives as long as the process
};

// What RepairTornLogTails() did.
struct LogRepair {
  int files_checked = 0;
  int tails_dropped = 0;        // log files truncated at a torn record
  uint64_t bytes_dropped = 0;   // bytes cut from them (the torn record, and any zeros after it)
};

// Scans the write-ahead logs in the LevelDB directory `dir` and truncates each at its first
// torn record: a record that fails its checksum (or claims more bytes than its block holds)
// and has a 512-byte sector that is all zeros, i.e. a write that never reached the disk
// whole. No record after it was synced either (syncs cover a prefix), so nothing
// acknowledged is cut. Any other bad record is left in place, for LevelDB (with
// paranoid_checks) to refuse the database loudly. A missing directory is not an error.
Result<LogRepair> RepairTornLogTails(const std::string& dir);

}  // namespace ddb::storage
