// PartitionStore: the LevelDB database of one partition replica (DESIGN.md section 5).
//
// Layout of the keys inside the database:
//   0x01 <name>       metadata (applied and durable log index, statistics, clean-shutdown
//                     marker); each value is a fixed64 followed by its masked CRC-32C
//   0x02 <item key>   an item, under its order-preserving key (key_codec.h), encoded by
//                     item_codec.h (versioned and checksummed)
// Later layers add local-index entries and stream records under further prefixes.
//
// Durability: every Write() is synced to disk before it returns; concurrent writers are
// grouped by LevelDB into one log write and one fsync (its writer queue), so durability costs
// one fsync per group, not per request. The applied index travels in the same batch as the
// data it covers, atomically.
//
// Files: the LevelDB lives in the store's directory itself until a snapshot is restored
// (Restore); a restore builds a fresh LevelDB in the subdirectory `restored-<n>/`, and the
// file `DATA` (replaced atomically) names the one in use. Open() removes whatever a crash left of
// another (a restore that did not finish, or the store it replaced).
//
// Statistics (item count and item bytes by DynamoDB's size rules, for DescribeTable's
// ItemCount and TableSizeBytes) are kept in memory and persisted at a clean close; Open()
// removes the clean-close marker (synced) before any write, so a store that was not closed
// cleanly recounts them when opened.
//
// Thread-safety: all methods may be called concurrently. Read-modify-write sequences on one
// item must be serialized by the caller (the node locks item keys).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include "libddb/core/byte_source.h"
#include "libddb/core/result.h"
#include "libddb/model/attribute_value.h"
#include "libddb/storage/write_command.h"

namespace ddb::storage {

struct StoreOptions {
  bool create_if_missing = true;
  size_t block_cache_bytes = 32 << 20;
  // LevelDB's memtable (two while one is flushed). It holds what was written since the last
  // flush, which happens when it is full (or at open): a partition written and then left idle
  // keeps up to this much in memory. Bigger memtables make bigger table files and fewer
  // compactions; at 8 MB, under a steady stream of 1 KB puts, compactions rewrote each item
  // about 16 times and were the node's largest cost (docs/benchmarks.md, "Fewer, bigger
  // table files").
  size_t write_buffer_bytes = 32 << 20;
  // Tests only: skip fsync. Never set in a daemon.
  bool TEST_no_sync = false;
};

// A set of changes applied atomically by PartitionStore::Write.
class StoreBatch {
 public:
  void Put(std::string_view item_key, const Item& item);
  // Puts an item already encoded by item_codec.h.
  void PutEncoded(std::string_view item_key, std::string_view encoded_item);
  void Delete(std::string_view item_key);
  void SetAppliedIndex(uint64_t index);
  // Changes to the statistics that this batch makes (+1 item and its size for an insert,
  // the size difference for an overwrite, -1 and -size for a delete).
  void AddStats(int64_t items, int64_t bytes);

 private:
  friend class PartitionStore;
  leveldb::WriteBatch batch_;
  std::optional<uint64_t> applied_index_;
  int64_t item_delta_ = 0;
  int64_t byte_delta_ = 0;
};

// Iterates over items in key order (or reverse), within [start, end).
class ItemIterator {
 public:
  bool Valid() const { return valid_; }
  // The item key (without the store's internal prefix). REQUIRES: Valid().
  std::string_view key() const { return key_; }
  // Decodes the current item; Corruption if it is damaged. REQUIRES: Valid().
  Result<Item> item() const;
  // The encoded size of the current value, cheap (no decoding).
  size_t value_size() const;
  void Next();
  // OK, or the error that ended the iteration early.
  Status status() const;

 private:
  friend class PartitionStore;
  ItemIterator(std::shared_ptr<leveldb::DB> db, std::string start, std::string end,
               bool reverse);
  void Settle();

  std::shared_ptr<leveldb::DB> db_;  // kept open (a restore may swap another in) while
  std::unique_ptr<leveldb::Iterator> it_;  // this iterator, destroyed first, reads it
  std::string start_, end_;  // internal keys (prefixed)
  bool reverse_;
  bool valid_ = false;
  std::string_view key_;
};

class PartitionStore {
 public:
  // Opens (creating if asked) the store in `dir`. Fails if another process holds it.
  static Result<std::unique_ptr<PartitionStore>> Open(const std::string& dir,
                                                      const StoreOptions& options = {});
  // Persists the statistics and the clean-shutdown marker.
  ~PartitionStore();
  PartitionStore(const PartitionStore&) = delete;
  PartitionStore& operator=(const PartitionStore&) = delete;

  // The item under `item_key`, or nullopt. Corruption if the stored bytes are damaged.
  Result<std::optional<Item>> Get(std::string_view item_key) const;

  // Applies the batch atomically and durably (synced) before returning.
  Status Write(StoreBatch* batch);

