// Status: the result of an operation that can fail, carrying DynamoDB's error name.
//
// Errors are values in ddb: every call that can fail returns a Status (or a Result<T>, see
// result.h). A Status is either OK or an error code plus a human-readable message. The codes
// are DynamoDB's exception names, so an error raised deep in the storage layer reaches a
// command's stderr or the gateway's JSON body without translation tables on the way; only the
// edge (gateway, command) formats it for the wire.
//
// Thread-safety: a Status is a value; distinct objects may be used from distinct threads, and
// const methods may be called concurrently.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace ddb {

// Error codes. Each maps to one DynamoDB exception name (see ErrorName()). Codes that have no
// DynamoDB counterpart (kCorruption, kIOError, kNotFound) are internal and surface to clients
// as InternalServerError.
enum class Code : unsigned char {
  kOk = 0,
  // Client errors (HTTP 400).
  kValidation,                     // ValidationException
  kResourceNotFound,               // ResourceNotFoundException
  kResourceInUse,                  // ResourceInUseException
  kConditionalCheckFailed,         // ConditionalCheckFailedException
  kProvisionedThroughputExceeded,  // ProvisionedThroughputExceededException
  kRequestLimitExceeded,           // RequestLimitExceeded
  kThrottling,                     // ThrottlingException
  kLimitExceeded,                  // LimitExceededException
  kItemCollectionSizeLimitExceeded,
  kTransactionCanceled,            // TransactionCanceledException
  kTransactionConflict,            // TransactionConflictException
  kTransactionInProgress,          // TransactionInProgressException
  kIdempotentParameterMismatch,    // IdempotentParameterMismatchException
  kTableAlreadyExists,             // TableAlreadyExistsException
  kTableNotFound,                  // TableNotFoundException
  kBackupNotFound,                 // BackupNotFoundException
  kBackupInUse,                    // BackupInUseException
  kUnrecognizedClient,             // UnrecognizedClientException
  kInvalidSignature,               // InvalidSignatureException
  kMissingAuthenticationToken,     // MissingAuthenticationTokenException
  kIncompleteSignature,            // IncompleteSignatureException
  kAccessDenied,                   // AccessDeniedException
  kSerialization,                  // SerializationException
  kUnknownOperation,               // UnknownOperationException
  // Server errors (HTTP 500 / 503).
  kInternalServerError,            // InternalServerError
  kServiceUnavailable,             // ServiceUnavailable
  // Internal codes.
  kCorruption,                     // stored or received bytes fail their checksum or format
  kIOError,                        // the operating system refused a file or socket operation
  kNotFound,                       // a lookup found nothing (not an error for DynamoDB)
};

class Status {
 public:
  // Creates an OK status.
  Status() noexcept = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status Validation(std::string msg) { return Status(Code::kValidation, std::move(msg)); }
  static Status ResourceNotFound(std::string msg) {
    return Status(Code::kResourceNotFound, std::move(msg));
  }
  static Status ResourceInUse(std::string msg) {
    return Status(Code::kResourceInUse, std::move(msg));
  }
  static Status ConditionalCheckFailed(std::string msg = "The conditional request failed") {
    return Status(Code::kConditionalCheckFailed, std::move(msg));
  }
  static Status Serialization(std::string msg) {
    return Status(Code::kSerialization, std::move(msg));
  }
  static Status Internal(std::string msg) {
    return Status(Code::kInternalServerError, std::move(msg));
  }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  bool IsValidation() const { return code_ == Code::kValidation; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }

  // DynamoDB's exception name for this status ("ValidationException", ...). Internal codes
  // map to "InternalServerError". "OK" for an OK status.
  std::string_view ErrorName() const { return CodeName(code_); }
  // The HTTP status DynamoDB answers with for this error (200 for OK).
  int HttpStatus() const;
  // True for errors a client should retry with backoff (throttling, 5xx).
  bool IsRetryable() const;

  // "ValidationException: message" (or "OK"). For logs and command stderr.
  std::string ToString() const;

  // Returns a copy of this status whose message is prefixed with `context` and ": ".
  Status WithContext(std::string_view context) const;

  static std::string_view CodeName(Code code);
  // Inverse of CodeName for DynamoDB names; kInternalServerError for unknown names.
  static Code CodeFromName(std::string_view name);

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace ddb

// Evaluates `expr` (a Status); returns it from the enclosing function if it is not OK.
#define DDB_RETURN_IF_ERROR(expr)                   \
  do {                                              \
    ::ddb::Status ddb_status_tmp_ = (expr);         \
    if (!ddb_status_tmp_.ok()) return ddb_status_tmp_; \
  } while (0)
