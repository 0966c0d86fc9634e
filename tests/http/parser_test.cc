#include "libddb/http/parser.h"

#include <gtest/gtest.h>

#include <string>

namespace ddb::http {
namespace {

using R = RequestParser::Result;

TEST(RequestParserTest, ParsesAPostWithContentLength) {
  RequestParser p;
  std::string in =
      "POST / HTTP/1.1\r\nHost: localhost:8000\r\nX-Amz-Target:  DynamoDB_20120810.ListTables \r\n"
      "Content-Length: 2\r\n\r\n{}";
  ASSERT_EQ(p.Parse(in), R::kComplete);
  EXPECT_EQ(p.consumed(), in.size());
  EXPECT_EQ(p.request().method, "POST");
  EXPECT_EQ(p.request().target, "/");
  EXPECT_EQ(p.request().body, "{}");
  ASSERT_NE(p.request().Find("x-amz-target"), nullptr);
  EXPECT_EQ(*p.request().Find("x-amz-target"), "DynamoDB_20120810.ListTables");
  EXPECT_EQ(p.request().Find("X-Amz-Target"), nullptr) << "lookups use lower-case names";
  EXPECT_TRUE(p.keep_alive());
}

TEST(RequestParserTest, EveryPrefixIsIncompleteAndTheWholeIsComplete) {
  std::string in =
      "POST /x?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
  RequestParser p;
  for (size_t n = 0; n < in.size(); ++n) {
    ASSERT_EQ(p.Parse(std::string_view(in).substr(0, n)), R::kIncomplete) << "prefix " << n;
  }
  ASSERT_EQ(p.Parse(in), R::kComplete);
  EXPECT_EQ(p.request().body, "hello world");
  EXPECT_EQ(p.request().target, "/x?a=1");
}

TEST(RequestParserTest, PipelinedRequestsAreTakenOneAtATime) {
  std::string in = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  RequestParser p;
  ASSERT_EQ(p.Parse(in), R::kComplete);
  EXPECT_EQ(p.request().target, "/a");
  std::string rest = in.substr(p.consumed());
  p.Reset();
  ASSERT_EQ(p.Parse(rest), R::kComplete);
  EXPECT_EQ(p.request().target, "/b");
  EXPECT_EQ(p.consumed(), rest.size());
}

TEST(RequestParserTest, DecodesChunkedBodiesWithExtensionsAndTrailers) {
  std::string in =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
  RequestParser p;
  for (size_t n = 0; n < in.size() - 4; ++n) {
    ASSERT_EQ(p.Parse(std::string_view(in).substr(0, n)), R::kIncomplete) << "prefix " << n;
  }
  ASSERT_EQ(p.Parse(in), R::kComplete);
  EXPECT_EQ(p.request().body, "hello 0123456789");
  EXPECT_EQ(in.substr(p.consumed()), "NEXT");
}

TEST(RequestParserTest, ConnectionHandling) {
  RequestParser p;
  ASSERT_EQ(p.Parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"), R::kComplete);
  EXPECT_FALSE(p.keep_alive());
  p.Reset();
  ASSERT_EQ(p.Parse("GET / HTTP/1.0\r\n\r\n"), R::kComplete);
  EXPECT_FALSE(p.keep_alive()) << "HTTP/1.0 closes unless asked to keep alive";
  p.Reset();
  ASSERT_EQ(p.Parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), R::kComplete);
  EXPECT_TRUE(p.keep_alive());
}

TEST(RequestParserTest, ExpectContinueIsReportedOnceTheHeadersAreIn) {
  RequestParser p;
  std::string head = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  ASSERT_EQ(p.Parse(head.substr(0, 10)), R::kIncomplete);
  EXPECT_FALSE(p.wants_continue());
  ASSERT_EQ(p.Parse(head), R::kIncomplete);
  EXPECT_TRUE(p.wants_continue());
  ASSERT_EQ(p.Parse(head + "abc"), R::kComplete);
}

struct BadCase {
  std::string input;
  int status;
};

TEST(RequestParserTest, RefusesMalformedRequestsWithTheRightStatus) {
  ParserLimits small;
  small.max_header_bytes = 200;
  small.max_body_bytes = 10;
  const BadCase cases[] = {
      {"GARBAGE\r\n\r\n", 400},
      {"GET  / HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/2.0\r\n\r\n", 505},
      {"GET / FTP/1.0\r\n\r\n", 400},
      {"GE T / HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nBad Name: b\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n", 413},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY", 400},
      {"GET / HTTP/1.1\r\nX: " + std::string(300, 'a') + "\r\n\r\n", 431},
      {"GET / HTTP/1.1\r\nX: " + std::string(300, 'a'), 431},
      {"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n", 400},
  };
  for (const BadCase& c : cases) {
    RequestParser p(small);
    EXPECT_EQ(p.Parse(c.input), R::kError) << c.input;
    EXPECT_EQ(p.error_status(), c.status) << c.input << " -> " << p.error();
    EXPECT_FALSE(p.error().empty());
    EXPECT_FALSE(p.keep_alive());
  }
}

TEST(RequestParserTest, ChunkedBodiesAreBoundedAndDecodedIncrementally) {
  ParserLimits limits;
  limits.max_header_bytes = 1000;
  limits.max_body_bytes = 100;
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  {  // endless trailers
    RequestParser p(limits);
    std::string in = head + "0\r\n";
    RequestParser::Result r = R::kIncomplete;
    for (int i = 0; i < 500 && r == R::kIncomplete; ++i) {
      in += "a: b\r\n";
      r = p.Parse(in);
    }
    EXPECT_EQ(r, R::kError);
    EXPECT_EQ(p.error_status(), 431);
  }
  {  // a complete size line with an endless extension
    ParserLimits wide = limits;
    wide.max_body_bytes = 100000;
    RequestParser p(wide);
    EXPECT_EQ(p.Parse(head + "1;" + std::string(5000, 'x') + "\r\nx\r\n"), R::kError);
    EXPECT_EQ(p.error_status(), 400);
  }
  {  // framing far beyond the body: refused before it is buffered without limit
    RequestParser p(limits);
    std::string in = head;
    RequestParser::Result r = R::kIncomplete;
    for (int i = 0; i < 2000 && r == R::kIncomplete; ++i) {
      in += "0001\r\nx\r\n";
      r = p.Parse(in);
    }
    EXPECT_EQ(r, R::kError);
    EXPECT_EQ(p.error_status(), 413);
  }
  {  // fed a byte at a time, still decoded exactly
    RequestParser p(limits);
    std::string in = head + "3 ;ext\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n";
    size_t n = head.size();
    while (n < in.size() && p.Parse(std::string_view(in).substr(0, n)) == R::kIncomplete) ++n;
    ASSERT_EQ(n, in.size());
    ASSERT_EQ(p.Parse(in), R::kComplete);
    EXPECT_EQ(p.request().body, "abcde");
    EXPECT_EQ(p.consumed(), in.size());
  }
}

TEST(RequestParserTest, LeadingEmptyLinesAreSkipped) {
  RequestParser p;
  std::string in = "\r\n\r\nGET / HTTP/1.1\r\n\r\n";
  ASSERT_EQ(p.Parse(in), R::kComplete);
  EXPECT_EQ(p.consumed(), in.size());
}

}  // namespace
}  // namespace ddb::http