  // --- For a replica of a Raft group (replication/state_machine.h) ---
  // Applies a replicated write as log entry `index`, atomically with the applied index. Not
  // synced unless `sync`: the Raft log holds the entry until Sync(). The statistics move by
  // the command's deltas, except for an entry a store not closed cleanly applies again (it
  // may be on disk already): then by what its mutations replace now, so that they are not
  // counted twice.
  Status Apply(const WriteCommand& command, uint64_t index, bool sync);
  // Makes every write so far durable (one synced write) and records the
  // applied index as durable: a store not closed cleanly reopens at that index, since
  // applies after it may be partly lost, and the Raft log applies them again (puts and
  // deletes of whole items, so applying a suffix twice ends in the same state). Thread-safe:
  // may run while Apply runs on another thread.
  Status Sync();
  // Flushes the memtable into a table file, giving back its memory (StoreOptions::
  // write_buffer_bytes). Thread-safe: may run while Apply runs on another thread.
  Status FlushMemtable();
  // Every item and the applied index, from one consistent view, as one checksummed string
  // (format S1: "S1", the applied index as a varint, each item's key and encoded value,
  // length-prefixed, then the masked CRC-32C of everything before it).
  Result<std::string> Snapshot() const {
    std::unique_ptr<ByteSource> reader = SnapshotReader();
    return ReadAll(*reader);
  }
  // The same bytes, read later and in pieces: the reader holds a LevelDB snapshot of this
  // moment (released when the reader goes) and may be read on any thread, one at a time.
  // Making it is cheap; Size() reads through the items once, and reading holds no more than
  // the piece asked for and about 64 KB (or one item, if bigger) in memory, so a partition of
  // any size can be sent. REQUIRES: the store outlives the reader.
  std::unique_ptr<ByteSource> SnapshotReader() const;
  // Replaces every item with a snapshot's (format S1, read from `snapshot` in pieces),
  // durably; the applied index becomes `index`. The items go, in bounded batches, into a
  // fresh LevelDB that is synced and then swapped in at once: a crash in the middle leaves
  // the store as it was, and memory stays bounded whatever the snapshot's size. An error
  // means nothing changed and the fresh LevelDB is gone (Corruption: the snapshot is damaged;
  // IOError: a full disk, say); a failure that may have changed which LevelDB a restart opens
  // stops the process (DDB_CHECK). Readers may run meanwhile (they see
  // the old items until the swap; an iterator made before it goes on over the old ones).
  // REQUIRES: no Apply, Write or Sync runs meanwhile.
  Status Restore(uint64_t index, ByteSource& snapshot);
  Status Restore(uint64_t index, std::string_view snapshot) {
    StringSource source{std::string(snapshot)};
    return Restore(index, source);
  }

  // Items with start <= key < end (an empty end: no upper bound), ascending or descending.
  std::unique_ptr<ItemIterator> NewIterator(std::string_view start, std::string_view end,
                                            bool reverse = false) const;

  uint64_t applied_index() const { return applied_index_.load(); }
  // Tests only: the destructor will leave the store as a crashed process does (no statistics,
  // no clean-close marker). A fork()ed child cannot stand in: LevelDB's compaction thread does
  // not survive fork.
  void TEST_CloseUncleanly() { opened_ = false; }
  int64_t item_count() const { return item_count_.load(); }
  int64_t item_bytes() const { return item_bytes_.load(); }

 private:
  PartitionStore(std::string dir, std::shared_ptr<leveldb::Cache> cache,
                 std::shared_ptr<const leveldb::FilterPolicy> filter, size_t write_buffer_bytes,
                 bool sync);
  // A LevelDB of one generation (0: the one in dir_ itself, else restored-<n>/), closed when
  // the last pointer goes; then, if `retired` was set meanwhile, its files are removed.
  struct Generation {
    std::shared_ptr<leveldb::DB> db;
    std::shared_ptr<std::atomic<bool>> retired;
  };
  Result<Generation> OpenGeneration(uint64_t n, bool create_if_missing);
  // The LevelDB in use now; callers keep the pointer for as long as they use it.
  std::shared_ptr<leveldb::DB> db() const;
  Status LoadMetadata();
  Status Recount();

  // Fixed at construction.
  const std::string dir_;
  // Shared with every LevelDB's deleter: they outlive each LevelDB (which an iterator or a
  // snapshot reader may keep open after the store is gone).
  std::shared_ptr<leveldb::Cache> cache_;
  std::shared_ptr<const leveldb::FilterPolicy> filter_;
  leveldb::Options options_;  // for every generation; points at cache_ and filter_
  const bool sync_;

  mutable std::mutex db_mu_;
  std::shared_ptr<leveldb::DB> db_;  // GUARDED_BY(db_mu_)
  uint64_t generation_ = 0;          // GUARDED_BY(db_mu_): db_'s
  // Set when db_ is swapped out: its files go once the last user lets go of it.
  std::shared_ptr<std::atomic<bool>> retired_;  // GUARDED_BY(db_mu_): db_'s

  std::atomic<uint64_t> applied_index_{0};
  std::atomic<int64_t> item_count_{0};
  std::atomic<int64_t> item_bytes_{0};
  // Not closed cleanly: entries up to this index (the applied index found on disk) are
  // applied again, and may be there already (see Apply). 0 if none.
  uint64_t replay_until_ = 0;
  bool opened_ = false;  // Open() succeeded: the destructor may save the statistics
};

}  // namespace ddb::storage
