#include "libddb/storage/partition_store.h"

#include <filesystem>
#include <map>

#include <leveldb/cache.h>
#include <leveldb/filter_policy.h>
#include <spdlog/spdlog.h>

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"
#include "libddb/model/item_codec.h"
#include "libddb/model/item_size.h"
#include "libddb/storage/preallocated_log_env.h"

namespace ddb::storage {

namespace {

constexpr char kMetaPrefix = '\x01';
constexpr char kItemPrefix = '\x02';
constexpr std::string_view kAppliedIndex = "applied_index";
constexpr std::string_view kDurableIndex = "durable_index";
constexpr std::string_view kItemCount = "item_count";
constexpr std::string_view kItemBytes = "item_bytes";
constexpr std::string_view kClean = "clean";

std::string MetaKey(std::string_view name) {
  std::string k(1, kMetaPrefix);
  k += name;
  return k;
}

std::string ItemKey(std::string_view key) {
  std::string k(1, kItemPrefix);
  k += key;
  return k;
}

std::string EncodeMeta(uint64_t v) {
  std::string out;
  PutFixed64BE(&out, v);
  PutFixed32LE(&out, crc32c::Mask(crc32c::Value(out)));
  return out;
}

Result<uint64_t> DecodeMeta(std::string_view name, std::string_view value) {
  if (value.size() != 12 ||
      crc32c::Unmask(DecodeFixed32LE(value.data() + 8)) != crc32c::Value(value.data(), 8)) {
    return Status::Corruption("partition store: metadata '" + std::string(name) + "' is damaged");
  }
  return DecodeFixed64BE(value.data());
}

Status FromLevelDB(const leveldb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsCorruption()) return Status::Corruption("leveldb: " + s.ToString());
  return Status::IOError("leveldb: " + s.ToString());
}

}  // namespace

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

ItemIterator::ItemIterator(std::unique_ptr<leveldb::Iterator> it, std::string start,
                           std::string end, bool reverse)
    : it_(std::move(it)), start_(std::move(start)), end_(std::move(end)), reverse_(reverse) {
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

PartitionStore::PartitionStore(std::unique_ptr<leveldb::DB> db,
                               std::unique_ptr<leveldb::Cache> cache,
                               std::unique_ptr<const leveldb::FilterPolicy> filter, bool sync)
    : cache_(std::move(cache)), filter_(std::move(filter)), db_(std::move(db)), sync_(sync) {}

Result<std::unique_ptr<PartitionStore>> PartitionStore::Open(const std::string& dir,
                                                             const StoreOptions& options) {
  if (options.create_if_missing) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);  // LevelDB creates only the last level
    if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  }
  NameLevelDBBackgroundThread();
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(options.block_cache_bytes));
  std::unique_ptr<const leveldb::FilterPolicy> filter(leveldb::NewBloomFilterPolicy(10));
  leveldb::Options lo;
  // Every write reads the item it replaces (conditions, ReturnValues, statistics): a Bloom
  // filter answers "not there" for a new key without reading data blocks.
  lo.filter_policy = filter.get();
  lo.create_if_missing = options.create_if_missing;
  lo.paranoid_checks = true;
  lo.block_cache = cache.get();
  lo.write_buffer_size = options.write_buffer_bytes;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(lo, dir, &raw);
  if (!s.ok()) return FromLevelDB(s).WithContext("opening " + dir);
  std::unique_ptr<PartitionStore> store(new PartitionStore(
      std::unique_ptr<leveldb::DB>(raw), std::move(cache), std::move(filter), !options.TEST_no_sync));
  DDB_RETURN_IF_ERROR(store->LoadMetadata());
  // From now on the statistics on disk are stale until a clean close: remove the marker,
  // durably, before accepting any write. (A store that fails to open saves nothing.)
  leveldb::WriteOptions wo;
  wo.sync = store->sync_;
  DDB_RETURN_IF_ERROR(FromLevelDB(store->db_->Delete(wo, MetaKey(kClean))));
  store->opened_ = true;
  return store;
}

Status PartitionStore::LoadMetadata() {
  auto read = [this](std::string_view name, uint64_t* out) -> Result<bool> {
    std::string value;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), MetaKey(name), &value);
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
    // Unsynced applies after the last Sync() may be partly lost (a machine crash can drop a
    // LevelDB log LevelDB had switched away from): claim only what Sync() made durable. The
    // Raft log still holds every entry after it and applies them again, in order.
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
  leveldb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) spdlog::error("partition store: saving statistics failed: {}", s.ToString());
}

