// SyncedLogEnv: a leveldb::Env whose write-ahead logs (NNNNNN.log) are synced when LevelDB
// lets go of them: when a full memtable makes it switch to a new log, and when the DB closes.
//
// Why: a partition store applies Raft entries unsynced (the Raft log holds them) and from
// time to time makes them durable so that the Raft log may forget them (PartitionStore::
// Sync). A synced LevelDB write makes only the current log durable; the log LevelDB switched
// away from is never synced by LevelDB itself, its memtable becomes durable only once
// flushed to a table. With this Env every earlier log was synced when closed, so one synced
// write makes every write before it durable, and Sync need not flush the memtable. Flushing
// it at every Sync made table files of a few thousand entries, whose compactions were the
// node's largest cost under a steady write load (docs/benchmarks.md).
//
// The sync runs on the thread whose write made LevelDB switch logs (holding LevelDB's mutex),
// once per memtable. A failed sync there stops the process (DDB_CHECK): LevelDB gives the
// file no chance to report it, and the writes in it must not be claimed durable.
// Every other file goes to the base Env unchanged.
// Thread-safety: the Env is thread-safe; each file is used by one thread at a time, as
// LevelDB does.
#pragma once

#include <string>

#include <leveldb/env.h>

namespace ddb::storage {

class SyncedLogEnv : public leveldb::EnvWrapper {
 public:
  // The process-wide instance; never destroyed (like leveldb::Env::Default()).
  static SyncedLogEnv* Get();
  // Over another Env (tests). REQUIRES: `base` outlives this Env.
  explicit SyncedLogEnv(leveldb::Env* base) : EnvWrapper(base) {}

  leveldb::Status NewWritableFile(const std::string& fname, leveldb::WritableFile** result) override;
};

}  // namespace ddb::storage
