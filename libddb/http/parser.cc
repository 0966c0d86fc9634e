#include "libddb/http/parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ddb::http {

namespace {

bool IsTokenChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// True if the comma-separated header value lists `token` (case-insensitively).
bool ListsToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    if (Lower(item) == token) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

bool ParseSize(std::string_view s, int base, size_t* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

void RequestParser::Reset() {
  request_ = Request();
  scanned_ = 0;
  headers_done_ = false;
  body_start_ = 0;
  chunked_ = false;
  chunk_pos_ = 0;
  chunk_body_.clear();
  in_trailers_ = false;
  trailers_start_ = 0;
  content_length_ = 0;
  keep_alive_ = true;
  expect_continue_ = false;
  consumed_ = 0;
  error_status_ = 400;
  error_.clear();
}

RequestParser::Result RequestParser::Fail(int status, std::string why) {
  error_status_ = status;
  error_ = std::move(why);
  keep_alive_ = false;
  return Result::kError;
}

RequestParser::Result RequestParser::Parse(std::string_view buffer) {
  if (!headers_done_) {
    // Clients may send empty lines between requests (RFC 9112 section 2.2).
    size_t skip = 0;
    while (skip + 1 < buffer.size() && buffer[skip] == '\r' && buffer[skip + 1] == '\n') skip += 2;
    size_t from = scanned_ > skip + 3 ? scanned_ - 3 : skip;
    size_t end = buffer.find("\r\n\r\n", from);
    if (end == std::string_view::npos) {
      scanned_ = buffer.size();
      if (buffer.size() > limits_.max_header_bytes) {
        return Fail(431, "request headers exceed " + std::to_string(limits_.max_header_bytes) +
                             " bytes");
      }
      return Result::kIncomplete;
    }
    if (end - skip > limits_.max_header_bytes) {
      return Fail(431, "request headers exceed " + std::to_string(limits_.max_header_bytes) +
                           " bytes");
    }
    Result r = ParseHead(buffer.substr(skip, end - skip));
    if (r == Result::kError) return r;
    headers_done_ = true;
    body_start_ = end + 4;
  }
  if (chunked_) return ParseChunked(buffer);
  if (buffer.size() - body_start_ < content_length_) return Result::kIncomplete;
  request_.body.assign(buffer.substr(body_start_, content_length_));
  consumed_ = body_start_ + content_length_;
  return Result::kComplete;
}

RequestParser::Result RequestParser::ParseHead(std::string_view head) {
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  // Request line: METHOD SP TARGET SP HTTP/1.x
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    return Fail(400, "malformed request line");
  }
  std::string_view method = line.substr(0, sp1);
  if (!std::all_of(method.begin(), method.end(), IsTokenChar)) {
    return Fail(400, "malformed request method");
  }
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." || !std::isdigit(static_cast<unsigned char>(version[7]))) {
    if (version.substr(0, 5) == "HTTP/") return Fail(505, "only HTTP/1.x is supported");
    return Fail(400, "malformed HTTP version");
  }
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return Fail(400, "malformed request target");
  }
  request_.method.assign(method);
  request_.target.assign(target);
  request_.version_minor = version[7] - '0';
  keep_alive_ = request_.version_minor >= 1;

  bool have_length = false;
  std::string_view rest = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
  while (!rest.empty()) {
    size_t eol = rest.find("\r\n");
    std::string_view h = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
    if (!h.empty() && (h.front() == ' ' || h.front() == '\t')) {
      return Fail(400, "obsolete header line folding is not accepted");
    }
    size_t colon = h.find(':');
    if (colon == 0 || colon == std::string_view::npos) return Fail(400, "malformed header line");
    std::string_view name = h.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return Fail(400, "malformed header name");
    }
    std::string_view value = Trim(h.substr(colon + 1));
    for (char c : value) {
      if ((static_cast<unsigned char>(c) < ' ' && c != '\t') || c == 0x7f) {
        return Fail(400, "control character in a header value");
      }
    }
    Header header{Lower(name), std::string(value)};
    if (header.name == "content-length") {
      size_t n = 0;
      if (!ParseSize(value, 10, &n) || (have_length && n != content_length_)) {
        return Fail(400, "bad Content-Length");
      }
      have_length = true;
      content_length_ = n;
    } else if (header.name == "transfer-encoding") {
      if (Lower(value) != "chunked") return Fail(501, "unsupported Transfer-Encoding " + header.value);
      chunked_ = true;
    } else if (header.name == "connection") {
      if (ListsToken(value, "close")) keep_alive_ = false;
      if (ListsToken(value, "keep-alive")) keep_alive_ = true;
    } else if (header.name == "expect") {
      if (Lower(value) != "100-continue") return Fail(400, "unsupported Expect " + header.value);
      expect_continue_ = request_.version_minor >= 1;
    }
    request_.headers.push_back(std::move(header));
  }
  if (chunked_ && have_length) return Fail(400, "both Content-Length and Transfer-Encoding");
  if (content_length_ > limits_.max_body_bytes) {
    return Fail(413, "request body of " + std::to_string(content_length_) + " bytes exceeds " +
                         std::to_string(limits_.max_body_bytes));
  }
  return Result::kIncomplete;
}

