#include "libddb/gateway/gateway.h"

#include <zlib.h>

#include <ctime>
#include <random>

#include "libddb/gateway/sigv4.h"
#include "libddb/model/json_writer.h"

namespace ddb::gateway {

namespace {

// DynamoDB's largest request body (BatchWriteItem's 16 MB), also the limit after inflating.
constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;

int64_t SystemNow() { return static_cast<int64_t>(std::time(nullptr)); }

// 52 characters from [A-Z0-9], the shape of DynamoDB's request ids.
std::string NewRequestId() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(52, ' ');
  uint64_t bits = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i % 10 == 0) bits = rng();
    id[i] = kAlphabet[bits % 36];
    bits /= 36;
  }
  return id;
}

std::string HttpDate() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

// The operation named by X-Amz-Target, or UnknownOperationException. Only DynamoDB's own
// operation names pass: the nodes' internal operations ("ddb.NodeStatus") are not public.
Result<std::string> TargetOperation(const http::Request& request) {
  const std::string* target = request.Find("x-amz-target");
  Status unknown(Code::kUnknownOperation, "An unknown operation was requested.");
  if (target == nullptr || target->rfind(kTargetPrefix, 0) != 0) return unknown;
  std::string op = target->substr(kTargetPrefix.size());
  if (op.empty() || op.size() > 64) return unknown;
  for (char c : op) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return unknown;
  }
  return op;
}

}  // namespace

std::string ErrorType(const Status& status) {
  std::string_view name = status.ErrorName();
  switch (status.code()) {
    case Code::kValidation:
      return "com.amazon.coral.validate#" + std::string(name);
    case Code::kUnknownOperation:
    case Code::kSerialization:
    case Code::kMissingAuthenticationToken:
    case Code::kIncompleteSignature:
    case Code::kInvalidSignature:
    case Code::kUnrecognizedClient:
    case Code::kAccessDenied:
      return "com.amazon.coral.service#" + std::string(name);
    default:
      return "com.amazonaws.dynamodb.v20120810#" + std::string(name);
  }
}

http::Response ErrorResponse(const Status& status, std::string_view item) {
  http::Response r;
  r.status = status.HttpStatus();
  r.body = "{\"__type\":";
  json::AppendString(ErrorType(status), &r.body);
  r.body += ",\"message\":";
  json::AppendString(status.message(), &r.body);
  if (!item.empty()) {
    r.body += ",\"Item\":";
    r.body += item;
  }
  r.body += '}';
  return r;
}

void FinishResponse(http::Response* response) {
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(response->body.data()),
                    static_cast<uInt>(response->body.size()));
  response->headers.push_back({"x-amzn-RequestId", NewRequestId()});
  response->headers.push_back({"x-amz-crc32", std::to_string(crc)});
  bool has_type = false;
  for (const http::Header& h : response->headers) has_type |= h.name == "Content-Type";
  if (!has_type) response->headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
  response->headers.push_back({"Date", HttpDate()});
}

Result<std::string> Gunzip(std::string_view data, size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Status::Internal("inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return Status::Serialization("The request body is not valid gzip data");
    }
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&z);
      return Status::Validation("The inflated request body exceeds " + std::to_string(max_bytes) + " bytes");
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      return Status::Serialization("The request body is truncated gzip data");
    }
  }
  inflateEnd(&z);
  return out;
}

Gateway::Gateway(cluster::ClusterConfig config, GatewayOptions options)
    : config_(std::move(config)), options_(std::move(options)) {}

