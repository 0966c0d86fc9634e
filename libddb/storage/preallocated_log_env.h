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
// The zeros are written in chunks (kChunkBytes) by the writing thread, a chunk before the
// writer needs it; the synced write that first covers a chunk pays for its allocation once.
// A log file keeps its zero tail when closed: LevelDB's log reader skips zero-filled space
// (record type zero is reserved for preallocated files).
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

#include <cstdint>
#include <string>

#include <leveldb/env.h>

#include "libddb/core/result.h"

namespace ddb::storage {

// Names LevelDB's background thread (one for every DB on Env::Default, this Env's base)
// "leveldb-bg" instead of the name of whichever thread happened to start it. Idempotent.
void NameLevelDBBackgroundThread();

class PreallocatedLogEnv : public leveldb::EnvWrapper {
 public:
  static constexpr uint64_t kChunkBytes = 1 << 20;

  // The process-wide instance; never destroyed (like leveldb::Env::Default()).
  static PreallocatedLogEnv* Get();

  leveldb::Status NewWritableFile(const std::string& fname, leveldb::WritableFile** result) override;

 private:
  PreallocatedLogEnv();
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
