// Frames of the wire protocol: round trips, and that damaged frames are refused cleanly.
#include "libddb/proto/codec.h"

#include <random>

#include <gtest/gtest.h>

#include "libddb/core/coding.h"
#include "libddb/core/crc32c.h"

namespace ddb::proto {
namespace {

TEST(ProtoCodecTest, RequestRoundTrip) {
  RequestEnvelope r{42, 1234567890123ull, "PutItem", std::string("{\"TableName\":\"t\"}\0x", 19), 2};
  Result<RequestEnvelope> back = DecodeRequest(EncodeRequest(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, 42u);
  EXPECT_EQ(back->deadline_unix_micros, 1234567890123ull);
  EXPECT_EQ(back->operation, "PutItem");
  EXPECT_EQ(back->body, r.body);
  EXPECT_EQ(back->hops, 2);
}

TEST(ProtoCodecTest, ResponseRoundTripOkAndError) {
  ResponseEnvelope ok{7, Status::OK(), "{}"};
  Result<ResponseEnvelope> back = DecodeResponse(EncodeResponse(ok));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->id, 7u);
  EXPECT_TRUE(back->status.ok());
  EXPECT_EQ(back->body, "{}");
  ResponseEnvelope err{8, Status::ConditionalCheckFailed(), "", "{\"pk\":{\"S\":\"a\"}}"};
  back = DecodeResponse(EncodeResponse(err));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->error_item, err.error_item);
  EXPECT_EQ(back->status.code(), Code::kConditionalCheckFailed);
  EXPECT_EQ(back->status.message(), "The conditional request failed");
}

TEST(ProtoCodecTest, DamagedFramesAreRefused) {
  std::string frame = EncodeRequest({1, 0, "GetItem", "{\"Key\":{}}"});
  EXPECT_EQ(DecodeRequest("").status().message(), "malformed ddb frame: bad magic");
  EXPECT_EQ(DecodeRequest("XXXX" + frame.substr(4)).status().message(),
            "malformed ddb frame: bad magic");
  EXPECT_EQ(DecodeRequest(frame.substr(0, frame.size() - 8)).status().message(),
            "malformed ddb frame: checksum mismatch");
  // Every single-bit flip is caught, never decoded into a different request.
  for (size_t i = 0; i < frame.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = frame;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      Result<RequestEnvelope> r = DecodeRequest(bad);
      ASSERT_FALSE(r.ok()) << i << ":" << bit;
      ASSERT_EQ(r.status().code(), Code::kSerialization);
    }
  }
}

TEST(ProtoCodecTest, GarbageBehindAValidChecksumDoesNotCrash) {
  // Random words behind a correct header: Cap'n Proto's own bounds checks must refuse them
  // (or read something harmless), never crash or run away.
  std::mt19937 rng(7);
  int refused = 0;
  for (int n = 0; n < 5000; ++n) {
    std::string body((1 + rng() % 16) * 8, '\0');
    for (char& c : body) c = static_cast<char>(rng());
    std::string frame = "DDB1";
    PutFixed32LE(&frame, crc32c::Mask(crc32c::Value(body)));
    frame += body;
    Result<RequestEnvelope> r = DecodeRequest(frame);
    if (!r.ok()) {
      ASSERT_EQ(r.status().code(), Code::kSerialization);
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace ddb::proto
