// The replica side of PartitionStore: replicated write commands, and snapshots that move a
// partition's whole state to another replica.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "libddb/model/key_codec.h"
#include "libddb/model/item_size.h"
#include "libddb/storage/partition_store.h"
#include "libddb/storage/write_command.h"
#include "tests/test_util.h"

namespace ddb::storage {
namespace {

Item MakeItem(const std::string& pk, const std::string& payload) {
  Item item;
  item["pk"] = AttributeValue::S(pk);
  item["payload"] = AttributeValue::S(payload);
  return item;
}

std::string Key(const std::string& pk) { return EncodeItemKey(AttributeValue::S(pk), nullptr); }

class ReplicatedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = ::ddb::testing::FreshTestDir("ddb_replicated_store_test");
  }
  void TearDown() override { std::filesystem::remove_all(base_); }
  std::unique_ptr<PartitionStore> Open(const std::string& name) {
    StoreOptions o;
    o.TEST_no_sync = true;
    auto s = PartitionStore::Open((base_ / name).string(), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }
  // A store named `name` holding `key` = `value` (item key and value) at applied index `index`.
  std::unique_ptr<PartitionStore> OpenWith(const std::string& name, const std::string& key, const std::string& value,
                                           uint64_t index) {
    auto store = Open(name);
    WriteCommand c;
    c.Put(Key(key), MakeItem(key, value));
    EXPECT_TRUE(store->Apply(c, index, false).ok());
    return store;
  }
  std::filesystem::path base_;
};

TEST(WriteCommandTest, RoundTrip) {
  WriteCommand c;
  c.Put(Key("a"), MakeItem("a", "x"));
  c.Delete(Key("b"));
  c.AddStats(1, -42);
  auto d = WriteCommand::Decode(c.Encode());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->mutations.size(), 2u);
  EXPECT_EQ(d->mutations[0].key, Key("a"));
  EXPECT_EQ(d->mutations[0].item, c.mutations[0].item);
  EXPECT_FALSE(d->mutations[1].item.has_value());
  EXPECT_EQ(d->item_delta, 1);
  EXPECT_EQ(d->byte_delta, -42);
}

// A command travels through logs and networks: every single-bit flip must be caught.
TEST(WriteCommandTest, DamageIsDetected) {
  WriteCommand c;
  c.Put(Key("a"), MakeItem("a", "x"));
  std::string enc = c.Encode();
  for (size_t i = 0; i < enc.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = enc;
      bad[i] ^= static_cast<char>(1 << bit);
      ASSERT_FALSE(WriteCommand::Decode(bad).ok()) << "flip at " << i << "." << bit;
    }
  }
}

// Applying records the applied index with the data and keeps the statistics.
TEST_F(ReplicatedStoreTest, ApplyCarriesTheIndex) {
  auto store = Open("a");
  Item item = MakeItem("k", "v");
  WriteCommand c;
  c.Put(Key("k"), item);
  c.AddStats(1, static_cast<int64_t>(ItemSize(item)));
  ASSERT_TRUE(store->Apply(c, 7, false).ok());
  EXPECT_EQ(store->applied_index(), 7u);
  EXPECT_EQ(store->item_count(), 1);
  ASSERT_TRUE(store->Sync().ok());
  store.reset();
  store = Open("a");
  EXPECT_EQ(store->applied_index(), 7u);
  EXPECT_EQ(**store->Get(Key("k")), item);
}

size_t TableFiles(const std::filesystem::path& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    n += e.path().extension() == ".ldb" ? 1 : 0;
  }
  return n;
}

WriteCommand PutCommand(const std::string& pk, const std::string& payload, bool insert) {
  Item item = MakeItem(pk, payload);
  WriteCommand c;
  c.Put(Key(pk), item);
  c.AddStats(insert ? 1 : 0, static_cast<int64_t>(ItemSize(item)));
  return c;
}