Result<std::optional<Item>> PartitionStore::Get(std::string_view item_key) const {
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), ItemKey(item_key), &value);
  if (s.IsNotFound()) return std::optional<Item>();
  if (!s.ok()) return FromLevelDB(s);
  DDB_ASSIGN_OR_RETURN(Item item, DecodeItem(value));
  return std::optional<Item>(std::move(item));
}

Status PartitionStore::Write(StoreBatch* batch) {
  leveldb::WriteOptions wo;
  wo.sync = sync_;
  DDB_RETURN_IF_ERROR(FromLevelDB(db_->Write(wo, &batch->batch_)));
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
  leveldb::ReadOptions ro;
  ro.fill_cache = true;
  return std::unique_ptr<ItemIterator>(new ItemIterator(
      std::unique_ptr<leveldb::Iterator>(db_->NewIterator(ro)), ItemKey(start),
      end.empty() ? std::string() : ItemKey(end), reverse));
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
  DDB_RETURN_IF_ERROR(FromLevelDB(db_->Write(wo, &batch.batch_)));
  applied_index_ = index;
  item_count_ += batch.item_delta_;
  item_bytes_ += batch.byte_delta_;
  return Status::OK();
}

Status PartitionStore::Sync() {
  // A synced LevelDB write makes only LevelDB's current log file durable; applies that went
  // to a log it has since switched away from (when a memtable filled) were never fsynced.
  // Flushing the memtable puts everything in synced table files under a synced manifest.
  // May run alongside Apply (on another thread): it records only the durable index, never the
  // applied index, which each Apply writes with its data and which this could set back.
  // The durable index is written only after the flush: written before it (unsynced) it could
  // survive a machine crash that lost applies in an older, never-synced LevelDB log, and the
  // store would then claim entries it no longer holds.
  const uint64_t index = applied_index_.load();
  // A range below every key: nothing but the memtable is compacted.
  const leveldb::Slice below("\x00", 1);
  db_->CompactRange(&below, &below);
  // CompactRange reports no error; a failed flush fails every later write, this one included.
  leveldb::WriteBatch probe;
  probe.Put(MetaKey(kDurableIndex), EncodeMeta(index));
  leveldb::WriteOptions wo;
  wo.sync = sync_;
  return FromLevelDB(db_->Write(wo, &probe));
}

// Snapshot format: "S1" | varint applied index | repeated (length-prefixed item key,
// length-prefixed encoded item) | fixed32le masked CRC-32C of everything before it.
namespace {

size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// A partition's snapshot (format S1, see PartitionStore::Snapshot), produced piece by piece
// from a LevelDB snapshot: pending_ holds the bytes made but not yet read (the header, a run
// of item records of about kPieceBytes, or the trailer).
class SnapshotStream final : public ByteSource {
 public:
  SnapshotStream(leveldb::DB* db, std::shared_ptr<const leveldb::Snapshot> view)
      : db_(db), view_(std::move(view)) {
    read_options_.snapshot = view_.get();
    read_options_.fill_cache = false;  // a pass over everything must not evict the hot items
  }