std::optional<http::Response> Gateway::Prepare(http::Request& request, std::string* operation,
                                               std::string* body) {
  std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
  if (request.method == "GET" && path == "/") {
    http::Response response;
    response.headers.push_back({"Content-Type", "text/plain"});
    response.body = "healthy: ddb-gateway";
    FinishResponse(&response);
    return response;
  }
  auto fail = [&](const Status& s) {
    http::Response r = ErrorResponse(s);
    FinishResponse(&r);
    return r;
  };
  if (request.method != "POST") {
    return fail(Status(Code::kUnknownOperation, "An unknown operation was requested."));
  }
  int64_t now = options_.now_unix_seconds ? options_.now_unix_seconds() : SystemNow();
  Result<SigV4Identity> identity = VerifySigV4(request, config_.access_keys, now);
  if (!identity.ok()) return fail(identity.status());
  Result<std::string> op = TargetOperation(request);
  if (!op.ok()) return fail(op.status());
  *operation = std::move(op).value();
  if (const std::string* header = request.Find("content-encoding"); header != nullptr) {
    std::string encoding = *header;
    for (char& ch : encoding) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (encoding == "gzip") {
      Result<std::string> r = Gunzip(request.body, kMaxBodyBytes);
      if (!r.ok()) return fail(r.status());
      *body = std::move(r).value();
      return std::nullopt;
    }
    if (encoding != "identity") {
      return fail(Status::Serialization("Unsupported Content-Encoding: " + *header));
    }
  }
  *body = std::move(request.body);
  return std::nullopt;
}

http::Response Gateway::Answer(Result<std::string> result, const std::string& error_item) {
  http::Response response;
  if (result.ok()) {
    response.body = std::move(result).value();
  } else {
    response = ErrorResponse(result.status(), error_item);
  }
  FinishResponse(&response);
  return response;
}

Status Gateway::Connect() {
  std::vector<std::string> addresses;
  client::AsyncSessionOptions options;
  for (const cluster::NodeConfig& n : config_.nodes) {
    addresses.push_back(n.address);
    options.node_ids.push_back(static_cast<uint64_t>(n.id));
  }
  DDB_ASSIGN_OR_RETURN(async_, client::AsyncSession::Connect(addresses, options));
  return Status::OK();
}

std::string TableAffinity(std::string_view operation, std::string_view body) {
  if (operation != "PutItem" && operation != "UpdateItem" && operation != "DeleteItem" &&
      operation != "GetItem" && operation != "Query") {
    return {};
  }
  // The first "TableName" member whose value is a string (an attribute of that name inside
  // the item is an object, and is skipped). A hint only: a wrong one costs a forward.
  constexpr std::string_view kKey = "\"TableName\"";
  auto skip_space = [&](size_t i) {
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r')) ++i;
    return i;
  };
  for (size_t at = body.find(kKey); at != std::string_view::npos; at = body.find(kKey, at + 1)) {
    size_t i = skip_space(at + kKey.size());
    if (i >= body.size() || body[i] != ':') continue;
    i = skip_space(i + 1);
    if (i >= body.size() || body[i] != '"') continue;
    const size_t end = body.find('"', i + 1);
    if (end == std::string_view::npos || end - i - 1 > 255) return {};
    std::string_view name = body.substr(i + 1, end - i - 1);
    if (name.find('\\') != std::string_view::npos) return {};
    return std::string(name);
  }
  return {};
}

void Gateway::Handle(http::Request& request, http::Server::Respond respond) {
  std::string operation, body;
  if (std::optional<http::Response> answered = Prepare(request, &operation, &body)) {
    respond(std::move(*answered));
    return;
  }
  // A table's item calls go to the node that served its last one: for a write, its leader,
  // unless leadership moved (then that node forwards, and names the new leader in its answer).
  const std::string affinity = TableAffinity(operation, body);
  async_->Call(std::move(operation), std::move(body),
               [respond = std::move(respond)](Result<std::string> result, std::string error_item) {
                 respond(Answer(std::move(result), error_item));
               },
               affinity);
}

http::Server::EventSource Gateway::events() {
  http::Server::EventSource source;
  source.fds = async_->fds();
  source.on_event = [this] { async_->Process(); };
  source.next_timeout_ms = [this] { return async_->NextWakeupMs(); };
  return source;
}

}  // namespace ddb::gateway
