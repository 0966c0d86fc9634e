#include "libddb/replication/raft_log_store.h"

#include <leveldb/filter_policy.h>

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"
#include "libddb/storage/preallocated_log_env.h"

namespace ddb::replication {
namespace {

constexpr char kHardState = 'h';
constexpr char kSnapshot = 's';
constexpr char kEntry = 'e';

std::string GroupPrefix(GroupId group) {
  std::string k = "g";
  PutFixed64BE(&k, group);
  return k;
}

std::string RecordKey(GroupId group, char kind) { return GroupPrefix(group) + kind; }

std::string EntryKey(GroupId group, raft::Index index) {
  std::string k = RecordKey(group, kEntry);
  PutFixed64BE(&k, index);
  return k;
}

// Value framing: masked CRC-32C of the payload, then the payload.
std::string Frame(const std::string& payload) {
  std::string v;
  PutFixed32LE(&v, crc32c::Mask(crc32c::Value(payload.data(), payload.size())));
  v += payload;
  return v;
}

Result<std::string_view> Unframe(std::string_view value, const std::string& what) {
  if (value.size() < 4 ||
      crc32c::Unmask(DecodeFixed32LE(value.data())) !=
          crc32c::Value(value.data() + 4, value.size() - 4)) {
    return Status::Corruption("raft log: checksum mismatch in " + what);
  }
  return value.substr(4);
}

void PutIds(std::string* s, const std::vector<raft::NodeId>& ids) {
  PutVarint64(s, ids.size());
  for (raft::NodeId id : ids) PutVarint64(s, id);
}

bool GetIds(Reader* r, std::vector<raft::NodeId>* ids) {
  uint64_t n = 0;
  if (!r->ReadVarint64(&n) || n > 1000) return false;
  ids->resize(n);
  for (auto& id : *ids) {
    if (!r->ReadVarint64(&id)) return false;
  }
  return true;
}

std::string EncodeSnapshotMeta(const raft::SnapshotMeta& m) {
  std::string s;
  PutVarint64(&s, m.index);
  PutVarint64(&s, m.term);
  PutIds(&s, m.conf.voters);
  PutIds(&s, m.conf.voters_outgoing);
  PutIds(&s, m.conf.learners);
  return s;
}

std::string EncodeEntry(const raft::Entry& e) {
  std::string s;
  PutVarint64(&s, e.term);
  s.push_back(static_cast<char>(e.type));
  s += e.data;
  return s;
}

std::string EncodeHardState(const raft::HardState& hs) {
  std::string s;
  PutVarint64(&s, hs.term);
  PutVarint64(&s, hs.vote);
  PutVarint64(&s, hs.commit);
  return s;
}

}  // namespace

void RaftLogStore::Batch::Add(GroupId group, const raft::Ready& ready) {
  Op op;
  op.group = group;
  if (ready.snapshot) op.snapshot = ready.snapshot->meta;
  op.entries = ready.entries;
  op.hard_state = ready.hard_state;
  if (op.snapshot || !op.entries.empty() || op.hard_state) ops_.push_back(std::move(op));
}

void RaftLogStore::Batch::Compact(GroupId group, const raft::SnapshotMeta& meta) {
  Op op;
  op.group = group;
  op.snapshot = meta;
  op.compact_only = true;
  ops_.push_back(std::move(op));
}

Result<std::unique_ptr<RaftLogStore>> RaftLogStore::Open(const std::string& dir, bool sync) {
  // Synced writes overwrite zero-filled space instead of growing the file (half the cost of
  // each fsync); a write torn by a crash is cut off first, as the Env requires.
  DDB_RETURN_IF_ERROR(storage::RepairTornLogTails(dir).status());
  leveldb::Options options;
  options.env = storage::PreallocatedLogEnv::Get();
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.write_buffer_size = 16 << 20;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &raw);
  if (!s.ok()) return Status::IOError("raft log " + dir + ": " + s.ToString());
  return std::unique_ptr<RaftLogStore>(
      new RaftLogStore(dir, std::unique_ptr<leveldb::DB>(raw), sync));
}

RaftLogStore::RaftLogStore(std::string dir, std::unique_ptr<leveldb::DB> db, bool sync)
    : dir_(std::move(dir)), db_(std::move(db)), sync_(sync) {}

RaftLogStore::~RaftLogStore() {
  db_.reset();
  storage::PreallocatedLogEnv::Get()->ForgetDirectory(dir_);
}

