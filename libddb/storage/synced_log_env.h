// SyncedLogEnv: a leveldb::Env whose write-ahead logs (NNNNNN.log) are synced when LevelDB
// lets go of them (when a full memtable makes it switch to a new log, and when the DB
// closes), and can be synced from another thread while LevelDB writes them (SyncLogs).
//
// Why: a partition store applies Raft entries unsynced (the Raft log holds them) and from
// time to time makes them durable so that the Raft log may forget them (PartitionStore::
// Sync). A synced LevelDB write makes only the current log durable; the log LevelDB switched
// away from is never synced by LevelDB itself, its memtable becomes durable only once
// flushed to a table. With this Env every earlier log was synced when closed, so syncing the
// current one makes every write before it durable, and Sync need not flush the memtable.
// Flushing it at every Sync made table files of a few thousand entries, whose compactions
// were the node's largest cost under a steady write load (docs/benchmarks.md).
//
// Keeping stalls off the writer: a log starts writing back every kWritebackBytes written
// (sync_file_range, which does not wait), so the sync at a switch finds little left to
// write; and SyncLogs, called from a thread that is not LevelDB's writer, fdatasyncs a
// database's open logs without entering LevelDB's write queue, so that the synced write
// that follows it has almost nothing to sync while the writer's applies queue behind it.
//
// The sync at a switch runs on the thread whose write made LevelDB switch logs (holding
// LevelDB's mutex), once per memtable. A failed sync there stops the process (DDB_CHECK):
// LevelDB gives the file no chance to report it, and the writes in it must not be claimed
// durable. Every other file goes to the base Env unchanged.
// Thread-safety: the Env is thread-safe; each file is written by one thread at a time, as
// LevelDB does, and SyncLogs may run on any thread meanwhile.
#pragma once

#include <unistd.h>

#include <map>
#include <mutex>
#include <set>
#include <string>

#include <leveldb/env.h>

#include "libddb/core/status.h"

namespace ddb::storage {

class SyncedLogEnv : public leveldb::EnvWrapper {
 public:
  static constexpr size_t kWritebackBytes = 1 << 20;

  // The process-wide instance; never destroyed (like leveldb::Env::Default()).
  static SyncedLogEnv* Get();
  // Over another Env (tests): logs are plain files this Env writes itself; every other file
  // goes to `base`. REQUIRES: `base` outlives this Env.
  explicit SyncedLogEnv(leveldb::Env* base) : EnvWrapper(base) {}

  leveldb::Status NewWritableFile(const std::string& fname, leveldb::WritableFile** result) override;
  // NotSupported for logs (Options::reuse_logs must stay off).
  leveldb::Status NewAppendableFile(const std::string& fname, leveldb::WritableFile** result) override;

  // fdatasyncs every log that is open now of the LevelDB opened as `dbname` (spelled as it
  // was given to DB::Open): everything written to them before the call is durable when it
  // returns OK. IOError if none is open (an open LevelDB always has one: the caller named
  // the wrong database). A failed fdatasync stops the process (DDB_CHECK): it must not be
  // retried (see the .cc).
  Status SyncLogs(const std::string& dbname);

  // Called by log files.
  void Register(const std::string& dir, int fd);
  void Unregister(const std::string& dir, int fd);
  // Every log sync goes through here: fdatasync(fd), 0 or -1 and errno (tests watch it).
  virtual int DataSync(int fd) { return ::fdatasync(fd); }

 private:
  std::mutex mu_;
  std::map<std::string, std::set<int>> open_;  // GUARDED_BY(mu_): dir -> open log fds
};

}  // namespace ddb::storage
