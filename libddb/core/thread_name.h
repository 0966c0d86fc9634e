// Names the calling thread, so that top -H, perf and gdb tell a node's threads apart
// ("raft-loop", "net-proxy", ...).
//
// Thread-safety: names only the calling thread.
#pragma once

namespace ddb {

// `name` is cut to the 15 characters Linux keeps.
void SetThreadName(const char* name);

}  // namespace ddb