// Sync() is one synced write that records the applied index as durable, not a memtable flush
// (the logs LevelDB switched away from were synced as it did: SyncedLogEnv).
TEST_F(ReplicatedStoreTest, SyncRecordsTheDurableIndexWithoutAFlush) {
  {
    auto store = Open("a");
    ASSERT_TRUE(store->Apply(PutCommand("k", "v", true), 2, false).ok());
    ASSERT_TRUE(store->Sync().ok());
    EXPECT_EQ(TableFiles(base_ / "a"), 0u);
    ASSERT_TRUE(store->Apply(PutCommand("l", "v", true), 3, false).ok());
    store->TEST_CloseUncleanly();
  }
  auto store = Open("a");
  EXPECT_EQ(store->applied_index(), 2u);
  EXPECT_EQ(**store->Get(Key("k")), MakeItem("k", "v"));
}

// The same with fsyncs (the store's logs found and synced where LevelDB writes them), in the
// first LevelDB and in one a snapshot made, the store named with a trailing slash.
TEST_F(ReplicatedStoreTest, SyncedSyncFindsTheLogsOfEveryGeneration) {
  StoreOptions o;
  auto opened = PartitionStore::Open((base_ / "synced").string() + "/", o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<PartitionStore> store = std::move(*opened);
  ASSERT_TRUE(store->Apply(PutCommand("k", "v", true), 2, false).ok());
  Status s = store->Sync();
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto other = OpenWith("other", "r", "w", 9);
  Result<std::string> snapshot = other->Snapshot();
  ASSERT_TRUE(snapshot.ok());
  s = store->Restore(9, *snapshot);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(store->Apply(PutCommand("l", "v", true), 10, false).ok());
  s = store->Sync();
  ASSERT_TRUE(s.ok()) << s.ToString();
  store->TEST_CloseUncleanly();
  store.reset();
  opened = PartitionStore::Open((base_ / "synced").string(), o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->applied_index(), 10u);
  EXPECT_EQ(**(*opened)->Get(Key("r")), MakeItem("r", "w"));
}

// An idle partition gives back its memtable: a table file holds what it held.
TEST_F(ReplicatedStoreTest, FlushMemtableWritesATableFile) {
  auto store = Open("a");
  ASSERT_TRUE(store->Apply(PutCommand("k", "v", true), 2, false).ok());
  EXPECT_EQ(TableFiles(base_ / "a"), 0u);
  ASSERT_TRUE(store->FlushMemtable().ok());
  EXPECT_EQ(TableFiles(base_ / "a"), 1u);
  EXPECT_EQ(**store->Get(Key("k")), MakeItem("k", "v"));
}

// A store that was not closed cleanly claims only the index Sync() made durable; applying the
// later entries again ends in the same items and the same statistics (an entry applied again
// counts what it replaces, not the leader's deltas), whether it reached the disk or not.
TEST_F(ReplicatedStoreTest, UncleanReopenAppliesAgainFromTheDurableIndex) {
  {
    auto store = Open("a");
    ASSERT_TRUE(store->Apply(PutCommand("a", "1", true), 2, false).ok());
    ASSERT_TRUE(store->Apply(PutCommand("b", "1", true), 3, false).ok());
    ASSERT_TRUE(store->Sync().ok());
    ASSERT_TRUE(store->Apply(PutCommand("c", "1", true), 4, false).ok());
    ASSERT_TRUE(store->Apply(PutCommand("d", "1", true), 5, false).ok());
    store->TEST_CloseUncleanly();  // as if the process died (its writes survive it)
  }
  auto store = Open("a");
  EXPECT_EQ(store->applied_index(), 3u);
  EXPECT_EQ(store->item_count(), 4);  // the process died, the machine did not: all are there
  const int64_t bytes = store->item_bytes();
  ASSERT_TRUE(store->Apply(PutCommand("c", "1", true), 4, false).ok());
  ASSERT_TRUE(store->Apply(PutCommand("d", "1", true), 5, false).ok());
  EXPECT_EQ(store->applied_index(), 5u);
  EXPECT_EQ(store->item_count(), 4);
  EXPECT_EQ(store->item_bytes(), bytes);
  EXPECT_EQ(**store->Get(Key("d")), MakeItem("d", "1"));
  // Past the index found on disk, entries are new: the leader's deltas count.
  ASSERT_TRUE(store->Apply(PutCommand("e", "1", true), 6, false).ok());
  EXPECT_EQ(store->item_count(), 5);
  // A clean close and reopen keeps the index and the statistics.
  store.reset();
  store = Open("a");
  EXPECT_EQ(store->applied_index(), 6u);
  EXPECT_EQ(store->item_count(), 5);
}

// A snapshot moves every item and the index; restoring replaces what the target had.
TEST_F(ReplicatedStoreTest, SnapshotRestoresAnotherReplica) {
  auto source = Open("source");
  WriteCommand c;
  for (int i = 0; i < 50; ++i) {
    Item item = MakeItem("k" + std::to_string(i), std::string(i, 'x'));
    c.Put(Key("k" + std::to_string(i)), item);
    c.AddStats(1, static_cast<int64_t>(ItemSize(item)));
  }
  ASSERT_TRUE(source->Apply(c, 12, false).ok());
  auto snap = source->Snapshot();
  ASSERT_TRUE(snap.ok());

  auto target = Open("target");
  WriteCommand stale;
  stale.Put(Key("gone"), MakeItem("gone", "old"));
  ASSERT_TRUE(target->Apply(stale, 3, false).ok());
  ASSERT_TRUE(target->Restore(12, *snap).ok());
  EXPECT_EQ(target->applied_index(), 12u);
  EXPECT_EQ(target->item_count(), 50);
  EXPECT_EQ(target->item_bytes(), source->item_bytes());
  EXPECT_FALSE(target->Get(Key("gone"))->has_value());
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(**target->Get(Key("k" + std::to_string(i))), **source->Get(Key("k" + std::to_string(i))));
  }
}

