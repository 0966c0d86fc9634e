// RaftLogStore: what a group's Readys persist comes back on reopening, truncation and
// compaction, damage detection, and durability of acknowledged writes under kill -9.
#include "libddb/replication/raft_log_store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>
#include <leveldb/db.h>

#include "libddb/core/coding.h"
#include "tests/test_util.h"

namespace ddb::replication {
namespace {

using raft::Entry;
using raft::HardState;
using raft::Ready;

class RaftLogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::ddb::testing::FreshTestDir("ddb_raftlog_test");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<RaftLogStore> Open() {
    auto s = RaftLogStore::Open(dir_.string(), /*sync=*/false);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }

  static Ready Entries(raft::Index first, raft::Index last, raft::Term term) {
    Ready rd;
    for (raft::Index i = first; i <= last; ++i) {
      rd.entries.push_back(Entry{term, i, raft::EntryType::kNormal, "e" + std::to_string(i)});
    }
    rd.hard_state = HardState{term, 1, first - 1};
    return rd;
  }

  static std::string Describe(const raft::Storage& st) {
    std::string s = "hs=" + std::to_string(st.hard_state.term) + "/" +
                    std::to_string(st.hard_state.vote) + "/" + std::to_string(st.hard_state.commit) +
                    " snap=" + std::to_string(st.snapshot.term) + "/" +
                    std::to_string(st.snapshot.index) + " [";
    for (const Entry& e : st.entries) s += " " + std::to_string(e.term) + "/" + std::to_string(e.index);
    return s + " ]";
  }

