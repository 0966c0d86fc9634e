#include "libddb/storage/write_command.h"

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"
#include "libddb/model/item_codec.h"

namespace ddb::storage {
namespace {

constexpr std::string_view kMagic = "W1";

Status Bad(std::string_view what) {
  return Status::Corruption("write command: " + std::string(what));
}

}  // namespace

void WriteCommand::Put(std::string_view key, const Item& item) {
  mutations.push_back(Mutation{std::string(key), EncodeItem(item)});
}

void WriteCommand::Delete(std::string_view key) {
  mutations.push_back(Mutation{std::string(key), std::nullopt});
}

std::string WriteCommand::Encode() const {
  std::string s(kMagic);
  PutVarint64(&s, mutations.size());
  for (const Mutation& m : mutations) {
    s.push_back(m.item ? 1 : 0);
    PutLengthPrefixed(&s, m.key);
    if (m.item) PutLengthPrefixed(&s, *m.item);
  }
  PutVarint64(&s, ZigZagEncode(item_delta));
  PutVarint64(&s, ZigZagEncode(byte_delta));
  PutFixed32LE(&s, crc32c::Mask(crc32c::Value(s)));
  return s;
}

Result<WriteCommand> WriteCommand::Decode(std::string_view data) {
  if (data.size() < kMagic.size() + 4 || data.substr(0, kMagic.size()) != kMagic) {
    return Bad("bad header");
  }
  std::string_view body = data.substr(0, data.size() - 4);
  if (crc32c::Unmask(DecodeFixed32LE(data.data() + body.size())) != crc32c::Value(body)) {
    return Bad("checksum mismatch");
  }
  Reader r(body.substr(kMagic.size()));
  uint64_t count = 0;
  if (!r.ReadVarint64(&count) || count > body.size()) return Bad("bad count");
  WriteCommand c;
  c.mutations.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    unsigned char flag = 0;
    std::string_view key, item;
    if (!r.ReadByte(&flag) || flag > 1 || !r.ReadLengthPrefixed(&key)) return Bad("bad mutation");
    Mutation m{std::string(key), std::nullopt};
    if (flag == 1) {
      if (!r.ReadLengthPrefixed(&item)) return Bad("bad item");
      m.item = std::string(item);
    }
    c.mutations.push_back(std::move(m));
  }
  uint64_t items = 0, bytes = 0;
  if (!r.ReadVarint64(&items) || !r.ReadVarint64(&bytes) || !r.empty()) return Bad("bad trailer");
  c.item_delta = ZigZagDecode(items);
  c.byte_delta = ZigZagDecode(bytes);
  return c;
}

}  // namespace ddb::storage
