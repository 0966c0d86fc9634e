// PartitionStore's snapshots: the stream a leader sends (SnapshotReader) and the restore a
// replica makes of one (Restore).
//
// Snapshot format S1: "S1" | varint applied index | repeated (length-prefixed item key,
// length-prefixed encoded item) | fixed32le masked CRC-32C of everything before it.
#include <algorithm>
#include <filesystem>

#include <leveldb/write_batch.h>
#include <spdlog/spdlog.h>

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"
#include "libddb/model/item_codec.h"
#include "libddb/model/item_size.h"
#include "libddb/storage/partition_format.h"
#include "libddb/storage/partition_store.h"

namespace ddb::storage {

using namespace internal;  // NOLINT(google-build-using-namespace): this file's own format

namespace {

// A partition's snapshot, produced piece by piece from a LevelDB snapshot: pending_ holds the
// bytes made but not yet read (the header, a run of item records of about kPieceBytes, or
// the trailer).
class SnapshotStream final : public ByteSource {
 public:
  SnapshotStream(std::shared_ptr<leveldb::DB> db, std::shared_ptr<const leveldb::Snapshot> view)
      : db_(std::move(db)), view_(std::move(view)) {
    read_options_.snapshot = view_.get();
    read_options_.fill_cache = false;  // a pass over everything must not evict the hot items
  }

  Result<uint64_t> Size() override {
    DDB_CHECK_MSG(stage_ == Stage::kHeader, "SnapshotStream::Size after reading began");
    DDB_ASSIGN_OR_RETURN(uint64_t index, AppliedIndex());
    uint64_t size = 2 + VarintLength(index) + 4;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read_options_));
    uint64_t items = 0;
    for (it->Seek(std::string(1, kItemPrefix)); it->Valid() && it->key()[0] == kItemPrefix;
         it->Next()) {
      const size_t key = it->key().size() - 1, value = it->value().size();
      size += VarintLength(key) + key + VarintLength(value) + value;
      if (++items % 4096 == 0 && abandoned_ && abandoned_()) {
        return Status(Code::kServiceUnavailable, "the snapshot was abandoned");
      }
    }
    DDB_RETURN_IF_ERROR(FromLevelDB(it->status()));
    return size;
  }

  void SetAbandoned(std::function<bool()> abandoned) override { abandoned_ = std::move(abandoned); }

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

  const std::shared_ptr<leveldb::DB> db_;  // kept open while the reader lives
  const std::shared_ptr<const leveldb::Snapshot> view_;
  leveldb::ReadOptions read_options_;
  Stage stage_ = Stage::kHeader;
  std::unique_ptr<leveldb::Iterator> it_;  // over the items, while stage_ is kItems
  std::string pending_;
  size_t offset_ = 0;  // of pending_'s next byte to read
  uint32_t crc_ = 0;   // of every byte made before the trailer
  std::function<bool()> abandoned_;  // checked while Size() walks the items
};

// Reads an S1 stream of known size front to back, a megabyte at a time, checksumming the
// bytes before the trailer as they arrive. A length that runs past the body is damage, found
// before anything that long is read.
class SnapshotParser {
 public:
  SnapshotParser(ByteSource& source, uint64_t size) : source_(source), body_end_(size - 4) {}

  uint64_t position() const { return buffer_start_ + pos_; }
  uint64_t body_end() const { return body_end_; }
  uint32_t crc() const { return crc_; }

