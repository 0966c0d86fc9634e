// Encoding of the Cap'n Proto messages of messages.capnp into checksummed frames.
//
// Frame: "DDB1" | fixed32le masked CRC-32C of the rest | Cap'n Proto message (flat array).
// Decoding never trusts the bytes: the magic, the checksum, and Cap'n Proto's own bounds and
// traversal limits are checked, and a bad frame is a SerializationException, never a crash.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "libddb/core/result.h"
#include "libddb/proto/frame.h"

namespace ddb::proto {

struct RequestEnvelope {
  uint64_t id = 0;
  uint64_t deadline_unix_micros = 0;  // 0: no deadline
  std::string operation;
  std::string body;
  uint8_t hops = 0;                   // times a node forwarded it
};

struct ResponseEnvelope {
  uint64_t id = 0;
  Status status;     // OK, or the error the request ended with
  std::string body;  // when OK
  // With a ConditionalCheckFailedException: the item's DynamoDB JSON when the request asked
  // for ReturnValuesOnConditionCheckFailure=ALL_OLD (empty otherwise).
  std::string error_item;
  // The node that ran the request, forwarded or not (0: unknown).
  uint64_t served_by = 0;
};


std::string EncodeRequest(const RequestEnvelope& request);
Result<RequestEnvelope> DecodeRequest(std::string_view frame);

std::string EncodeResponse(const ResponseEnvelope& response);
Result<ResponseEnvelope> DecodeResponse(std::string_view frame);

}  // namespace ddb::proto
