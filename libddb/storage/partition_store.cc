#include "libddb/storage/partition_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include <leveldb/cache.h>
#include <leveldb/filter_policy.h>
#include <spdlog/spdlog.h>

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"
#include "libddb/model/item_codec.h"
#include "libddb/model/item_size.h"
#include "libddb/storage/file_util.h"
#include "libddb/storage/partition_format.h"
#include "libddb/storage/preallocated_log_env.h"
#include "libddb/storage/synced_log_env.h"

namespace ddb::storage {

using namespace internal;  // NOLINT(google-build-using-namespace): this file's own format

void StoreBatch::Put(std::string_view item_key, const Item& item) {
  batch_.Put(ItemKey(item_key), EncodeItem(item));
}

void StoreBatch::PutEncoded(std::string_view item_key, std::string_view encoded_item) {
  batch_.Put(ItemKey(item_key), leveldb::Slice(encoded_item.data(), encoded_item.size()));
}

void StoreBatch::Delete(std::string_view item_key) { batch_.Delete(ItemKey(item_key)); }

void StoreBatch::SetAppliedIndex(uint64_t index) {
  applied_index_ = index;
  batch_.Put(MetaKey(kAppliedIndex), EncodeMeta(index));
}

void StoreBatch::AddStats(int64_t items, int64_t bytes) {
  item_delta_ += items;
  byte_delta_ += bytes;
}

ItemIterator::ItemIterator(std::shared_ptr<leveldb::DB> db, std::string start,
                           std::string end, bool reverse)
    : db_(std::move(db)), start_(std::move(start)), end_(std::move(end)), reverse_(reverse) {
  leveldb::ReadOptions ro;
  ro.fill_cache = true;
  it_.reset(db_->NewIterator(ro));
  if (reverse_) {
    // The last key below the end: seek to the end (or past every item) and step back.
    it_->Seek(end_.empty() ? std::string(1, static_cast<char>(kItemPrefix + 1)) : end_);
    if (it_->Valid()) {
      it_->Prev();
    } else {
      it_->SeekToLast();
    }
  } else {
    it_->Seek(start_);
  }
  Settle();
}

void ItemIterator::Settle() {
  valid_ = false;
  if (!it_->Valid()) return;
  leveldb::Slice k = it_->key();
  std::string_view key(k.data(), k.size());
  if (reverse_) {
    if (key < std::string_view(start_)) return;
  } else {
    const std::string_view upper = end_.empty() ? std::string_view("\x03", 1) : std::string_view(end_);
    if (key >= upper) return;
  }
  if (key.empty() || key[0] != kItemPrefix) return;
  key_ = key.substr(1);
  valid_ = true;
}

Result<Item> ItemIterator::item() const {
  leveldb::Slice v = it_->value();
  return DecodeItem(std::string_view(v.data(), v.size()));
}

size_t ItemIterator::value_size() const { return it_->value().size(); }

void ItemIterator::Next() {
  if (reverse_) {
    it_->Prev();
  } else {
    it_->Next();
  }
  Settle();
}

Status ItemIterator::status() const { return FromLevelDB(it_->status()); }

namespace internal {

std::string GenerationPath(const std::string& dir, uint64_t n) {
  return n == 0 ? dir : dir + "/" + std::string(kGenerationPrefix) + std::to_string(n);
}

static Status FileError(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

Result<uint64_t> ReadDataFile(const std::string& dir) {
  const std::string path = dir + "/" + std::string(kDataFile);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    if (errno == ENOENT) return uint64_t{0};
    return FileError("cannot open", path);
  }
  char buf[64];
  const size_t n = std::fread(buf, 1, sizeof(buf), f);
  std::fclose(f);
  const std::string_view text(buf, n);
  const Status damaged = Status::Corruption("partition store: " + path + " is damaged");
  if (text.size() < kGenerationPrefix.size() + 2 || text.substr(0, kGenerationPrefix.size()) != kGenerationPrefix ||
      text.back() != '\n') {
    return damaged;
  }
  const char* digits = text.data() + kGenerationPrefix.size();
  const char* end = text.data() + text.size() - 1;
  uint64_t generation = 0;
  if (std::from_chars(digits, end, generation).ptr != end || generation == 0) return damaged;
  return generation;
}

Status WriteDataFile(const std::string& dir, uint64_t n, bool sync) {
  const std::string path = dir + "/" + std::string(kDataFile);
  const std::string tmp = path + ".tmp";
  const std::string text = std::string(kGenerationPrefix) + std::to_string(n) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FileError("cannot create", tmp);
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  (!sync || ::fdatasync(fd) == 0);
  ::close(fd);
  if (!ok) return FileError("cannot write", tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return FileError("cannot rename", tmp);
  return sync ? SyncDir(dir) : Status::OK();
}

Status RecordDurable(leveldb::DB* db, const std::string& db_dir, uint64_t index, bool sync) {
  if (sync) DDB_RETURN_IF_ERROR(SyncedLogEnv::Get()->SyncLogs(db_dir));
  leveldb::WriteBatch probe;
  probe.Put(MetaKey(kDurableIndex), EncodeMeta(index));
  leveldb::WriteOptions wo;
  wo.sync = sync;
  DDB_RETURN_IF_ERROR(FromLevelDB(db->Write(wo, &probe)));
  return sync ? SyncDirOnce(db_dir) : Status::OK();
}

}  // namespace internal

namespace {

// Removes generation `n`'s files (for 0, every file in dir but DATA and DATA.tmp, LevelDB's
// files being the only others there; the restored generations are directories).
void RemoveGeneration(const std::string& dir, uint64_t n) {
  std::error_code ec;
  if (n != 0) {
    std::filesystem::remove_all(GenerationPath(dir, n), ec);
  } else {
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_regular_file(ec) && name != kDataFile && name != std::string(kDataFile) + ".tmp") {
        std::filesystem::remove(entry.path(), ec);
      }
    }
  }
  if (ec) spdlog::warn("partition store: cleaning up {}: {}", GenerationPath(dir, n), ec.message());
}

// Removes what a crash left beside generation `current`: the other restored generations (a
// restore that did not finish, or one replaced), a DATA.tmp, and, once a restored generation
// is in use, the files of the store's first LevelDB.
void RemoveOtherGenerations(const std::string& dir, uint64_t current) {
  std::error_code ec;
  std::filesystem::remove(dir + "/" + std::string(kDataFile) + ".tmp", ec);
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory(ec) || name.rfind(kGenerationPrefix, 0) != 0) continue;
    if (name != std::string(kGenerationPrefix) + std::to_string(current)) {
      spdlog::info("partition store: removing {}, left by a restore that did not finish", entry.path().string());
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
  if (current != 0) RemoveGeneration(dir, 0);
}

}  // namespace

