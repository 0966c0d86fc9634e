// RequestParser: HTTP/1.1 request framing for the gateway's server.
//
// The server appends the bytes it reads to a connection buffer and asks the parser whether the
// buffer now begins with a whole request. Header and body sizes are bounded, so a client cannot
// make the server buffer without limit. Supports Content-Length and chunked bodies (trailers are
// read and dropped), and tells whether the connection stays open after the request.
//
// Thread-safety: a parser is used by one thread at a time (one per connection).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "libddb/http/request.h"

namespace ddb::http {

struct ParserLimits {
  size_t max_header_bytes = 64 * 1024;        // request line and headers
  size_t max_body_bytes = 16 * 1024 * 1024;   // DynamoDB's largest request is 16 MB
};

class RequestParser {
 public:
  enum class Result {
    kIncomplete,  // more bytes are needed
    kComplete,    // request() holds a request; consumed() bytes of the buffer were used
    kError,       // the bytes are not an acceptable request: answer error_status() and close
  };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  // Tries to parse one request from the start of `buffer` (all bytes read so far and not yet
  // consumed). Cheap to call again with the same buffer grown: the header scan resumes where
  // it stopped.
  Result Parse(std::string_view buffer);

  // After kComplete: the request, and how many bytes of the buffer it took.
  Request& request() { return request_; }
  size_t consumed() const { return consumed_; }
  // After kComplete: whether the client expects the connection to stay open.
  bool keep_alive() const { return keep_alive_; }
  // After kIncomplete: whether the headers are in and ask for "100 Continue" (not yet sent).
  bool wants_continue() const { return headers_done_ && expect_continue_; }

  // After kError: the HTTP status to answer (400, 413, 431, 501, 505) and why.
  int error_status() const { return error_status_; }
  const std::string& error() const { return error_; }

  // Forgets the last request; call before parsing the next one on the same connection.
  void Reset();

 private:
  Result Fail(int status, std::string why);
  Result ParseHead(std::string_view head);
  Result ParseChunked(std::string_view buffer);

  ParserLimits limits_;
  Request request_;
  size_t scanned_ = 0;          // bytes searched for the end of the headers so far
  bool headers_done_ = false;
  size_t body_start_ = 0;
  bool chunked_ = false;
  // Chunked decoding resumes where the last call stopped: the next unread byte of the buffer,
  // the body so far, and whether the chunks are done (trailers follow).
  size_t chunk_pos_ = 0;
  std::string chunk_body_;
  bool in_trailers_ = false;
  size_t trailers_start_ = 0;
  size_t content_length_ = 0;
  bool keep_alive_ = true;
  bool expect_continue_ = false;
  size_t consumed_ = 0;
  int error_status_ = 400;
  std::string error_;
};

// The reason phrase for an HTTP status code ("OK", "Bad Request", ...).
std::string_view ReasonPhrase(int status);

}  // namespace ddb::http