  // The next `n` bytes, valid until the next call.
  Result<std::string_view> Take(uint64_t n, uint64_t limit) {
    if (n > limit - position()) return Corrupt("a record runs past its end");
    DDB_RETURN_IF_ERROR(Need(static_cast<size_t>(n)));
    std::string_view out(buffer_.data() + pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return out;
  }
  Result<uint64_t> Varint(uint64_t limit) {
    // At most 10 bytes, none past `limit`, decoded by the codec every length goes through.
    const size_t window = static_cast<size_t>(std::min<uint64_t>(10, limit - position()));
    DDB_RETURN_IF_ERROR(Need(window));
    Reader r(std::string_view(buffer_.data() + pos_, window));
    uint64_t v = 0;
    if (!r.ReadVarint64(&v)) return Corrupt("a length is malformed");
    pos_ += window - r.remaining();
    return v;
  }
  // OK if the source has nothing after what was taken.
  Status ExpectEnd() {
    std::string extra;
    DDB_ASSIGN_OR_RETURN(size_t n, source_.Read(1, &extra));
    return n == 0 && pos_ == buffer_.size() ? Status::OK() : Corrupt("bytes after its end");
  }

  static Status Corrupt(const std::string& what) {
    return Status::Corruption("partition snapshot: " + what);
  }

 private:
  Status Need(size_t n) {
    if (buffer_.size() - pos_ >= n) return Status::OK();
    buffer_.erase(0, pos_);
    buffer_start_ += pos_;
    pos_ = 0;
    while (buffer_.size() < n) {
      const size_t before = buffer_.size();
      DDB_ASSIGN_OR_RETURN(size_t got, source_.Read(std::max<size_t>(n - before, 1 << 20), &buffer_));
      if (got == 0) return Corrupt("it ends early");
      const uint64_t at = buffer_start_ + before;  // where the new bytes start in the stream
      if (at < body_end_) {
        const size_t body = static_cast<size_t>(std::min<uint64_t>(got, body_end_ - at));
        crc_ = crc32c::Extend(crc_, buffer_.data() + before, body);
      }
    }
    return Status::OK();
  }

  ByteSource& source_;
  const uint64_t body_end_;
  std::string buffer_;
  size_t pos_ = 0;             // in buffer_, of the next byte to take
  uint64_t buffer_start_ = 0;  // where buffer_ starts in the stream
  uint32_t crc_ = 0;           // of the body's bytes read so far
};

}  // namespace

std::unique_ptr<ByteSource> PartitionStore::SnapshotReader() const {
  std::shared_ptr<leveldb::DB> db = this->db();
  std::shared_ptr<const leveldb::Snapshot> view(
      db->GetSnapshot(), [db](const leveldb::Snapshot* s) { db->ReleaseSnapshot(s); });
  return std::make_unique<SnapshotStream>(db, std::move(view));
}