PartitionStore::PartitionStore(std::string dir, std::shared_ptr<leveldb::Cache> cache,
                               std::shared_ptr<const leveldb::FilterPolicy> filter,
                               size_t write_buffer_bytes, bool sync)
    : dir_(std::move(dir)), cache_(std::move(cache)), filter_(std::move(filter)), sync_(sync) {
  // Every write reads the item it replaces (conditions, ReturnValues, statistics): a Bloom
  // filter answers "not there" for a new key without reading data blocks.
  options_.filter_policy = filter_.get();
  options_.paranoid_checks = true;
  options_.block_cache = cache_.get();
  options_.write_buffer_size = write_buffer_bytes;
  // Unsynced applies must become durable with one synced write (Sync): LevelDB's logs are
  // synced as it switches away from them.
  if (sync_) options_.env = SyncedLogEnv::Get();
}

Result<PartitionStore::Generation> PartitionStore::OpenGeneration(uint64_t n, bool create_if_missing) {
  const std::string path = GenerationPath(dir_, n);
  std::error_code ec;
  if (n != 0 && !create_if_missing && !std::filesystem::is_directory(path, ec)) {
    // (Not left to LevelDB, which would make the directory before it found nothing there.)
    return Status::Corruption("partition store: " + path + ", named in " + dir_ + "/" +
                              std::string(kDataFile) + ", is missing");
  }
  leveldb::Options o = options_;
  o.create_if_missing = create_if_missing;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(o, path, &raw);
  if (!s.ok()) return FromLevelDB(s).WithContext("opening " + path);
  Generation g;
  g.retired = std::make_shared<std::atomic<bool>>(false);
  g.db = std::shared_ptr<leveldb::DB>(raw, [dir = dir_, n, retired = g.retired, cache = cache_,
                                             filter = filter_](leveldb::DB* db) {
    delete db;  // before the cache and filter policy it uses (captured: they outlive it)
    if (retired->load()) RemoveGeneration(dir, n);
  });
  return g;
}

std::shared_ptr<leveldb::DB> PartitionStore::db() const {
  std::lock_guard<std::mutex> lock(db_mu_);
  return db_;
}

