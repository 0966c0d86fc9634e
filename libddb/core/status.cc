#include "libddb/core/status.h"

#include <array>

namespace ddb {

namespace {

struct CodeInfo {
  Code code;
  std::string_view name;
  int http;
  bool retryable;
};

constexpr std::array kCodes = {
    CodeInfo{Code::kOk, "OK", 200, false},
    CodeInfo{Code::kValidation, "ValidationException", 400, false},
    CodeInfo{Code::kResourceNotFound, "ResourceNotFoundException", 400, false},
    CodeInfo{Code::kResourceInUse, "ResourceInUseException", 400, false},
    CodeInfo{Code::kConditionalCheckFailed, "ConditionalCheckFailedException", 400, false},
    CodeInfo{Code::kProvisionedThroughputExceeded, "ProvisionedThroughputExceededException", 400,
             true},
    CodeInfo{Code::kRequestLimitExceeded, "RequestLimitExceeded", 400, true},
    CodeInfo{Code::kThrottling, "ThrottlingException", 400, true},
    CodeInfo{Code::kLimitExceeded, "LimitExceededException", 400, false},
    CodeInfo{Code::kItemCollectionSizeLimitExceeded, "ItemCollectionSizeLimitExceededException",
             400, false},
    CodeInfo{Code::kTransactionCanceled, "TransactionCanceledException", 400, false},
    CodeInfo{Code::kTransactionConflict, "TransactionConflictException", 400, true},
    CodeInfo{Code::kTransactionInProgress, "TransactionInProgressException", 400, true},
    CodeInfo{Code::kIdempotentParameterMismatch, "IdempotentParameterMismatchException", 400,
             false},
    CodeInfo{Code::kTableAlreadyExists, "TableAlreadyExistsException", 400, false},
    CodeInfo{Code::kTableNotFound, "TableNotFoundException", 400, false},
    CodeInfo{Code::kBackupNotFound, "BackupNotFoundException", 400, false},
    CodeInfo{Code::kBackupInUse, "BackupInUseException", 400, false},
    CodeInfo{Code::kUnrecognizedClient, "UnrecognizedClientException", 400, false},
    CodeInfo{Code::kInvalidSignature, "InvalidSignatureException", 400, false},
    CodeInfo{Code::kMissingAuthenticationToken, "MissingAuthenticationTokenException", 400,
             false},
    CodeInfo{Code::kIncompleteSignature, "IncompleteSignatureException", 400, false},
    CodeInfo{Code::kAccessDenied, "AccessDeniedException", 400, false},
    CodeInfo{Code::kSerialization, "SerializationException", 400, false},
    CodeInfo{Code::kUnknownOperation, "UnknownOperationException", 400, false},
    CodeInfo{Code::kInternalServerError, "InternalServerError", 500, true},
    CodeInfo{Code::kServiceUnavailable, "ServiceUnavailable", 503, true},
    CodeInfo{Code::kCorruption, "InternalServerError", 500, false},
    CodeInfo{Code::kIOError, "InternalServerError", 500, true},
    CodeInfo{Code::kNotFound, "InternalServerError", 500, false},
};

const CodeInfo& Info(Code code) {
  for (const CodeInfo& info : kCodes) {
    if (info.code == code) return info;
  }
  return kCodes[static_cast<size_t>(Code::kInternalServerError)];
}

}  // namespace

std::string_view Status::CodeName(Code code) { return Info(code).name; }

Code Status::CodeFromName(std::string_view name) {
  for (const CodeInfo& info : kCodes) {
    if (info.name == name) return info.code;
  }
  return Code::kInternalServerError;
}

int Status::HttpStatus() const { return Info(code_).http; }

bool Status::IsRetryable() const { return Info(code_).retryable; }

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(ErrorName());
  switch (code_) {  // Make internal codes distinguishable in logs.
    case Code::kCorruption: out += " (corruption)"; break;
    case Code::kIOError: out += " (I/O error)"; break;
    case Code::kNotFound: out += " (not found)"; break;
    default: break;
  }
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Status(code_, std::move(msg));
}

}  // namespace ddb
