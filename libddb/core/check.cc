#include "libddb/core/check.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

namespace ddb::internal {

void CheckFailed(const char* file, int line, const char* condition, const char* format, ...) {
  char detail[1024] = "";
  if (format != nullptr) {
    va_list args;
    va_start(args, format);
    std::vsnprintf(detail, sizeof(detail), format, args);
    va_end(args);
  }
  std::fprintf(stderr, "ddb: check failed at %s:%d: %s%s%s\n", file, line, condition,
               format != nullptr ? ": " : "", detail);
  std::fflush(stderr);
  // The log may be a file nobody watches on stderr; put the failure there too.
  spdlog::critical("check failed at {}:{}: {} {}", file, line, condition, detail);
  spdlog::shutdown();
  std::abort();
}

}  // namespace ddb::internal
