#include "libddb/proto/codec.h"

#include <cstring>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"
#include "libddb/proto/frame.h"
#include "libddb/proto/messages.capnp.h"

namespace ddb::proto {

namespace {

Status Bad(std::string_view what) {
  return Status::Serialization("malformed ddb frame: " + std::string(what));
}
std::string Frame(capnp::MessageBuilder& message) { return FrameMessage(message); }
Result<kj::Array<capnp::word>> Unframe(std::string_view frame) { return UnframeMessage(frame); }
capnp::ReaderOptions Limits() { return ReaderLimits(); }
std::string ToString(capnp::Data::Reader data) { return DataToString(data); }
capnp::Data::Reader AsData(const std::string& s) { return StringAsData(s); }

}  // namespace

std::string EncodeRequest(const RequestEnvelope& request) {
  capnp::MallocMessageBuilder message;
  auto r = message.initRoot<schema::Request>();
  r.setId(request.id);
  r.setDeadlineUnixMicros(request.deadline_unix_micros);
  r.setHops(request.hops);
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
    out.hops = r.getHops();
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
  r.setServedBy(response.served_by);
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
    out.served_by = r.getServedBy();
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
