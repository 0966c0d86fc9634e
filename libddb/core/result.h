// Result<T>: either a value of type T or a non-OK Status.
//
// Thread-safety: a value type, like Status.
#pragma once

#include <optional>
#include <utility>

#include "libddb/core/check.h"
#include "libddb/core/status.h"

namespace ddb {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit from a value or from an error, so `return value;` and `return status;` both work.
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    DDB_CHECK_MSG(!status_.ok(), "Result constructed from an OK status without a value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  const T& value() const& {
    DDB_CHECK_MSG(ok(), "Result::value() on error: %s", status_.ToString().c_str());
    return *value_;
  }
  T& value() & {
    DDB_CHECK_MSG(ok(), "Result::value() on error: %s", status_.ToString().c_str());
    return *value_;
  }
  T&& value() && {
    DDB_CHECK_MSG(ok(), "Result::value() on error: %s", status_.ToString().c_str());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace ddb

#define DDB_CONCAT_INNER_(a, b) a##b
#define DDB_CONCAT_(a, b) DDB_CONCAT_INNER_(a, b)

// DDB_ASSIGN_OR_RETURN(auto x, Expr()): evaluates a Result; returns its Status on error,
// otherwise moves its value into the declaration on the left.
#define DDB_ASSIGN_OR_RETURN(lhs, expr) \
  DDB_ASSIGN_OR_RETURN_IMPL_(DDB_CONCAT_(ddb_result_, __LINE__), lhs, expr)
#define DDB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
