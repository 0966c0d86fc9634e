// The key layout and metadata encoding inside a partition's LevelDB (see partition_store.h),
// shared by the files that implement PartitionStore. Internal to libddb/storage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <leveldb/db.h>
#include <leveldb/status.h>

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"
#include "libddb/core/result.h"

namespace ddb::storage::internal {

inline constexpr char kMetaPrefix = '\x01';
inline constexpr char kItemPrefix = '\x02';
inline constexpr std::string_view kAppliedIndex = "applied_index";
inline constexpr std::string_view kDurableIndex = "durable_index";
inline constexpr std::string_view kItemCount = "item_count";
inline constexpr std::string_view kItemBytes = "item_bytes";
inline constexpr std::string_view kClean = "clean";

inline std::string MetaKey(std::string_view name) {
  std::string k(1, kMetaPrefix);
  k += name;
  return k;
}

inline std::string ItemKey(std::string_view key) {
  std::string k(1, kItemPrefix);
  k += key;
  return k;
}

inline std::string EncodeMeta(uint64_t v) {
  std::string out;
  PutFixed64BE(&out, v);
  PutFixed32LE(&out, crc32c::Mask(crc32c::Value(out)));
  return out;
}

inline Result<uint64_t> DecodeMeta(std::string_view name, std::string_view value) {
  if (value.size() != 12 ||
      crc32c::Unmask(DecodeFixed32LE(value.data() + 8)) != crc32c::Value(value.data(), 8)) {
    return Status::Corruption("partition store: metadata '" + std::string(name) + "' is damaged");
  }
  return DecodeFixed64BE(value.data());
}

// Files of the store's directory (partition_store.cc): DATA names the restored generation
// whose LevelDB is in use (restored-<n>/); without it, the LevelDB in the directory itself.
inline constexpr std::string_view kDataFile = "DATA";
inline constexpr std::string_view kGenerationPrefix = "restored-";
// Where generation `n`'s LevelDB lives (0: `dir` itself).
std::string GenerationPath(const std::string& dir, uint64_t n);
// The generation DATA names; 0 without the file.
Result<uint64_t> ReadDataFile(const std::string& dir);
// Names generation `n` in DATA, atomically (a new file renamed over the old one), and, with
// `sync`, durably.
Status WriteDataFile(const std::string& dir, uint64_t n, bool sync);

// Records `index` as durable (with `sync`, durably): everything written to `db` (a LevelDB in
// directory `db_dir` over SyncedLogEnv) before the call is then on disk. Its open logs are
// synced first, outside LevelDB's write queue (a writer may go on meanwhile), then the
// index is written synced (little left to sync by then), then `db_dir` is synced (the name
// of a log LevelDB made since it last synced its manifest). Logs LevelDB left earlier were
// synced as it left them. PartitionStore::Sync, Restore.
Status RecordDurable(leveldb::DB* db, const std::string& db_dir, uint64_t index, bool sync);

inline Status FromLevelDB(const leveldb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsCorruption()) return Status::Corruption("leveldb: " + s.ToString());
  return Status::IOError("leveldb: " + s.ToString());
}

}  // namespace ddb::storage::internal