  std::filesystem::path dir_;
};

// Nothing persisted: an empty Storage, which a replica added later starts from.
TEST_F(RaftLogStoreTest, UnknownGroupIsEmpty) {
  auto store = Open();
  auto st = store->Load(7);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(Describe(*st), "hs=0/0/0 snap=0/0 [ ]");
  EXPECT_TRUE(store->Groups().empty());
}

// Two groups in one batch (one write, one sync); both come back after reopening.
TEST_F(RaftLogStoreTest, GroupsPersistTogether) {
  {
    auto store = Open();
    RaftLogStore::Batch b;
    b.Add(1, Entries(1, 3, 2));
    b.Add(2, Entries(1, 2, 5));
    ASSERT_TRUE(store->Write(b).ok());
  }
  auto store = Open();
  EXPECT_EQ(Describe(*store->Load(1)), "hs=2/1/0 snap=0/0 [ 2/1 2/2 2/3 ]");
  EXPECT_EQ(Describe(*store->Load(2)), "hs=5/1/0 snap=0/0 [ 5/1 5/2 ]");
  EXPECT_EQ(store->Groups(), (std::vector<GroupId>{1, 2}));
  EXPECT_EQ(store->Load(1)->entries[1].data, "e2");
}

// Entries that start at or before the last persisted one replace the suffix, also when the
// store was reopened in between (it finds the last index on disk).
TEST_F(RaftLogStoreTest, AppendReplacesSuffix) {
  {
    auto store = Open();
    RaftLogStore::Batch b;
    b.Add(1, Entries(1, 5, 1));
    ASSERT_TRUE(store->Write(b).ok());
  }
  auto store = Open();
  RaftLogStore::Batch b;
  b.Add(1, Entries(3, 3, 2));
  ASSERT_TRUE(store->Write(b).ok());
  EXPECT_EQ(Describe(*store->Load(1)), "hs=2/1/2 snap=0/0 [ 1/1 1/2 2/3 ]");
  RaftLogStore::Batch c;
  c.Add(1, Entries(4, 6, 2));
  ASSERT_TRUE(store->Write(c).ok());
  EXPECT_EQ(Describe(*store->Load(1)), "hs=2/1/3 snap=0/0 [ 1/1 1/2 2/3 2/4 2/5 2/6 ]");
}

// Compaction drops entries up to the snapshot; an installed snapshot replaces the log.
TEST_F(RaftLogStoreTest, CompactionAndSnapshots) {
  auto store = Open();
  RaftLogStore::Batch b;
  b.Add(1, Entries(1, 6, 1));
  ASSERT_TRUE(store->Write(b).ok());
  raft::SnapshotMeta meta{4, 1, {{1, 2, 3}, {}, {}}};
  RaftLogStore::Batch c;
  c.Compact(1, meta);
  ASSERT_TRUE(store->Write(c).ok());
  auto st = store->Load(1);
  EXPECT_EQ(Describe(*st), "hs=1/1/0 snap=1/4 [ 1/5 1/6 ]");
  EXPECT_EQ(st->snapshot.conf.voters, (std::vector<raft::NodeId>{1, 2, 3}));
  EXPECT_EQ(st->applied, 4u);

  Ready install;
  install.snapshot = raft::Snapshot{raft::SnapshotMeta{20, 3, {{1, 2, 4}, {}, {5}}}, nullptr};
  install.entries.push_back(Entry{3, 21, raft::EntryType::kNormal, "x"});
  install.hard_state = HardState{3, 0, 20};
  RaftLogStore::Batch d;
  d.Add(1, install);
  ASSERT_TRUE(store->Write(d).ok());
  st = store->Load(1);
  EXPECT_EQ(Describe(*st), "hs=3/0/20 snap=3/20 [ 3/21 ]");
  EXPECT_EQ(st->snapshot.conf.learners, (std::vector<raft::NodeId>{5}));
}

// The entries a compaction drops leave the disk a thousand per write, with the writes that
// follow, instead of all in the compaction's own write; the log reads the same meanwhile, and
// entries left behind by a restart go with the group's next compaction.
TEST_F(RaftLogStoreTest, CompactedEntriesAreDeletedAFewAtATime) {
  // The raw entry records of group 1 on disk (the store closed).
  auto entries_on_disk = [&] {
    leveldb::DB* raw = nullptr;
    leveldb::Options o;
    EXPECT_TRUE(leveldb::DB::Open(o, dir_.string(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      // Keys: 'g', the group (8 bytes), the record kind ('e' for entries), ...
      if (it->key().size() > 9 && it->key()[0] == 'g' && it->key()[8] == 1 && it->key()[9] == 'e') ++n;
    }
    return n;
  };
  auto store = Open();
  RaftLogStore::Batch b;
  b.Add(1, Entries(1, 2500, 1));
  ASSERT_TRUE(store->Write(b).ok());
  RaftLogStore::Batch c;
  c.Compact(1, raft::SnapshotMeta{2400, 1, {{1}, {}, {}}});
  ASSERT_TRUE(store->Write(c).ok());
  EXPECT_EQ(store->Load(1)->entries.size(), 100u);
  store.reset();
  EXPECT_EQ(entries_on_disk(), 1500u);  // the compaction's write deleted 1,000
  store = Open();                       // (a restart: the rest waits for the next compaction)
  for (int i = 0; i < 3; ++i) {
    RaftLogStore::Batch next;
    next.Add(1, Entries(2501 + i, 2501 + i, 1));
    if (i == 0) next.Compact(1, raft::SnapshotMeta{2450, 1, {{1}, {}, {}}});
    ASSERT_TRUE(store->Write(next).ok());
  }
  auto st = store->Load(1);
  EXPECT_EQ(st->snapshot.index, 2450u);
  ASSERT_EQ(st->entries.size(), 53u);
  EXPECT_EQ(st->entries.front().index, 2451u);
  store.reset();
  EXPECT_EQ(entries_on_disk(), 53u);
}

TEST_F(RaftLogStoreTest, ALaterCompactionDeletesFromWhereTheLastStopped) {
  auto store = Open();
  RaftLogStore::Batch b;
  b.Add(1, Entries(1, 1500, 1));
  b.Compact(1, raft::SnapshotMeta{1200, 1, {{1}, {}, {}}});
  ASSERT_TRUE(store->Write(b).ok());  // deletes 1..1000
  RaftLogStore::Batch c;
  c.Add(1, Entries(1501, 1501, 1));
  ASSERT_TRUE(store->Write(c).ok());  // deletes 1001..1200: the first compaction is done
  for (raft::Index i = 1502; i <= 1510; ++i) {
    RaftLogStore::Batch next;
    next.Add(1, Entries(i, i, 1));
    if (i == 1502) next.Compact(1, raft::SnapshotMeta{1450, 1, {{1}, {}, {}}});
    ASSERT_TRUE(store->Write(next).ok());
  }
  store.reset();
  // Every entry up to the second snapshot is gone, none after it: the second compaction's
  // deletions started where the first's ended (1201), not at the first entry on disk.
  leveldb::DB* raw = nullptr;
  ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), dir_.string(), &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  std::vector<uint64_t> indexes;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() == 18 && it->key()[0] == 'g' && it->key()[8] == 1 && it->key()[9] == 'e') {
      uint64_t index = 0;
      for (int i = 10; i < 18; ++i) index = (index << 8) | static_cast<uint8_t>(it->key()[i]);
      indexes.push_back(index);
    }
  }
  ASSERT_EQ(indexes.size(), 60u);
  EXPECT_EQ(indexes.front(), 1451u);
  EXPECT_EQ(indexes.back(), 1510u);
}