Result<std::unique_ptr<PartitionStore>> PartitionStore::Open(const std::string& dir,
                                                             const StoreOptions& options) {
  if (options.create_if_missing) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);  // LevelDB creates only the last level
    if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  }
  NameLevelDBBackgroundThread();
  std::unique_ptr<PartitionStore> store(new PartitionStore(
      dir, std::shared_ptr<leveldb::Cache>(leveldb::NewLRUCache(options.block_cache_bytes)),
      std::shared_ptr<const leveldb::FilterPolicy>(leveldb::NewBloomFilterPolicy(10)),
      options.write_buffer_bytes, !options.TEST_no_sync));
  DDB_ASSIGN_OR_RETURN(uint64_t generation, ReadDataFile(dir));
  // A restored generation is never created here: DATA naming one that is not there is damage.
  DDB_ASSIGN_OR_RETURN(Generation g,
                       store->OpenGeneration(generation, generation == 0 && options.create_if_missing));
  RemoveOtherGenerations(dir, generation);
  {
    std::lock_guard<std::mutex> lock(store->db_mu_);
    store->db_ = std::move(g.db);
    store->retired_ = std::move(g.retired);
    store->generation_ = generation;
  }
  DDB_RETURN_IF_ERROR(store->LoadMetadata());
  // From now on the statistics on disk are stale until a clean close: remove the marker,
  // durably, before accepting any write. (A store that fails to open saves nothing.)
  leveldb::WriteOptions wo;
  wo.sync = store->sync_;
  DDB_RETURN_IF_ERROR(FromLevelDB(store->db()->Delete(wo, MetaKey(kClean))));
  store->opened_ = true;
  return store;
}

Status PartitionStore::LoadMetadata() {
  auto read = [this](std::string_view name, uint64_t* out) -> Result<bool> {
    std::string value;
    leveldb::Status s = db()->Get(leveldb::ReadOptions(), MetaKey(name), &value);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return FromLevelDB(s);
    DDB_ASSIGN_OR_RETURN(*out, DecodeMeta(name, value));
    return true;
  };
  uint64_t v = 0;
  DDB_ASSIGN_OR_RETURN(bool have_index, read(kAppliedIndex, &v));
  if (have_index) applied_index_ = v;
  uint64_t durable = 0;
  DDB_ASSIGN_OR_RETURN(bool have_durable, read(kDurableIndex, &durable));
  DDB_ASSIGN_OR_RETURN(bool clean, read(kClean, &v));
  if (!clean) {
    // Unsynced applies after the last Sync() may be partly lost (a machine crash drops what
    // the current LevelDB log had not synced): claim only what Sync() made durable. The Raft
    // log still holds every entry after it and applies them again, in order.
    if (have_durable && durable < applied_index_.load()) {
      spdlog::info("partition store: not closed cleanly; applying again from index {} (was at {})",
                   durable, applied_index_.load());
      replay_until_ = applied_index_.load();
      applied_index_ = durable;
    }
  }
  uint64_t count = 0, bytes = 0;
  DDB_ASSIGN_OR_RETURN(bool have_count, read(kItemCount, &count));
  DDB_ASSIGN_OR_RETURN(bool have_bytes, read(kItemBytes, &bytes));
  if (clean && have_count && have_bytes) {
    item_count_ = static_cast<int64_t>(count);
    item_bytes_ = static_cast<int64_t>(bytes);
    return Status::OK();
  }
  return Recount();
}

Status PartitionStore::Recount() {
  int64_t count = 0, bytes = 0;
  std::unique_ptr<ItemIterator> it = NewIterator("", "");
  for (; it->Valid(); it->Next()) {
    DDB_ASSIGN_OR_RETURN(Item item, it->item());  // also proves every item decodes
    ++count;
    bytes += static_cast<int64_t>(ItemSize(item));
  }
  DDB_RETURN_IF_ERROR(it->status());
  item_count_ = count;
  item_bytes_ = bytes;
  if (count > 0) spdlog::info("partition store: recounted {} items, {} bytes", count, bytes);
  return Status::OK();
}

PartitionStore::~PartitionStore() {
  if (!opened_) return;  // never trust statistics a failed open may have left half-loaded
  leveldb::WriteBatch batch;
  batch.Put(MetaKey(kItemCount), EncodeMeta(static_cast<uint64_t>(item_count_.load())));
  batch.Put(MetaKey(kItemBytes), EncodeMeta(static_cast<uint64_t>(item_bytes_.load())));
  batch.Put(MetaKey(kClean), EncodeMeta(1));
  leveldb::WriteOptions wo;
  wo.sync = sync_;
  leveldb::Status s = db()->Write(wo, &batch);
  if (!s.ok()) spdlog::error("partition store: saving statistics failed: {}", s.ToString());
}

