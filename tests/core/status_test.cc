// Status and Result: DynamoDB names, HTTP codes, and the propagation macros.
#include "libddb/core/status.h"

#include <gtest/gtest.h>

#include "libddb/core/result.h"

namespace ddb {
namespace {

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status().ok());
  EXPECT_EQ(Status::OK().ToString(), "OK");
  Status s = Status::Validation("bad");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ErrorName(), "ValidationException");
  EXPECT_EQ(s.HttpStatus(), 400);
  EXPECT_EQ(s.ToString(), "ValidationException: bad");
  EXPECT_EQ(s.WithContext("line 3").ToString(), "ValidationException: line 3: bad");
  EXPECT_EQ(Status::ConditionalCheckFailed().message(), "The conditional request failed");
}

TEST(StatusTest, NamesRoundTripAndInternalCodesHide) {
  for (int c = 1; c <= static_cast<int>(Code::kServiceUnavailable); ++c) {
    Code code = static_cast<Code>(c);
    EXPECT_EQ(Status::CodeFromName(Status::CodeName(code)), code) << Status::CodeName(code);
  }
  // Internal codes surface as InternalServerError (HTTP 500), but stay distinct in logs.
  EXPECT_EQ(Status::Corruption("x").ErrorName(), "InternalServerError");
  EXPECT_EQ(Status::Corruption("x").HttpStatus(), 500);
  EXPECT_EQ(Status::Corruption("x").ToString(), "InternalServerError (corruption): x");
  EXPECT_EQ(Status::CodeFromName("NoSuchThing"), Code::kInternalServerError);
  EXPECT_TRUE(Status(Code::kProvisionedThroughputExceeded, "").IsRetryable());
  EXPECT_FALSE(Status::Validation("").IsRetryable());
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::Validation(std::to_string(x) + " is odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  DDB_ASSIGN_OR_RETURN(int h, Half(x));
  DDB_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  DDB_RETURN_IF_ERROR(Half(x).status());
  return Status::OK();
}

TEST(ResultTest, Propagation) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "3 is odd");
  EXPECT_TRUE(CheckEven(2).ok());
  EXPECT_EQ(CheckEven(3).message(), "3 is odd");
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> r = Status::Validation("nope");
  EXPECT_DEATH((void)r.value(), "check failed.*nope");
  EXPECT_DEATH(DDB_CHECK(1 + 1 == 3), "check failed.*1 \\+ 1 == 3");
}

}  // namespace
}  // namespace ddb
