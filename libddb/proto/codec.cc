#include "libddb/proto/codec.h"

#include <cstring>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"
#include "libddb/proto/messages.capnp.h"

namespace ddb::proto {

namespace {

constexpr std::string_view kMagic = "DDB1";
constexpr size_t kHeader = 8;  // magic + CRC

std::string Frame(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const char> bytes = words.asChars();
  std::string out(kMagic);
  PutFixed32LE(&out, crc32c::Mask(crc32c::Value(bytes.begin(), bytes.size())));
  out.append(bytes.begin(), bytes.size());
  return out;
}

Status Bad(std::string_view what) {
  return Status::Serialization("malformed ddb frame: " + std::string(what));
}

// Verifies the header and copies the message into word-aligned memory.
Result<kj::Array<capnp::word>> Unframe(std::string_view frame) {
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

capnp::ReaderOptions Limits() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = kMaxFrameBytes / sizeof(capnp::word);
  options.nestingLimit = 16;
  return options;
}

std::string ToString(capnp::Data::Reader data) {
  return std::string(reinterpret_cast<const char*>(data.begin()), data.size());
}

capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

}  // namespace

std::string EncodeRequest(const RequestEnvelope& request) {
  capnp::MallocMessageBuilder message;
  auto r = message.initRoot<schema::Request>();
  r.setId(request.id);
  r.setDeadlineUnixMicros(request.deadline_unix_micros);
  r.setOperation(request.operation);
  r.setBody(AsData(request.body));
  return Frame(message);
}

Result<RequestEnvelope> DecodeRequest(std::string_view frame) {
  DDB_ASSIGN_OR_RETURN(kj::Array<capnp::word> words, Unframe(frame));
  // Cap'n Proto reports malformed input by throwing; keep that inside this function.
  try {
    capnp::FlatArrayMessageReader reader(words, Limits());
    auto r = reader.getRoot<schema::Request>();
    RequestEnvelope out;
    out.id = r.getId();
    out.deadline_unix_micros = r.getDeadlineUnixMicros();
    out.operation = r.getOperation();
    out.body = ToString(r.getBody());
    return out;
  } catch (const kj::Exception& e) {
    return Bad(e.getDescription().cStr());
  }
}

std::string EncodeResponse(const ResponseEnvelope& response) {
  capnp::MallocMessageBuilder message;
  auto r = message.initRoot<schema::Response>();
  r.setId(response.id);
  if (response.status.ok()) {
    r.setBody(AsData(response.body));
  } else {
    auto e = r.initError();
    e.setName(std::string(response.status.ErrorName()));
    e.setMessage(response.status.message());
    if (!response.error_item.empty()) e.setItem(AsData(response.error_item));
  }
  return Frame(message);
}

Result<ResponseEnvelope> DecodeResponse(std::string_view frame) {
  DDB_ASSIGN_OR_RETURN(kj::Array<capnp::word> words, Unframe(frame));
  try {
    capnp::FlatArrayMessageReader reader(words, Limits());
    auto r = reader.getRoot<schema::Response>();
    ResponseEnvelope out;
    out.id = r.getId();
    if (r.isError()) {
      auto e = r.getError();
      std::string name = e.getName();
      out.status = Status(Status::CodeFromName(name), e.getMessage());
      if (out.status.ok()) return Bad("error response without an error name");
      out.error_item = ToString(e.getItem());
    } else {
      out.body = ToString(r.getBody());
    }
    return out;
  } catch (const kj::Exception& e) {
    return Bad(e.getDescription().cStr());
  }
}

}  // namespace ddb::proto