RequestParser::Result RequestParser::ParseChunked(std::string_view buffer) {
  // Incremental: each call decodes only what arrived since the last one. Bounded: a size line
  // (with its extensions) of at most kMaxLineBytes, trailers within the header limit, and
  // framing overhead at most the body limit again (1-byte chunks cost 6 raw bytes each).
  constexpr size_t kMaxLineBytes = 1024;
  if (chunk_pos_ == 0) chunk_pos_ = body_start_;
  if (buffer.size() - body_start_ > 2 * limits_.max_body_bytes + limits_.max_header_bytes) {
    return Fail(413, "chunked request body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
  }
  while (!in_trailers_) {
    size_t eol = buffer.find("\r\n", chunk_pos_);
    if (eol == std::string_view::npos || eol - chunk_pos_ > kMaxLineBytes) {
      if (buffer.size() - chunk_pos_ > kMaxLineBytes) return Fail(400, "malformed chunk size line");
      return Result::kIncomplete;
    }
    std::string_view size_line = buffer.substr(chunk_pos_, eol - chunk_pos_);
    size_line = size_line.substr(0, size_line.find(';'));  // drop chunk extensions
    while (!size_line.empty() && (size_line.back() == ' ' || size_line.back() == '\t')) {
      size_line.remove_suffix(1);  // whitespace before an extension (RFC 9112 BWS)
    }
    size_t size = 0;
    if (!ParseSize(size_line, 16, &size)) return Fail(400, "malformed chunk size");
    if (size == 0) {
      chunk_pos_ = eol + 2;
      trailers_start_ = chunk_pos_;
      in_trailers_ = true;
      break;
    }
    if (size > limits_.max_body_bytes || chunk_body_.size() + size > limits_.max_body_bytes) {
      return Fail(413, "request body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
    }
    if (buffer.size() - (eol + 2) < size + 2) return Result::kIncomplete;
    if (buffer.substr(eol + 2 + size, 2) != "\r\n") return Fail(400, "chunk not followed by CRLF");
    chunk_body_.append(buffer.substr(eol + 2, size));
    chunk_pos_ = eol + 2 + size + 2;
  }
  // Trailer fields, then an empty line; all of them within the header limit.
  const size_t trailers_start = trailers_start_;
  for (;;) {
    size_t eol = buffer.find("\r\n", chunk_pos_);
    if (eol == std::string_view::npos) {
      if (buffer.size() - trailers_start > limits_.max_header_bytes) return Fail(431, "trailers too large");
      return Result::kIncomplete;
    }
    bool empty = eol == chunk_pos_;
    chunk_pos_ = eol + 2;
    if (chunk_pos_ - trailers_start > limits_.max_header_bytes) return Fail(431, "trailers too large");
    if (empty) break;
  }
  request_.body = std::move(chunk_body_);
  consumed_ = chunk_pos_;
  return Result::kComplete;
}

}  // namespace ddb::http