// The snapshot reader streams: read in pieces of any size, it gives exactly the bytes of the
// whole snapshot (as many as Size() said, never more per read than asked), from the moment
// it was made, and what it gives restores another replica.
TEST_F(ReplicatedStoreTest, SnapshotReaderStreamsInPieces) {
  auto source = Open("source");
  WriteCommand c;
  for (int i = 0; i < 300; ++i) {  // several of the reader's 64 KB pieces
    Item item = MakeItem("k" + std::to_string(i), std::string(1000 + i, 'a' + i % 26));
    c.Put(Key("k" + std::to_string(i)), item);
    c.AddStats(1, static_cast<int64_t>(ItemSize(item)));
  }
  ASSERT_TRUE(source->Apply(c, 40, false).ok());
  std::unique_ptr<ByteSource> reader = source->SnapshotReader();
  std::unique_ptr<ByteSource> sizer = source->SnapshotReader();
  // Written after the readers were made: neither sees it.
  WriteCommand later;
  later.Put(Key("late"), MakeItem("late", "x"));
  later.Delete(Key("k7"));
  ASSERT_TRUE(source->Apply(later, 41, false).ok());

  Result<uint64_t> size = sizer->Size();
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_GT(*size, 300u * 1000u);
  std::string streamed;
  const size_t asks[] = {1, 7, 4096, 65536, 100000, 3};
  for (int i = 0;; ++i) {
    const size_t ask = asks[i % 6];
    Result<size_t> n = reader->Read(ask, &streamed);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    ASSERT_LE(*n, ask);
    if (*n < ask) break;  // the end
  }
  EXPECT_EQ(streamed.size(), *size);
  Result<size_t> after = reader->Read(10, &streamed);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, 0u);
  // Read whole, it is the same bytes (and Size() is the size of what a fresh reader gives).
  Result<std::string> whole = ReadAll(*sizer);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, streamed);

  auto target = Open("target");
  ASSERT_TRUE(target->Restore(40, streamed).ok());
  EXPECT_EQ(target->item_count(), 300);
  EXPECT_TRUE(target->Get(Key("k7"))->has_value());
  EXPECT_FALSE(target->Get(Key("late"))->has_value());
  EXPECT_EQ(**target->Get(Key("k299")), MakeItem("k299", std::string(1299, 'a' + 299 % 26)));
}

