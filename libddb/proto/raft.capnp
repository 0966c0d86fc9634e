# Raft messages between nodes (DESIGN.md sections 5 and 7): one frame carries every message a
# node's Raft loop has for one peer in one iteration, for any number of groups.
@0xbdd603e83a4bc640;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ddb::proto::schema");

struct RaftEntry {
  term @0 :UInt64;
  index @1 :UInt64;
  type @2 :UInt8;       # 0 normal, 1 membership change
  data @3 :Data;
}

struct RaftConf {
  voters @0 :List(UInt64);
  votersOutgoing @1 :List(UInt64);
  learners @2 :List(UInt64);
}

struct RaftSnapshot {
  index @0 :UInt64;
  term @1 :UInt64;
  conf @2 :RaftConf;
  data @3 :Data;        # the partition's state at index, or one chunk of it:
  offset @4 :UInt64;    # where this chunk starts in the whole
  total @5 :UInt64;     # the whole's size; 0: data is the whole state, not a chunk
}

struct RaftMessage {
  group @0 :UInt64;
  type @1 :UInt8;       # raft::MessageType
  from @2 :UInt64;
  to @3 :UInt64;
  term @4 :UInt64;
  logTerm @5 :UInt64;
  index @6 :UInt64;
  entries @7 :List(RaftEntry);
  commit @8 :UInt64;
  reject @9 :Bool;
  rejectHint @10 :UInt64;
  leaseTick @11 :UInt64;
  transfer @12 :Bool;
  snapshot @13 :RaftSnapshot;   # set for type MsgSnap only
}

struct RaftBatch {
  messages @0 :List(RaftMessage);
}
