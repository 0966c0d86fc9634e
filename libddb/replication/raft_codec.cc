#include "libddb/replication/raft_codec.h"

#include <capnp/serialize.h>
#include <kj/exception.h>

#include "libddb/proto/frame.h"
#include "libddb/proto/raft.capnp.h"

namespace ddb::replication {
namespace {

using proto::DataToString;
using proto::StringAsData;

template <typename List>
void SetIds(List list, const std::vector<raft::NodeId>& ids) {
  for (size_t i = 0; i < ids.size(); ++i) list.set(static_cast<unsigned>(i), ids[i]);
}

template <typename Reader>
std::vector<raft::NodeId> GetIds(Reader list) {
  std::vector<raft::NodeId> ids;
  for (uint64_t id : list) ids.push_back(id);
  return ids;
}

}  // namespace

std::string EncodeRaftBatch(const std::vector<GroupMessage>& messages) {
  capnp::MallocMessageBuilder builder;
  auto batch = builder.initRoot<proto::schema::RaftBatch>();
  auto list = batch.initMessages(static_cast<unsigned>(messages.size()));
  for (size_t i = 0; i < messages.size(); ++i) {
    const raft::Message& m = messages[i].message;
    auto out = list[static_cast<unsigned>(i)];
    out.setGroup(messages[i].group);
    out.setType(static_cast<uint8_t>(m.type));
    out.setFrom(m.from);
    out.setTo(m.to);
    out.setTerm(m.term);
    out.setLogTerm(m.log_term);
    out.setIndex(m.index);
    out.setCommit(m.commit);
    out.setReject(m.reject);
    out.setRejectHint(m.reject_hint);
    out.setLeaseTick(m.lease_tick);
    out.setTransfer(m.transfer);
    auto entries = out.initEntries(static_cast<unsigned>(m.entries.size()));
    for (size_t k = 0; k < m.entries.size(); ++k) {
      const raft::Entry& e = m.entries[k];
      auto eo = entries[static_cast<unsigned>(k)];
      eo.setTerm(e.term);
      eo.setIndex(e.index);
      eo.setType(static_cast<uint8_t>(e.type));
      eo.setData(StringAsData(e.data));
    }
    if (m.type == raft::MessageType::kSnap) {
      auto s = out.initSnapshot();
      s.setIndex(m.snapshot.meta.index);
      s.setTerm(m.snapshot.meta.term);
      auto conf = s.initConf();
      SetIds(conf.initVoters(static_cast<unsigned>(m.snapshot.meta.conf.voters.size())),
             m.snapshot.meta.conf.voters);
      SetIds(conf.initVotersOutgoing(
                 static_cast<unsigned>(m.snapshot.meta.conf.voters_outgoing.size())),
             m.snapshot.meta.conf.voters_outgoing);
      SetIds(conf.initLearners(static_cast<unsigned>(m.snapshot.meta.conf.learners.size())),
             m.snapshot.meta.conf.learners);
      if (m.snapshot.data) s.setData(StringAsData(*m.snapshot.data));
      s.setOffset(messages[i].chunk_offset);
      s.setTotal(messages[i].chunk_total);
    }
  }
  return proto::FrameMessage(builder);
}

Result<std::vector<GroupMessage>> DecodeRaftBatch(std::string_view frame) {
  DDB_ASSIGN_OR_RETURN(kj::Array<capnp::word> words, proto::UnframeMessage(frame));
  // Cap'n Proto reports malformed input by throwing; keep that inside this function.
  try {
    capnp::FlatArrayMessageReader reader(words, proto::ReaderLimits());
    auto batch = reader.getRoot<proto::schema::RaftBatch>();
    std::vector<GroupMessage> out;
    for (auto in : batch.getMessages()) {
      if (in.getType() > static_cast<uint8_t>(raft::MessageType::kSnapProgress)) {
        return Status::Serialization("raft message of unknown type " +
                                     std::to_string(in.getType()));
      }
      GroupMessage gm;
      gm.group = in.getGroup();
      raft::Message& m = gm.message;
      m.type = static_cast<raft::MessageType>(in.getType());
      m.from = in.getFrom();
      m.to = in.getTo();
      m.term = in.getTerm();
      m.log_term = in.getLogTerm();
      m.index = in.getIndex();
      m.commit = in.getCommit();
      m.reject = in.getReject();
      m.reject_hint = in.getRejectHint();
      m.lease_tick = in.getLeaseTick();
      m.transfer = in.getTransfer();
      for (auto e : in.getEntries()) {
        if (e.getType() > 1) return Status::Serialization("raft entry of unknown type");
        m.entries.push_back(raft::Entry{e.getTerm(), e.getIndex(),
                                        static_cast<raft::EntryType>(e.getType()),
                                        DataToString(e.getData())});
      }
      // The core trusts an append's entries to follow (index, log_term) without gaps, with
      // terms that never go down and never pass the message's: refuse anything else here.
      raft::Index want = m.index + 1;
      raft::Term floor = m.log_term;
      for (const raft::Entry& e : m.entries) {
        if (e.index != want || e.term < floor || e.term > m.term) {
          return Status::Serialization("raft append to node " + std::to_string(m.to) +
                                       " has a misplaced entry " + std::to_string(e.term) + "/" +
                                       std::to_string(e.index) + " after " +
                                       std::to_string(m.log_term) + "/" + std::to_string(m.index));
        }
        ++want;
        floor = e.term;
      }
      if (m.type == raft::MessageType::kSnap) {
        auto s = in.getSnapshot();
        m.snapshot.meta.index = s.getIndex();
        m.snapshot.meta.term = s.getTerm();
        m.snapshot.meta.conf.voters = GetIds(s.getConf().getVoters());
        m.snapshot.meta.conf.voters_outgoing = GetIds(s.getConf().getVotersOutgoing());
        m.snapshot.meta.conf.learners = GetIds(s.getConf().getLearners());
        m.snapshot.data = std::make_shared<const std::string>(DataToString(s.getData()));
        gm.chunk_offset = s.getOffset();
        gm.chunk_total = s.getTotal();
        if (gm.chunk_total != 0 && (gm.chunk_offset > gm.chunk_total ||
                                    m.snapshot.data->size() > gm.chunk_total - gm.chunk_offset)) {
          return Status::Serialization("snapshot chunk past its end");
        }
      }
      out.push_back(std::move(gm));
    }
    return out;
  } catch (const kj::Exception& e) {
    return Status::Serialization(std::string("malformed raft batch: ") +
                                 e.getDescription().cStr());
  }
}

}  // namespace ddb::replication