TEST_F(RaftLogStoreTest, DropGroup) {
  auto store = Open();
  RaftLogStore::Batch b;
  b.Add(1, Entries(1, 3, 1));
  b.Add(2, Entries(1, 3, 1));
  ASSERT_TRUE(store->Write(b).ok());
  ASSERT_TRUE(store->DropGroup(1).ok());
  EXPECT_EQ(store->Groups(), (std::vector<GroupId>{2}));
  EXPECT_EQ(Describe(*store->Load(1)), "hs=0/0/0 snap=0/0 [ ]");
}

// A damaged record is Corruption, never a silently different log.
TEST_F(RaftLogStoreTest, DamageIsDetected) {
  {
    auto store = Open();
    RaftLogStore::Batch b;
    b.Add(9, Entries(1, 3, 1));
    ASSERT_TRUE(store->Write(b).ok());
  }
  {
    leveldb::DB* db;
    ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), dir_.string(), &db).ok());
    std::string key = "g";
    PutFixed64BE(&key, 9);
    key += 'e';
    PutFixed64BE(&key, 2);
    std::string value;
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), key, &value).ok());
    value.back() ^= 1;
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), key, value).ok());
    delete db;
  }
  auto st = Open()->Load(9);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.status().IsCorruption()) << st.status().ToString();
  EXPECT_NE(st.status().message().find("entry 2 of group 9"), std::string::npos);
}

// A child appends to three groups in synced batches, reporting each acknowledged batch on a
// pipe, and is killed with SIGKILL mid-stream. Every acknowledged entry must be there after
// reopening, and every log contiguous.
TEST_F(RaftLogStoreTest, AcknowledgedWritesSurviveKill9) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto store = RaftLogStore::Open(dir_.string(), /*sync=*/true);
    if (!store.ok()) _exit(2);
    for (uint64_t i = 1;; ++i) {
      RaftLogStore::Batch b;
      for (GroupId g = 1; g <= 3; ++g) b.Add(g, Entries(i, i, 1));
      if (!(*store)->Write(b).ok()) _exit(3);
      if (write(fds[1], &i, sizeof(i)) != sizeof(i)) _exit(4);
    }
  }
  close(fds[1]);
  uint64_t acked = 0, i = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (std::chrono::steady_clock::now() < deadline && read(fds[0], &i, sizeof(i)) == sizeof(i)) {
    acked = i;
  }
  kill(child, SIGKILL);
  int status;
  waitpid(child, &status, 0);
  while (read(fds[0], &i, sizeof(i)) == sizeof(i)) acked = i;
  close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer died on its own: " << status;
  ASSERT_GT(acked, 5u);
  auto store = Open();
  for (GroupId g = 1; g <= 3; ++g) {
    auto st = store->Load(g);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    ASSERT_GE(st->entries.size(), acked) << "group " << g << " lost acknowledged entries";
    for (size_t k = 0; k < st->entries.size(); ++k) ASSERT_EQ(st->entries[k].index, k + 1);
  }
}

}  // namespace
}  // namespace ddb::replication