Status PartitionStore::Restore(uint64_t index, ByteSource& snapshot) {
  DDB_ASSIGN_OR_RETURN(uint64_t size, snapshot.Size());
  if (size < 7) return SnapshotParser::Corrupt("bad header");
  uint64_t next = 0;
  {
    std::lock_guard<std::mutex> lock(db_mu_);
    next = generation_ + 1;
  }
  // A fresh LevelDB for the snapshot's items; the current one serves until it is complete.
  // Never one whose directory is there already: DATA may name it (a restore whose last step
  // failed); the next Open removes whichever DATA does not name.
  std::error_code ec;
  while (std::filesystem::exists(GenerationPath(dir_, next), ec)) ++next;
  Result<Generation> opened = OpenGeneration(next, /*create_if_missing=*/true);
  if (!opened.ok()) {
    // (A disk too full for LevelDB's first files, say.) No DATA names it: remove what it made.
    std::filesystem::remove_all(GenerationPath(dir_, next), ec);
    return opened.status();
  }
  Generation fresh = std::move(*opened);
  auto abandon = [&](Status s) {
    fresh.retired->store(true);  // its files go with it
    fresh.db.reset();
    return s;
  };
  SnapshotParser in(snapshot, size);
  Result<std::string_view> magic = in.Take(2, in.body_end());
  if (!magic.ok() || *magic != "S1") return abandon(SnapshotParser::Corrupt("bad header"));
  if (Result<uint64_t> at = in.Varint(in.body_end()); !at.ok()) return abandon(at.status());
  constexpr size_t kBatchBytes = 4 << 20;
  leveldb::WriteBatch batch;
  int64_t count = 0, bytes = 0;
  // No key or item comes near these: a length beyond them is damage, refused before it is
  // read (a damaged length must not have the whole rest of the file read into memory).
  constexpr uint64_t kMaxKeyBytes = 64 << 10, kMaxValueBytes = 4 << 20;
  while (in.position() < in.body_end()) {
    Result<uint64_t> key_size = in.Varint(in.body_end());
    if (!key_size.ok()) return abandon(key_size.status());
    if (*key_size > kMaxKeyBytes) return abandon(SnapshotParser::Corrupt("a key's length is implausible"));
    Result<std::string_view> key = in.Take(*key_size, in.body_end());
    if (!key.ok()) return abandon(key.status());
    std::string item_key = ItemKey(*key);  // the view goes with the next Take
    Result<uint64_t> value_size = in.Varint(in.body_end());
    if (!value_size.ok()) return abandon(value_size.status());
    if (*value_size > kMaxValueBytes) return abandon(SnapshotParser::Corrupt("an item's length is implausible"));
    Result<std::string_view> value = in.Take(*value_size, in.body_end());
    if (!value.ok()) return abandon(value.status());
    Result<Item> item = DecodeItem(*value);
    if (!item.ok()) return abandon(SnapshotParser::Corrupt("bad item record: " + item.status().message()));
    ++count;
    bytes += static_cast<int64_t>(ItemSize(*item));
    batch.Put(item_key, leveldb::Slice(value->data(), value->size()));
    if (batch.ApproximateSize() >= kBatchBytes) {
      if (Status s = FromLevelDB(fresh.db->Write(leveldb::WriteOptions(), &batch)); !s.ok()) return abandon(s);
      batch.Clear();
    }
  }
  const uint32_t crc = in.crc();
  Result<std::string_view> trailer = in.Take(4, in.body_end() + 4);
  if (!trailer.ok()) return abandon(trailer.status());
  if (crc32c::Unmask(DecodeFixed32LE(trailer->data())) != crc) {
    return abandon(SnapshotParser::Corrupt("checksum mismatch"));
  }
  if (Status s = in.ExpectEnd(); !s.ok()) return abandon(s);
  batch.Put(MetaKey(kAppliedIndex), EncodeMeta(index));
  if (Status s = FromLevelDB(fresh.db->Write(leveldb::WriteOptions(), &batch)); !s.ok()) return abandon(s);
  // Durable before it is named: the durable index written synced, as in Sync() (the earlier
  // batches' LevelDB logs were synced as LevelDB switched away from them).
  if (Status s = RecordDurable(fresh.db.get(), GenerationPath(dir_, next), index, sync_); !s.ok()) {
    return abandon(s);
  }
  // The commit point: DATA names the new generation. A crash before it leaves the old one
  // (and Open removes the new); after it, the new one (and Open removes the old).
  if (Status s = WriteDataFile(dir_, next, sync_); !s.ok()) {
    // Failed before the rename, DATA still names the old generation and nothing changed.
    // After it, DATA names the new one in memory but perhaps not on disk, so neither store
    // can be trusted to be the one a restart opens: stop, and let Open keep whichever DATA
    // names then (the caller's log does not record the snapshot until this returns OK).
    Result<uint64_t> named = ReadDataFile(dir_);
    DDB_CHECK_MSG(named.ok() && *named != next,
                  "partition store %s: DATA may name the restored generation %llu, not surely on disk: %s",
                  dir_.c_str(), static_cast<unsigned long long>(next), s.ToString().c_str());
    return abandon(s);
  }
  std::shared_ptr<leveldb::DB> old;  // closed (and its files removed) after the lock, here
  {                                  // or by its last reader
    std::lock_guard<std::mutex> lock(db_mu_);
    retired_->store(true);
    old = std::move(db_);
    db_ = std::move(fresh.db);
    retired_ = std::move(fresh.retired);
    generation_ = next;
  }
  old.reset();
  applied_index_ = index;
  item_count_ = count;
  item_bytes_ = bytes;
  replay_until_ = 0;
  spdlog::info("partition store {}: restored {} items ({} bytes) at index {}", dir_, count, bytes, index);
  return Status::OK();
}

}  // namespace ddb::storage