  Result<uint64_t> Size() override {
    DDB_CHECK_MSG(stage_ == Stage::kHeader, "SnapshotStream::Size after reading began");
    DDB_ASSIGN_OR_RETURN(uint64_t index, AppliedIndex());
    uint64_t size = 2 + VarintLength(index) + 4;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read_options_));
    for (it->Seek(std::string(1, kItemPrefix)); it->Valid() && it->key()[0] == kItemPrefix;
         it->Next()) {
      const size_t key = it->key().size() - 1, value = it->value().size();
      size += VarintLength(key) + key + VarintLength(value) + value;
    }
    DDB_RETURN_IF_ERROR(FromLevelDB(it->status()));
    return size;
  }

  Result<size_t> Read(size_t max_bytes, std::string* out) override {
    DDB_CHECK_MSG(max_bytes > 0, "SnapshotStream::Read of 0 bytes");
    size_t appended = 0;
    while (appended < max_bytes) {
      if (offset_ == pending_.size()) {
        pending_.clear();
        offset_ = 0;
        DDB_RETURN_IF_ERROR(Refill());
        if (pending_.empty()) break;  // the end
      }
      const size_t n = std::min(max_bytes - appended, pending_.size() - offset_);
      out->append(pending_, offset_, n);
      offset_ += n;
      appended += n;
    }
    return appended;
  }

 private:
  enum class Stage { kHeader, kItems, kDone };
  static constexpr size_t kPieceBytes = 64 << 10;

  Result<uint64_t> AppliedIndex() {
    std::string applied;
    leveldb::Status s = db_->Get(read_options_, MetaKey(kAppliedIndex), &applied);
    if (s.IsNotFound()) return uint64_t{0};
    DDB_RETURN_IF_ERROR(FromLevelDB(s));
    return DecodeMeta(kAppliedIndex, applied);
  }

  // Makes the next piece of the stream into pending_ (left empty at the end).
  Status Refill() {
    switch (stage_) {
      case Stage::kHeader: {
        DDB_ASSIGN_OR_RETURN(uint64_t index, AppliedIndex());
        pending_ = "S1";
        PutVarint64(&pending_, index);
        it_.reset(db_->NewIterator(read_options_));
        it_->Seek(std::string(1, kItemPrefix));
        stage_ = Stage::kItems;
        break;
      }
      case Stage::kItems:
        for (; it_->Valid() && it_->key()[0] == kItemPrefix && pending_.size() < kPieceBytes;
             it_->Next()) {
          PutLengthPrefixed(&pending_, std::string_view(it_->key().data() + 1, it_->key().size() - 1));
          PutLengthPrefixed(&pending_, std::string_view(it_->value().data(), it_->value().size()));
        }
        if (pending_.empty()) {  // every item is out: the checksum closes the stream
          DDB_RETURN_IF_ERROR(FromLevelDB(it_->status()));
          it_.reset();
          PutFixed32LE(&pending_, crc32c::Mask(crc_));
          stage_ = Stage::kDone;
          return Status::OK();
        }
        break;
      case Stage::kDone:
        return Status::OK();
    }
    crc_ = crc32c::Extend(crc_, pending_.data(), pending_.size());
    return Status::OK();
  }

  leveldb::DB* const db_;
  const std::shared_ptr<const leveldb::Snapshot> view_;
  leveldb::ReadOptions read_options_;
  Stage stage_ = Stage::kHeader;
  std::unique_ptr<leveldb::Iterator> it_;  // over the items, while stage_ is kItems
  std::string pending_;
  size_t offset_ = 0;  // of pending_'s next byte to read
  uint32_t crc_ = 0;   // of every byte made before the trailer
};

}  // namespace

std::unique_ptr<ByteSource> PartitionStore::SnapshotReader() const {
  leveldb::DB* db = db_.get();
  std::shared_ptr<const leveldb::Snapshot> view(
      db->GetSnapshot(), [db](const leveldb::Snapshot* s) { db->ReleaseSnapshot(s); });
  return std::make_unique<SnapshotStream>(db, std::move(view));
}

Status PartitionStore::Restore(uint64_t index, std::string_view snapshot) {
  if (snapshot.size() < 6 || snapshot.substr(0, 2) != "S1") {
    return Status::Corruption("partition snapshot: bad header");
  }
  std::string_view body = snapshot.substr(0, snapshot.size() - 4);
  if (crc32c::Unmask(DecodeFixed32LE(snapshot.data() + body.size())) != crc32c::Value(body)) {
    return Status::Corruption("partition snapshot: checksum mismatch");
  }
  Reader r(body.substr(2));
  uint64_t snapshot_index = 0;
  if (!r.ReadVarint64(&snapshot_index)) return Status::Corruption("partition snapshot: bad index");
  leveldb::WriteBatch batch;
  // Everything there now goes, then everything in the snapshot comes.
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(std::string(1, kItemPrefix)); it->Valid() && it->key()[0] == kItemPrefix;
       it->Next()) {
    batch.Delete(it->key());
  }
  DDB_RETURN_IF_ERROR(FromLevelDB(it->status()));
  int64_t count = 0, bytes = 0;
  std::string_view key, value;
  while (!r.empty()) {
    if (!r.ReadLengthPrefixed(&key) || !r.ReadLengthPrefixed(&value)) {
      return Status::Corruption("partition snapshot: bad item record");
    }
    DDB_ASSIGN_OR_RETURN(Item item, DecodeItem(value));
    ++count;
    bytes += static_cast<int64_t>(ItemSize(item));
    batch.Put(ItemKey(key), leveldb::Slice(value.data(), value.size()));
  }
  batch.Put(MetaKey(kAppliedIndex), EncodeMeta(index));
  DDB_RETURN_IF_ERROR(FromLevelDB(db_->Write(leveldb::WriteOptions(), &batch)));
  applied_index_ = index;
  item_count_ = count;
  item_bytes_ = bytes;
  return Sync();
}

}  // namespace ddb::storage