raft::Index RaftLogStore::LastIndex(GroupId group) {
  auto it = last_index_.find(group);
  if (it != last_index_.end()) return it->second;
  // First write to this group since opening: find its last entry on disk.
  raft::Index last = 0;
  std::unique_ptr<leveldb::Iterator> iter(db_->NewIterator(leveldb::ReadOptions()));
  std::string end = EntryKey(group, UINT64_MAX);
  iter->Seek(end);
  if (iter->Valid()) {
    iter->Prev();
  } else {
    iter->SeekToLast();
  }
  std::string prefix = RecordKey(group, kEntry);
  if (iter->Valid() && iter->key().starts_with(prefix) && iter->key().size() == prefix.size() + 8) {
    last = DecodeFixed64BE(iter->key().data() + prefix.size());
  }
  last_index_[group] = last;
  return last;
}

void RaftLogStore::DeleteEntries(leveldb::WriteBatch* wb, GroupId group, raft::Index to) const {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  std::string prefix = RecordKey(group, kEntry);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (DecodeFixed64BE(it->key().data() + prefix.size()) > to) break;
    wb->Delete(it->key());
  }
}

Status RaftLogStore::Write(const Batch& batch, bool sync) {
  std::lock_guard<std::mutex> lock(write_mu_);
  leveldb::WriteBatch wb;
  std::map<GroupId, raft::Index> new_last;
  std::map<GroupId, raft::Index> first_added;  // the first entry index this batch writes
  for (const Batch::Op& op : batch.ops_) {
    raft::Index last = new_last.count(op.group) ? new_last[op.group] : LastIndex(op.group);
    if (op.snapshot) {
      wb.Put(RecordKey(op.group, kSnapshot), Frame(EncodeSnapshotMeta(*op.snapshot)));
      if (op.compact_only) {
        // A compaction drops entries up to the snapshot: Load reads only past the snapshot
        // from now on, so the deletions go a few at a time with the next writes (below)
        // instead of ten thousand at once in this one.
        auto [it, fresh] = deferred_.try_emplace(op.group, Deferred{0, op.snapshot->index});
        if (fresh) {
          // Where the last deletions stopped, when known: seeking the first entry on disk
          // means stepping over the tombstones of every earlier compaction not yet compacted
          // away by LevelDB (milliseconds, on the Raft loop).
          auto done = deleted_through_.find(op.group);
          // (Entries earlier in this batch are not on disk yet, but will be.)
          auto added = first_added.find(op.group);
          it->second.next = done != deleted_through_.end()
                                ? done->second + 1
                                : std::min(FirstEntryIndex(op.group),
                                           added != first_added.end() ? added->second : UINT64_MAX);
        } else {
          it->second.to = std::max(it->second.to, op.snapshot->index);
        }
      } else {
        DeleteEntries(&wb, op.group, UINT64_MAX);  // an installed snapshot replaces the log
        deferred_.erase(op.group);
        deleted_through_[op.group] = op.snapshot->index;
        last = op.snapshot->index;
      }
    }
    if (!op.entries.empty()) {
      raft::Index first = op.entries.front().index;
      auto added = first_added.try_emplace(op.group, first).first;
      added->second = std::min(added->second, first);
      for (raft::Index i = first; i <= last; ++i) wb.Delete(EntryKey(op.group, i));
      for (const raft::Entry& e : op.entries) {
        wb.Put(EntryKey(op.group, e.index), Frame(EncodeEntry(e)));
      }
      last = op.entries.back().index;
    }
    if (op.hard_state) {
      wb.Put(RecordKey(op.group, kHardState), Frame(EncodeHardState(*op.hard_state)));
    }
    new_last[op.group] = last;
  }
  size_t budget = kDeletesPerWrite;
  for (auto it = deferred_.begin(); it != deferred_.end() && budget > 0;) {
    Deferred& d = it->second;
    for (; d.next <= d.to && budget > 0; ++d.next, --budget) wb.Delete(EntryKey(it->first, d.next));
    if (d.next > d.to) {
      raft::Index& done = deleted_through_[it->first];
      done = std::max(done, d.to);
      it = deferred_.erase(it);
    } else {
      ++it;
    }
  }
  leveldb::WriteOptions wo;
  wo.sync = sync_ && sync;
  leveldb::Status s = db_->Write(wo, &wb);
  if (!s.ok()) {
    last_index_.clear();  // unknown now: reread from disk
    // The deletions planned here did not happen: forget them; each group's next compaction
    // finds its first entry on disk again.
    deferred_.clear();
    deleted_through_.clear();
    return Status::IOError("raft log write: " + s.ToString());
  }
  for (auto [group, last] : new_last) last_index_[group] = last;
  return Status::OK();
}