// Walking a big partition for Size() stops once the reader is abandoned (the sender's Cancel,
// from the Raft loop, must not wait out a pass over gigabytes).
TEST_F(ReplicatedStoreTest, SizingASnapshotStopsWhenAbandoned) {
  auto source = Open("source");
  WriteCommand c;
  for (int i = 0; i < 10000; ++i) c.Put(Key("k" + std::to_string(i)), MakeItem("k" + std::to_string(i), "x"));
  ASSERT_TRUE(source->Apply(c, 3, false).ok());
  std::unique_ptr<ByteSource> reader = source->SnapshotReader();
  int asked = 0;
  reader->SetAbandoned([&] { return ++asked >= 2; });
  Result<uint64_t> size = reader->Size();
  EXPECT_FALSE(size.ok());
  EXPECT_EQ(asked, 2);  // every 4096 items: stopped at the second look, well before the end
  std::unique_ptr<ByteSource> whole = source->SnapshotReader();
  whole->SetAbandoned([] { return false; });
  EXPECT_TRUE(whole->Size().ok());
}

// A damaged snapshot changes nothing.
TEST_F(ReplicatedStoreTest, DamagedSnapshotIsRefused) {
  auto source = OpenWith("source", "a", "1", 5);
  std::string snap = *source->Snapshot();
  snap[snap.size() / 2] ^= 0x08;
  auto target = OpenWith("target", "keep", "me", 2);
  Status s = target->Restore(5, snap);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(target->applied_index(), 2u);
  EXPECT_TRUE(target->Get(Key("keep"))->has_value());
  // Nor is anything of the attempt left on disk; and cut short, or with bytes after its end,
  // it is refused the same way.
  EXPECT_FALSE(std::filesystem::exists(base_ / "target" / "restored-1"));
  std::string good = *source->Snapshot();
  EXPECT_TRUE(target->Restore(5, good.substr(0, good.size() - 1)).IsCorruption());
  EXPECT_TRUE(target->Restore(5, good + "x").IsCorruption());
  EXPECT_TRUE(target->Get(Key("keep"))->has_value());
  EXPECT_FALSE(std::filesystem::exists(base_ / "target" / "restored-1"));
}

// A snapshot whose reading fails part way (its file on a failing disk, say) is an IOError:
// nothing changed and nothing of the attempt is left, as for a damaged one.
TEST_F(ReplicatedStoreTest, ASnapshotThatCannotBeReadChangesNothing) {
  class FailingSource : public ByteSource {
   public:
    explicit FailingSource(std::string data) : data_(std::move(data)) {}
    Result<uint64_t> Size() override { return data_.size(); }
    Result<size_t> Read(size_t max_bytes, std::string* out) override {
      if (pos_ >= data_.size() / 2) return Status::IOError("read error (a test's)");
      const size_t n = std::min(max_bytes, data_.size() / 2 - pos_);
      out->append(data_, pos_, n);
      pos_ += n;
      return n;
    }

   private:
    std::string data_;
    size_t pos_ = 0;
  };
  auto source = Open("source");
  WriteCommand c;
  for (int i = 0; i < 2000; ++i) c.Put(Key("k" + std::to_string(i)), MakeItem("k" + std::to_string(i), std::string(500, 'v')));
  ASSERT_TRUE(source->Apply(c, 5, false).ok());
  auto target = OpenWith("target", "keep", "me", 2);
  FailingSource failing(*source->Snapshot());
  Status s = target->Restore(5, failing);
  EXPECT_EQ(s.code(), Code::kIOError) << s.ToString();
  EXPECT_EQ(target->applied_index(), 2u);
  EXPECT_TRUE(target->Get(Key("keep"))->has_value());
  EXPECT_FALSE(target->Get(Key("k1"))->has_value());
  EXPECT_FALSE(std::filesystem::exists(base_ / "target" / "restored-1"));
  // And the next attempt, with the whole snapshot, installs it.
  ASSERT_TRUE(target->Restore(5, *source->Snapshot()).ok());
  EXPECT_TRUE(target->Get(Key("k1"))->has_value());
  EXPECT_FALSE(target->Get(Key("keep"))->has_value());
}

