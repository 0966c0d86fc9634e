// Raft messages on the wire: every field survives a round trip, and damaged frames are
// refused.
#include "libddb/replication/raft_codec.h"

#include <gtest/gtest.h>

namespace ddb::replication {
namespace {

std::vector<GroupMessage> Sample() {
  std::vector<GroupMessage> batch;
  raft::Message app;
  app.type = raft::MessageType::kApp;
  app.from = 1;
  app.to = 2;
  app.term = 7;
  app.log_term = 6;
  app.index = 41;
  app.commit = 40;
  app.lease_tick = 12345;
  app.entries = {{7, 42, raft::EntryType::kNormal, std::string("a\0b", 3)},
                 {7, 43, raft::EntryType::kConfChange, raft::EncodeConfChange({raft::ConfChange::Type::kPromote, 4})}};
  batch.push_back({9, app});
  raft::Message resp;
  resp.type = raft::MessageType::kAppResp;
  resp.from = 2;
  resp.to = 1;
  resp.term = 7;
  resp.reject = true;
  resp.reject_hint = 30;
  resp.transfer = true;
  batch.push_back({10, resp});
  raft::Message snap;
  snap.type = raft::MessageType::kSnap;
  snap.from = 1;
  snap.to = 3;
  snap.term = 7;
  snap.snapshot.meta = {100, 6, {{1, 2, 3}, {1, 2}, {5}}};
  snap.snapshot.data = std::make_shared<const std::string>("state");
  batch.push_back({9, snap});
  batch.push_back({9, snap, 5, 12});  // a chunk: bytes 5 to 9 of 12
  return batch;
}

TEST(RaftCodecTest, RoundTrip) {
  std::vector<GroupMessage> in = Sample();
  auto out = DecodeRaftBatch(EncodeRaftBatch(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const raft::Message& a = in[i].message;
    const raft::Message& b = (*out)[i].message;
    EXPECT_EQ(in[i].group, (*out)[i].group);
    EXPECT_EQ(in[i].chunk_offset, (*out)[i].chunk_offset);
    EXPECT_EQ(in[i].chunk_total, (*out)[i].chunk_total);
    EXPECT_EQ(raft::DescribeMessage(a), raft::DescribeMessage(b));
    EXPECT_EQ(a.entries, b.entries);
    EXPECT_EQ(a.lease_tick, b.lease_tick);
    EXPECT_EQ(a.reject_hint, b.reject_hint);
    EXPECT_EQ(a.transfer, b.transfer);
    EXPECT_EQ(a.snapshot.meta, b.snapshot.meta);
    if (a.type == raft::MessageType::kSnap) {
      EXPECT_EQ(*b.snapshot.data, "state");
    }
  }
}

// A chunk that claims to reach past its snapshot's end is refused.
TEST(RaftCodecTest, ChunkPastItsEndIsRefused) {
  raft::Message snap;
  snap.type = raft::MessageType::kSnap;
  snap.snapshot.data = std::make_shared<const std::string>("state");
  EXPECT_TRUE(DecodeRaftBatch(EncodeRaftBatch({{9, snap, 7, 12}})).ok());
  auto out = DecodeRaftBatch(EncodeRaftBatch({{9, snap, 8, 12}}));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kSerialization);
  EXPECT_FALSE(DecodeRaftBatch(EncodeRaftBatch({{9, snap, 13, 12}})).ok());
}

// Every single-bit flip is caught by the frame checksum.
TEST(RaftCodecTest, DamageIsRefused) {
  std::string frame = EncodeRaftBatch(Sample());
  for (size_t i = 0; i < frame.size(); ++i) {
    std::string bad = frame;
    bad[i] ^= 0x10;
    auto out = DecodeRaftBatch(bad);
    ASSERT_FALSE(out.ok()) << "flip at byte " << i << " went unnoticed";
    EXPECT_EQ(out.status().code(), Code::kSerialization);
  }
  EXPECT_FALSE(DecodeRaftBatch("").ok());
  EXPECT_FALSE(DecodeRaftBatch(frame.substr(0, frame.size() / 2)).ok());
}

// An append whose entries do not follow its (index, log term) without gaps, or whose terms go
// down or pass the message's, never reaches the core.
TEST(RaftCodecTest, MisplacedEntriesAreRefused) {
  auto with = [](std::vector<raft::Entry> entries) {
    std::vector<GroupMessage> batch = Sample();
    batch[0].message.entries = std::move(entries);
    return DecodeRaftBatch(EncodeRaftBatch(batch));
  };
  const auto n = raft::EntryType::kNormal;
  EXPECT_TRUE(with({{6, 42, n, "a"}, {7, 43, n, "b"}}).ok());
  EXPECT_FALSE(with({{7, 43, n, "gap"}}).ok());
  EXPECT_FALSE(with({{7, 42, n, "a"}, {7, 42, n, "repeat"}}).ok());
  EXPECT_FALSE(with({{7, 42, n, "a"}, {6, 43, n, "term goes down"}}).ok());
  EXPECT_FALSE(with({{5, 42, n, "below the log term"}}).ok());
  EXPECT_FALSE(with({{8, 42, n, "beyond the message term"}}).ok());
}

}  // namespace
}  // namespace ddb::replication