raft::Index RaftLogStore::FirstEntryIndex(GroupId group) const {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  const std::string prefix = RecordKey(group, kEntry);
  it->Seek(prefix);
  if (!it->Valid() || !it->key().starts_with(prefix)) return UINT64_MAX;  // none
  return DecodeFixed64BE(it->key().data() + prefix.size());
}

Result<raft::Storage> RaftLogStore::Load(GroupId group) const {
  raft::Storage st;
  std::string value;
  std::string g = std::to_string(group);
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), RecordKey(group, kHardState), &value);
  if (s.ok()) {
    DDB_ASSIGN_OR_RETURN(std::string_view payload, Unframe(value, "hard state of group " + g));
    Reader r(payload);
    if (!r.ReadVarint64(&st.hard_state.term) || !r.ReadVarint64(&st.hard_state.vote) ||
        !r.ReadVarint64(&st.hard_state.commit)) {
      return Status::Corruption("raft log: bad hard state of group " + g);
    }
  } else if (!s.IsNotFound()) {
    return Status::IOError("raft log read: " + s.ToString());
  }
  s = db_->Get(leveldb::ReadOptions(), RecordKey(group, kSnapshot), &value);
  if (s.ok()) {
    DDB_ASSIGN_OR_RETURN(std::string_view payload, Unframe(value, "snapshot of group " + g));
    Reader r(payload);
    raft::SnapshotMeta& m = st.snapshot;
    if (!r.ReadVarint64(&m.index) || !r.ReadVarint64(&m.term) || !GetIds(&r, &m.conf.voters) ||
        !GetIds(&r, &m.conf.voters_outgoing) || !GetIds(&r, &m.conf.learners)) {
      return Status::Corruption("raft log: bad snapshot metadata of group " + g);
    }
  } else if (!s.IsNotFound()) {
    return Status::IOError("raft log read: " + s.ToString());
  }
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  std::string prefix = RecordKey(group, kEntry);
  for (it->Seek(EntryKey(group, st.snapshot.index + 1));
       it->Valid() && it->key().starts_with(prefix); it->Next()) {
    raft::Entry e;
    e.index = DecodeFixed64BE(it->key().data() + prefix.size());
    std::string what = "entry " + std::to_string(e.index) + " of group " + g;
    DDB_ASSIGN_OR_RETURN(std::string_view payload,
                         Unframe(std::string_view(it->value().data(), it->value().size()), what));
    Reader r(payload);
    unsigned char type = 0;
    if (!r.ReadVarint64(&e.term) || !r.ReadByte(&type) || type > 1) {
      return Status::Corruption("raft log: bad " + what);
    }
    e.type = static_cast<raft::EntryType>(type);
    std::string_view data;
    r.ReadBytes(r.remaining(), &data);
    e.data = std::string(data);
    raft::Index expected = st.entries.empty() ? st.snapshot.index + 1 : st.entries.back().index + 1;
    if (e.index != expected) {
      return Status::Corruption("raft log: group " + g + " has entry " + std::to_string(e.index) +
                                " where " + std::to_string(expected) + " was expected");
    }
    st.entries.push_back(std::move(e));
  }
  if (!it->status().ok()) return Status::IOError("raft log read: " + it->status().ToString());
  st.applied = st.snapshot.index;
  return st;
}

std::vector<GroupId> RaftLogStore::Groups() const {
  std::vector<GroupId> groups;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  it->Seek("g");
  while (it->Valid() && it->key().size() >= 9 && it->key()[0] == 'g') {
    GroupId g = DecodeFixed64BE(it->key().data() + 1);
    groups.push_back(g);
    if (g == UINT64_MAX) break;
    it->Seek(GroupPrefix(g + 1));
  }
  return groups;
}

Status RaftLogStore::DropGroup(GroupId group) {
  std::lock_guard<std::mutex> lock(write_mu_);
  leveldb::WriteBatch wb;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  std::string prefix = GroupPrefix(group);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    wb.Delete(it->key());
  }
  leveldb::WriteOptions wo;
  wo.sync = sync_;
  leveldb::Status s = db_->Write(wo, &wb);
  last_index_.erase(group);
  deferred_.erase(group);
  deleted_through_.erase(group);
  return s.ok() ? Status::OK() : Status::IOError("raft log drop: " + s.ToString());
}

}  // namespace ddb::replication
