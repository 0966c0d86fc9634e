// WriteBatch: BatchWriteItem as DynamoDB asks clients to use it: what comes back as
// UnprocessedItems is sent again, with jittered exponential backoff, until everything is
// written or patience runs out.
//
// Thread-safety: as Session (one per thread).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "libddb/client/session.h"
#include "libddb/core/result.h"

namespace ddb::client {

// Writes `requests` (at most 25 WriteRequest JSON objects, {"PutRequest":...} or
// {"DeleteRequest":...}) to `table`. OK once all are written; the node's error if a call
// fails; ServiceUnavailable naming how many are left if some stay unprocessed for `patience`.
Status WriteBatch(Session& session, const std::string& table, std::vector<std::string> requests,
                  std::chrono::milliseconds patience = std::chrono::seconds(30));

}  // namespace ddb::client
