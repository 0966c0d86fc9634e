// DDB_CHECK: abort loudly on a broken invariant.
//
// A failed check means the program's own state is wrong (not the user's input): ddb never runs
// on after corruption. The failure is written to stderr and to the log, then the process aborts
// so that a core dump or the supervisor's restart takes over.
#pragma once

namespace ddb::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const char* format, ...) __attribute__((format(printf, 4, 5)));
}  // namespace ddb::internal

#define DDB_CHECK(cond)                                                   \
  do {                                                                    \
    if (__builtin_expect(!(cond), 0))                                     \
      ::ddb::internal::CheckFailed(__FILE__, __LINE__, #cond, nullptr);  \
  } while (0)

#define DDB_CHECK_MSG(cond, ...)                                              \
  do {                                                                        \
    if (__builtin_expect(!(cond), 0))                                         \
      ::ddb::internal::CheckFailed(__FILE__, __LINE__, #cond, __VA_ARGS__);   \
  } while (0)
