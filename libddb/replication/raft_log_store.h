// RaftLogStore: the Raft logs of every replication group on a node, in one LevelDB
// (DESIGN.md section 5).
//
// Keys (all under the group's 8-byte big-endian id, so one group's records are contiguous):
//   'g' <group> 'h'            hard state (term, vote, commit)
//   'g' <group> 's'            the metadata of the group's latest snapshot (index, term,
//                              membership); the snapshot's data is the partition store itself
//   'g' <group> 'e' <index>    one log entry, index big-endian so entries sort in log order
// Every value starts with the masked CRC-32C of the rest; a mismatch is Corruption.
//
// Durability and group commit: Write() applies a batch holding the Readys of any number of
// groups atomically, with one fsync. The node's Raft loop collects every group's Ready of an
// iteration into one batch, and LevelDB's writer queue merges concurrent writers too, so one
// fsync covers many writes of many partitions. LevelDB's write-ahead log is preallocated
// (storage/preallocated_log_env.h), so each fsync overwrites zero-filled space rather than
// growing the file; Open() first cuts off a write a crash left torn.
//
// Thread-safety: all methods may be called concurrently; Write() calls are serialized
// internally (a group's appends must arrive in order, which the single Raft loop guarantees).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "libddb/core/result.h"
#include "libddb/raft/raft.h"

namespace ddb::replication {

using GroupId = uint64_t;

class RaftLogStore {
 public:
  // A set of changes applied atomically by Write().
  class Batch {
   public:
    // What `ready` asks to persist for `group`: its snapshot's metadata (dropping older
    // entries), its entries (replacing any persisted entries at and after the first one) and
    // its hard state.
    void Add(GroupId group, const raft::Ready& ready);
    // After Raft::Compact: the new snapshot metadata; entries up to it are dropped.
    void Compact(GroupId group, const raft::SnapshotMeta& meta);
    bool empty() const { return ops_.empty(); }

   private:
    friend class RaftLogStore;
    struct Op {
      GroupId group;
      std::optional<raft::SnapshotMeta> snapshot;  // install or compact
      bool compact_only = false;
      std::vector<raft::Entry> entries;
      std::optional<raft::HardState> hard_state;
    };
    std::vector<Op> ops_;
  };

  // Opens (creating if needed) the store in `dir`. sync=false is for tests only.
  static Result<std::unique_ptr<RaftLogStore>> Open(const std::string& dir, bool sync = true);
  // Closes the database; once it returns, nothing writes in its directory any more (its
  // spare log file included), so the directory may be deleted.
  ~RaftLogStore();

  RaftLogStore(const RaftLogStore&) = delete;
  RaftLogStore& operator=(const RaftLogStore&) = delete;

  // Applies `batch` atomically; durable (synced) when it returns OK, unless `sync` is false:
  // for a batch whose loss a restart tolerates (only commit indexes moved, or compactions).
  Status Write(const Batch& batch, bool sync = true);

  // Everything persisted for `group`, to restart its replica (Storage::applied is left at the
  // snapshot index: the partition store knows the real applied index). A group never written
  // loads as an empty Storage. Corruption if a record fails its checksum or entries are not
  // contiguous.
  Result<raft::Storage> Load(GroupId group) const;
  // The groups with anything persisted, in order.
  std::vector<GroupId> Groups() const;
  // Removes every record of `group` (its replica moved away).
  Status DropGroup(GroupId group);

 private:
  RaftLogStore(std::string dir, std::unique_ptr<leveldb::DB> db, bool sync);
  // The last persisted entry index of `group` (0 if none), from memory or, first, the disk.
  // REQUIRES: write_mu_ held.
  raft::Index LastIndex(GroupId group);
  // Adds to `wb` the deletion of every persisted entry of `group` up to `to`.
  void DeleteEntries(leveldb::WriteBatch* wb, GroupId group, raft::Index to) const;
  // The index of the group's first persisted entry; UINT64_MAX if it has none.
  raft::Index FirstEntryIndex(GroupId group) const;

  // Entries a compaction dropped that are still to be deleted from disk: [next, to]. Each
  // Write deletes up to kDeletesPerWrite of them. Load never reads them (it starts past the
  // snapshot), and after a restart the next compaction of the group finds them again.
  struct Deferred {
    raft::Index next = 0;
    raft::Index to = 0;
  };
  static constexpr size_t kDeletesPerWrite = 1000;

  const std::string dir_;
  std::unique_ptr<leveldb::DB> db_;
  const bool sync_;
  std::mutex write_mu_;  // serializes Write() and DropGroup()
  std::map<GroupId, raft::Index> last_index_;  // GUARDED_BY(write_mu_)
  std::map<GroupId, Deferred> deferred_;       // GUARDED_BY(write_mu_)
  // Per group, the index up to which every entry is known deleted from disk (where the next
  // compaction's deletions start), learnt since opening.
  std::map<GroupId, raft::Index> deleted_through_;  // GUARDED_BY(write_mu_)
};

}  // namespace ddb::replication
