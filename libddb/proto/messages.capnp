# Messages between ddb processes (DESIGN.md section 7).
#
# A client request carries a DynamoDB operation with its body in the DynamoDB JSON API's own
# shape, so the ddb-* commands and ddb-gateway share one request path and one set of
# semantics with the HTTP API. Each message travels in one ZeroMQ frame behind a small header
# with a CRC-32C (see codec.h).
@0xb29188fa40402e46;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ddb::proto::schema");

struct Request {
  id @0 :UInt64;                  # chosen by the client, echoed in the response
  deadlineUnixMicros @1 :UInt64;  # absolute wall-clock deadline; 0 = none
  operation @2 :Text;             # "PutItem", "Query", ...
  body @3 :Data;                  # the request, DynamoDB JSON
  hops @4 :UInt8;                 # times a node forwarded it to another (routing)
}

struct Response {
  id @0 :UInt64;
  union {
    body @1 :Data;                # the response, DynamoDB JSON
    error @2 :Error;
  }
  servedBy @3 :UInt64;            # the node that ran the request (0: none did, or unknown),
                                  # so a client can send the table's next write there
}

struct Error {
  name @0 :Text;                  # DynamoDB's exception name, "ValidationException", ...
  message @1 :Text;
  item @2 :Data;                  # ConditionalCheckFailedException with
                                  # ReturnValuesOnConditionCheckFailure=ALL_OLD: the item, JSON
}