Result<std::optional<Item>> PartitionStore::Get(std::string_view item_key) const {
  std::string value;
  leveldb::Status s = db()->Get(leveldb::ReadOptions(), ItemKey(item_key), &value);
  if (s.IsNotFound()) return std::optional<Item>();
  if (!s.ok()) return FromLevelDB(s);
  DDB_ASSIGN_OR_RETURN(Item item, DecodeItem(value));
  return std::optional<Item>(std::move(item));
}

Status PartitionStore::Write(StoreBatch* batch) {
  leveldb::WriteOptions wo;
  wo.sync = sync_;
  DDB_RETURN_IF_ERROR(FromLevelDB(db()->Write(wo, &batch->batch_)));
  if (batch->applied_index_.has_value()) {
    uint64_t current = applied_index_.load();
    while (*batch->applied_index_ > current &&
           !applied_index_.compare_exchange_weak(current, *batch->applied_index_)) {
    }
  }
  item_count_ += batch->item_delta_;
  item_bytes_ += batch->byte_delta_;
  return Status::OK();
}

std::unique_ptr<ItemIterator> PartitionStore::NewIterator(std::string_view start,
                                                          std::string_view end,
                                                          bool reverse) const {
  return std::unique_ptr<ItemIterator>(new ItemIterator(
      db(), ItemKey(start), end.empty() ? std::string() : ItemKey(end), reverse));
}

}  // namespace ddb::storage

namespace ddb::storage {

Status PartitionStore::Apply(const WriteCommand& command, uint64_t index, bool sync) {
  StoreBatch batch;
  for (const WriteCommand::Mutation& m : command.mutations) {
    if (m.item) {
      batch.PutEncoded(m.key, *m.item);
    } else {
      batch.Delete(m.key);
    }
  }
  batch.SetAppliedIndex(index);
  if (index <= replay_until_) {
    // Applied again after an unclean close, and possibly on disk already: count what the
    // mutations replace now (the last mutation of a key in this command wins).
    std::map<std::string_view, std::optional<int64_t>> now;  // key -> its item's size, if any
    int64_t items = 0, bytes = 0;
    for (const WriteCommand::Mutation& m : command.mutations) {
      auto seen = now.find(m.key);
      std::optional<int64_t> before;
      if (seen != now.end()) {
        before = seen->second;
      } else {
        DDB_ASSIGN_OR_RETURN(std::optional<Item> old, Get(m.key));
        if (old) before = static_cast<int64_t>(ItemSize(*old));
      }
      std::optional<int64_t> after;
      if (m.item) {
        DDB_ASSIGN_OR_RETURN(Item item, DecodeItem(*m.item));
        after = static_cast<int64_t>(ItemSize(item));
      }
      items += (after ? 1 : 0) - (before ? 1 : 0);
      bytes += after.value_or(0) - before.value_or(0);
      now[m.key] = after;
    }
    batch.AddStats(items, bytes);
  } else {
    batch.AddStats(command.item_delta, command.byte_delta);
  }
  leveldb::WriteOptions wo;
  wo.sync = sync && sync_;
  DDB_RETURN_IF_ERROR(FromLevelDB(db()->Write(wo, &batch.batch_)));
  applied_index_ = index;
  item_count_ += batch.item_delta_;
  item_bytes_ += batch.byte_delta_;
  return Status::OK();
}

Status PartitionStore::Sync() {
  // Syncing LevelDB's current log file makes every apply before it there durable; applies
  // that went to a log LevelDB has since switched away from (when a memtable filled) were
  // synced at the switch (SyncedLogEnv). No memtable flush: flushing at every Sync made
  // small table files, whose compactions cost more than anything else in the node under a
  // steady write load (docs/benchmarks.md). The log is synced before the synced write, off
  // LevelDB's write queue, so that the loop's applies do not queue behind a long fsync.
  // May run alongside Apply (on another thread): it records only the durable index, never the
  // applied index, which each Apply writes with its data and which this could set back. The
  // index read here is of applies whose writes came before this one.
  std::shared_ptr<leveldb::DB> db;
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(db_mu_);
    db = db_;
    generation = generation_;
  }
  return RecordDurable(db.get(), GenerationPath(dir_, generation), applied_index_.load(), sync_);
}

Status PartitionStore::FlushMemtable() {
  std::shared_ptr<leveldb::DB> current = db();
  // A range below every key: nothing but the memtable is compacted. CompactRange reports no
  // error; a failed flush fails every later write.
  const leveldb::Slice below("\x00", 1);
  current->CompactRange(&below, &below);
  return Status::OK();
}

}  // namespace ddb::storage