// A restore whose fresh LevelDB cannot even be opened removes what the attempt left at its
// path, so that the next attempt can use it. (Here the path is a dangling symbolic link,
// which LevelDB cannot open a database under and the store's existence check does not see.)
TEST_F(ReplicatedStoreTest, ARestoreThatCannotOpenItsStoreLeavesNothing) {
  auto source = OpenWith("source", "a", "1", 5);
  auto target = OpenWith("target", "keep", "me", 2);
  const std::filesystem::path fresh = base_ / "target" / "restored-1";
  std::filesystem::create_symlink(base_ / "no-such-dir" / "x", fresh);
  Status s = target->Restore(5, *source->Snapshot());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(target->applied_index(), 2u);
  EXPECT_TRUE(target->Get(Key("keep"))->has_value());
  EXPECT_FALSE(std::filesystem::is_symlink(fresh)) << "the failed attempt's path is still there";
  ASSERT_TRUE(target->Restore(5, *source->Snapshot()).ok());
  EXPECT_TRUE(target->Get(Key("a"))->has_value());
  EXPECT_FALSE(target->Get(Key("keep"))->has_value());
}

std::vector<std::string> Names(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A restore builds a fresh LevelDB (restored-<n>/), named in DATA once it is complete and
// synced; the store it replaces is removed, and a reopened store reads the restored one.
// Bigger than one of Restore's write batches, streamed from another store's reader.
TEST_F(ReplicatedStoreTest, RestoreSwapsInAFreshStore) {
  auto source = Open("source");
  WriteCommand c;
  for (int i = 0; i < 4000; ++i) {  // ~6 MB: more than one 4 MB batch
    Item item = MakeItem("k" + std::to_string(i), std::string(1500, 'a' + i % 26));
    c.Put(Key("k" + std::to_string(i)), item);
    c.AddStats(1, static_cast<int64_t>(ItemSize(item)));
  }
  ASSERT_TRUE(source->Apply(c, 9, false).ok());
  {
    auto target = Open("target");
    WriteCommand stale;
    stale.Put(Key("gone"), MakeItem("gone", "old"));
    ASSERT_TRUE(target->Apply(stale, 3, false).ok());
    std::unique_ptr<ByteSource> reader = source->SnapshotReader();
    ASSERT_TRUE(target->Restore(9, *reader).ok());
    EXPECT_EQ(target->item_count(), 4000);
    EXPECT_EQ(target->item_bytes(), source->item_bytes());
    EXPECT_EQ(Names(base_ / "target"), (std::vector<std::string>{"DATA", "restored-1"}));
    // Restored again: the next generation replaces this one.
    std::unique_ptr<ByteSource> again = source->SnapshotReader();
    ASSERT_TRUE(target->Restore(9, *again).ok());
    EXPECT_EQ(Names(base_ / "target"), (std::vector<std::string>{"DATA", "restored-2"}));
  }
  auto reopened = Open("target");
  EXPECT_EQ(reopened->applied_index(), 9u);
  EXPECT_EQ(reopened->item_count(), 4000);
  EXPECT_FALSE(reopened->Get(Key("gone"))->has_value());
  for (int i = 0; i < 4000; i += 333) {
    EXPECT_EQ(**reopened->Get(Key("k" + std::to_string(i))), **source->Get(Key("k" + std::to_string(i))));
  }
}

// Readers may run during a restore: an iterator made before it goes on over the old items,
// and the old store's files go when it does.
TEST_F(ReplicatedStoreTest, AnIteratorOutlivesTheStoreARestoreReplaced) {
  auto source = Open("source");
  WriteCommand c;
  c.Put(Key("new"), MakeItem("new", "1"));
  ASSERT_TRUE(source->Apply(c, 7, false).ok());
  auto target = Open("target");
  WriteCommand old;
  for (int i = 0; i < 10; ++i) old.Put(Key("old" + std::to_string(i)), MakeItem("old" + std::to_string(i), "x"));
  ASSERT_TRUE(target->Apply(old, 2, false).ok());
  std::unique_ptr<ItemIterator> it = target->NewIterator("", "");
  ASSERT_TRUE(target->Restore(7, *source->Snapshot()).ok());
  EXPECT_TRUE(std::filesystem::exists(base_ / "target" / "CURRENT"));  // still read
  std::set<std::string> seen, want;
  for (int i = 0; i < 10; ++i) want.insert(Key("old" + std::to_string(i)));
  for (; it->Valid(); it->Next()) seen.insert(std::string(it->key()));
  EXPECT_TRUE(it->status().ok());
  EXPECT_EQ(seen, want);
  it.reset();
  EXPECT_EQ(Names(base_ / "target"), (std::vector<std::string>{"DATA", "restored-1"}));
  EXPECT_TRUE(target->Get(Key("new"))->has_value());
  EXPECT_FALSE(target->Get(Key("old0"))->has_value());
}

// What a crash leaves is cleaned up at the next open: a restore that did not finish (its
// directory, a DATA.tmp) leaves the store as it was; one that finished but had not yet
// removed the store it replaced leaves the restored one in use and the old one removed.
TEST_F(ReplicatedStoreTest, OpenRemovesWhatACrashedRestoreLeft) {
  {
    auto target = Open("target");
    WriteCommand c;
    c.Put(Key("a"), MakeItem("a", "1"));
    ASSERT_TRUE(target->Apply(c, 4, false).ok());
  }
  std::filesystem::create_directories(base_ / "target" / "restored-1");
  { std::ofstream(base_ / "target" / "restored-1" / "000003.log") << "half a restore"; }
  { std::ofstream(base_ / "target" / "DATA.tmp") << "restored-1\n"; }
  {
    auto target = Open("target");
    EXPECT_EQ(target->applied_index(), 4u);
    EXPECT_TRUE(target->Get(Key("a"))->has_value());
    EXPECT_FALSE(std::filesystem::exists(base_ / "target" / "restored-1"));
    EXPECT_FALSE(std::filesystem::exists(base_ / "target" / "DATA.tmp"));
    auto source = Open("source");
    WriteCommand c;
    c.Put(Key("b"), MakeItem("b", "2"));
    ASSERT_TRUE(source->Apply(c, 8, false).ok());
    ASSERT_TRUE(target->Restore(8, *source->Snapshot()).ok());
  }
  // The first store's files back, as if the crash came between naming the restored one and
  // removing it.
  {
    leveldb::Options o;
    o.create_if_missing = true;
    leveldb::DB* db = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(o, (base_ / "target").string(), &db).ok());
    delete db;
  }
  ASSERT_TRUE(std::filesystem::exists(base_ / "target" / "CURRENT"));
  auto target = Open("target");
  EXPECT_EQ(target->applied_index(), 8u);
  EXPECT_TRUE(target->Get(Key("b"))->has_value());
  EXPECT_FALSE(target->Get(Key("a"))->has_value());
  EXPECT_EQ(Names(base_ / "target"), (std::vector<std::string>{"DATA", "restored-1"}));
}

// A DATA file that does not name a generation is damage: the store does not open.
TEST_F(ReplicatedStoreTest, ADamagedDataFileIsRefused) {
  { auto target = Open("target"); }
  { std::ofstream(base_ / "target" / "DATA") << "restored-x\n"; }
  StoreOptions o;
  o.TEST_no_sync = true;
  auto s = PartitionStore::Open((base_ / "target").string(), o);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsCorruption()) << s.status().ToString();
  // Nor does one that names a generation that is not there: an empty store is not made in
  // its place.
  { std::ofstream(base_ / "target" / "DATA") << "restored-5\n"; }
  EXPECT_FALSE(PartitionStore::Open((base_ / "target").string(), o).ok());
  EXPECT_FALSE(std::filesystem::exists(base_ / "target" / "restored-5"));
}

}  // namespace
}  // namespace ddb::storage
