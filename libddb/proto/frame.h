// Checksummed frames around Cap'n Proto messages, shared by every message codec.
//
// Frame: "DDB1" | fixed32le masked CRC-32C of the rest | Cap'n Proto message (flat array).
// UnframeMessage checks the magic, the size limit and the checksum, and copies the message into
// word-aligned memory for a capnp::FlatArrayMessageReader built with ReaderLimits().
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <capnp/message.h>

#include "libddb/core/result.h"

namespace ddb::proto {

// Largest frame accepted (a 16 MB BatchWriteItem response has room).
inline constexpr size_t kMaxFrameBytes = 64u << 20;

std::string FrameMessage(capnp::MessageBuilder& message);
Result<kj::Array<capnp::word>> UnframeMessage(std::string_view frame);
capnp::ReaderOptions ReaderLimits();

inline std::string DataToString(capnp::Data::Reader data) {
  return std::string(reinterpret_cast<const char*>(data.begin()), data.size());
}
inline capnp::Data::Reader StringAsData(std::string_view s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

}  // namespace ddb::proto
