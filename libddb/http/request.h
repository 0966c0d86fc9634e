// HTTP/1.1 messages as the gateway sees them: a parsed request and the response to send.
//
// Thread-safety: plain values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ddb::http {

struct Header {
  std::string name;   // lower case
  std::string value;  // without surrounding spaces and tabs
};

struct Request {
  std::string method;             // "POST", "GET", ...
  std::string target;             // as sent on the request line: path[?query]
  int version_minor = 1;          // HTTP/1.<version_minor>
  std::vector<Header> headers;    // in the order received
  std::string body;               // as received, after removing chunked transfer coding
                                  // (still gzip-encoded if Content-Encoding says so)

  // The value of the first header named `name` (lower case), or null.
  const std::string* Find(std::string_view name) const {
    for (const Header& h : headers) {
      if (h.name == name) return &h.value;
    }
    return nullptr;
  }
};

struct Response {
  int status = 200;
  std::vector<Header> headers;  // Content-Length and Connection are added by the server
  std::string body;
};

}  // namespace ddb::http
