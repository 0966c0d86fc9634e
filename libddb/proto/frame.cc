#include "libddb/proto/frame.h"

#include <cstring>

#include <capnp/serialize.h>

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"

namespace ddb::proto {
namespace {

constexpr std::string_view kMagic = "DDB1";
constexpr size_t kHeader = 8;  // magic + CRC

Status Bad(std::string_view what) {
  return Status::Serialization("malformed ddb frame: " + std::string(what));
}

}  // namespace

std::string FrameMessage(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const char> bytes = words.asChars();
  std::string out(kMagic);
  PutFixed32LE(&out, crc32c::Mask(crc32c::Value(bytes.begin(), bytes.size())));
  out.append(bytes.begin(), bytes.size());
  return out;
}

Result<kj::Array<capnp::word>> UnframeMessage(std::string_view frame) {
  if (frame.size() < kHeader || frame.substr(0, 4) != kMagic) return Bad("bad magic");
  if (frame.size() > kMaxFrameBytes) return Bad("too large");
  std::string_view body = frame.substr(kHeader);
  if (body.empty() || body.size() % sizeof(capnp::word) != 0) return Bad("bad length");
  if (crc32c::Unmask(DecodeFixed32LE(frame.data() + 4)) != crc32c::Value(body)) {
    return Bad("checksum mismatch");
  }
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(body.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), body.data(), body.size());
  return words;
}

capnp::ReaderOptions ReaderLimits() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = kMaxFrameBytes / sizeof(capnp::word);
  options.nestingLimit = 16;
  return options;
}

}  // namespace ddb::proto
