#include "libddb/core/thread_name.h"

#include <pthread.h>

#include <string>

namespace ddb {

void SetThreadName(const char* name) {
  std::string n(name);
  if (n.size() > 15) n.resize(15);
  pthread_setname_np(pthread_self(), n.c_str());
}

}  // namespace ddb
