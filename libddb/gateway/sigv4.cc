// SigV4 verification. The checks run in the order DynamoDB runs them, so that a request with
// several faults gets the same error as from DynamoDB. The order and the wording come from
// DynamoDB's own answers, as recorded by dynalite (an emulator tested against DynamoDB) and by
// users' bug reports:
//
//   1. no Authorization header and no X-Amz-Algorithm query parameter, or a header that does
//      not start with "AWS4-": MissingAuthenticationToken;
//   2. a header parameter that is not key=value: IncompleteSignature;
//   3. Credential, Signature, SignedHeaders or the date header missing: IncompleteSignature,
//      one sentence per missing part, then "Authorization=<header>";
//   4. the date not in ISO 8601 basic format: IncompleteSignature;
//   5. the date more than 15 minutes away from the server's clock: InvalidSignature;
//   6. host not among the signed headers: InvalidSignature;
//   7. an algorithm other than AWS4-HMAC-SHA256: IncompleteSignature;
//   8. a credential that is not 5 slash-separated parts: IncompleteSignature;
//   9. a credential scope with the wrong service, terminator or date: InvalidSignature, one
//      sentence per wrong part;
//  10. an unknown access key id, or a session token (ddb issues none): UnrecognizedClient;
//  11. a signature that does not match: InvalidSignature.
#include "libddb/gateway/sigv4.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace ddb::gateway {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";

constexpr std::string_view kMsgMissingToken = "Request is missing Authentication Token";
constexpr std::string_view kMsgSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
constexpr std::string_view kMsgInvalidToken =
    "The security token included in the request is invalid.";

Status MissingToken() {
  return Status(Code::kMissingAuthenticationToken, std::string(kMsgMissingToken));
}
Status Incomplete(std::string msg) { return Status(Code::kIncompleteSignature, std::move(msg)); }
Status Invalid(std::string msg) { return Status(Code::kInvalidSignature, std::move(msg)); }

// SHA-256, fetched once: with OpenSSL 3 an EVP_sha256() passed to EVP_Digest is looked up in
// the provider on every call, which costs more than hashing a small request.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

// An HMAC-SHA256 context with its digest chosen but no key, built once. Each HMAC copies it:
// a copy costs a third of the one-shot HMAC(), which looks the algorithms up again every call.
// EVP_MAC_CTX_dup only reads the prototype, so threads may copy it concurrently.
const EVP_MAC_CTX* HmacPrototype() {
  static const EVP_MAC_CTX* proto = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    DDB_CHECK_MSG(mac != nullptr, "OpenSSL has no HMAC");
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);  // the context holds its own reference
    DDB_CHECK_MSG(ctx != nullptr, "EVP_MAC_CTX_new failed");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    DDB_CHECK_MSG(EVP_MAC_CTX_set_params(ctx, params) == 1, "HMAC: SHA256 unavailable");
    return ctx;
  }();
  return proto;
}

std::string Sha256Raw(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  int ok = EVP_Digest(data.data(), data.size(), out, &len, Sha256Md(), nullptr);
  DDB_CHECK_MSG(ok == 1 && len == 32, "EVP_Digest(SHA-256) failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XY escapes; a '%' not followed by two hex digits is kept as it is.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// The query parameters of a raw query, decoded, in the order sent. Empty components ("a&&b")
// are skipped; a component without '=' is a name with an empty value.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view part = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      params.emplace_back(PercentDecode(part), std::string());
    } else {
      params.emplace_back(PercentDecode(part.substr(0, eq)), PercentDecode(part.substr(eq + 1)));
    }
  }
  return params;
}

std::string CanonicalQueryExcept(std::string_view raw_query, std::string_view skip_name) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (auto& [name, value] : ParseQuery(raw_query)) {
    if (!skip_name.empty() && name == skip_name) continue;
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

// Splits a request target into path and query.
std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, std::string_view()};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::string BuildCanonicalRequest(const http::Request& request,
                                  const std::vector<std::string>& signed_headers,
                                  std::string_view payload_hash, bool presigned) {
  auto [path, query] = SplitTarget(request.target);
  std::string out;
  out.reserve(256 + request.target.size());
  out += request.method;
  out.push_back('\n');
  out += CanonicalUri(path);
  out.push_back('\n');
  // A presigned request's canonical query leaves out the signature itself.
  out += CanonicalQueryExcept(query, presigned ? "X-Amz-Signature" : "");
  out.push_back('\n');
  for (const std::string& name : signed_headers) {
    out += name;
    out.push_back(':');
    bool first = true;
    for (const http::Header& h : request.headers) {
      if (h.name != name) continue;
      if (!first) out.push_back(',');
      out += CanonicalHeaderValue(h.value);
      first = false;
    }
    out.push_back('\n');
  }
  out.push_back('\n');
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out.push_back(';');
    out += signed_headers[i];
  }
  out.push_back('\n');
  out += payload_hash;
  return out;
}

// "a;B;c" -> {"a", "b", "c"}: lower case, sorted, without duplicates or empty names.
std::vector<std::string> ParseSignedHeaders(std::string_view list) {
  std::vector<std::string> names;
  while (true) {
    size_t semi = list.find(';');
    std::string_view name = Trim(list.substr(0, semi));
    if (!name.empty()) {
      std::string lower(name);
      for (char& c : lower) c = ToLower(c);
      names.push_back(std::move(lower));
    }
    if (semi == std::string_view::npos) break;
    list.remove_prefix(semi + 1);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// ---- Dates ----

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Reads `n` decimal digits at `s[pos]`; -1 if any is not a digit.
int Digits(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool MakeTime(int year, int month, int day, int hour, int minute, int second, int64_t* out) {
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) ||
      hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return false;
  }
  *out = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return true;
}

// "Mon, 09 Sep 2011 23:36:00 GMT" (RFC 7231 IMF-fixdate), accepted in a Date header.
bool ParseHttpDate(std::string_view s, int64_t* out) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return false;
  }
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (s.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  return month != 0 && MakeTime(Digits(s, 12, 4), month, Digits(s, 5, 2), Digits(s, 17, 2),
                                Digits(s, 20, 2), Digits(s, 23, 2), out);
}

// ---- Signing keys ----

// Derived signing keys by (secret, date, region, service). A key changes once a day per
// client region, so the cache almost always hits; it is cleared when it grows past kMaxEntries
// (many regions or a date rollover), which bounds its memory.
class SigningKeyCache {
 public:
  std::string Get(std::string_view secret, std::string_view date, std::string_view region,
                  std::string_view service) {
    std::string id;
    id.reserve(secret.size() + date.size() + region.size() + service.size() + 3);
    id.append(secret).push_back('\0');
    id.append(date).push_back('\0');
    id.append(region).push_back('\0');
    id.append(service);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = keys_.find(id);
      if (it != keys_.end()) return it->second;
    }
    std::string key = DeriveSigningKey(secret, date, region, service);
    std::lock_guard<std::mutex> lock(mu_);
    if (keys_.size() >= kMaxEntries) keys_.clear();
    keys_.emplace(std::move(id), key);
    return key;
  }

 private:
  static constexpr size_t kMaxEntries = 256;
  std::mutex mu_;
  std::unordered_map<std::string, std::string> keys_;  // GUARDED_BY(mu_)
};

SigningKeyCache& KeyCache() {
  static SigningKeyCache* cache = new SigningKeyCache();  // never destroyed
  return *cache;
}

// ---- Parsing the Authorization header or the query ----

// What a request claims about its signature, from either place.
struct AuthParams {
  std::string algorithm;
  std::string credential;
  std::vector<std::string> signed_headers;  // lower case, sorted
  std::string signature;
  std::string date;                // as sent
  bool date_is_http_date = false;  // from a Date header, which may be in IMF-fixdate form
  std::string session_token;
  bool presigned = false;          // from the query rather than the Authorization header
  int64_t expires = -1;            // X-Amz-Expires in seconds, -1 if absent
};

Result<AuthParams> ParseAuthorizationHeader(const http::Request& request,
                                            std::string_view header) {
  header = Trim(header);
  // DynamoDB answers MissingAuthenticationToken for anything not even shaped like SigV4
  // ("Basic ...", "AWS4"), IncompleteSignature from "AWS4-" on.
  if (header.substr(0, 5) != "AWS4-") return MissingToken();
  AuthParams p;
  size_t sp = header.find_first_of(" \t");
  p.algorithm = std::string(header.substr(0, sp));
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : header.substr(sp);

  bool has_credential = false;
  bool has_signature = false;
  bool has_signed_headers = false;
  std::string_view signed_headers;
  // Parameters are separated by commas and/or white space ("Credential=a, SignedHeaders=b").
  while (!rest.empty()) {
    size_t start = rest.find_first_not_of(" \t,");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    size_t end = rest.find_first_of(" \t,");
    std::string_view token = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    size_t eq = token.find('=');
    if (eq == std::string_view::npos) {
      return Incomplete("'" + std::string(token) +
                        "' not a valid key=value pair (missing equal-sign) in Authorization "
                        "header: '" + std::string(header) + "'.");
    }
    std::string_view name = token.substr(0, eq);
    std::string_view value = token.substr(eq + 1);
    // A repeated parameter: the last one counts.
    if (name == "Credential") {
      p.credential = std::string(value);
      has_credential = !value.empty();
    } else if (name == "Signature") {
      p.signature = std::string(value);
      has_signature = !value.empty();
    } else if (name == "SignedHeaders") {
      signed_headers = value;  // may be empty here; the host check rejects that below
      has_signed_headers = true;
    }
  }

  const std::string* date = request.Find("x-amz-date");
  if (date == nullptr) {
    date = request.Find("date");
    p.date_is_http_date = date != nullptr;
  }
  std::string missing;
  if (!has_credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!has_signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!has_signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (date == nullptr) {
    missing +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) return Incomplete(missing + "Authorization=" + std::string(header));

  p.signed_headers = ParseSignedHeaders(signed_headers);
  p.date = *date;
  if (const std::string* token = request.Find("x-amz-security-token")) p.session_token = *token;
  return p;
}

Result<AuthParams> ParseQueryAuth(const std::vector<std::pair<std::string, std::string>>& query) {
  // The first value of each parameter counts.
  auto find = [&query](std::string_view name) -> const std::string* {
    for (const auto& [n, v] : query) {
      if (n == name) return &v;
    }
    return nullptr;
  };
  AuthParams p;
  p.presigned = true;
  p.algorithm = *find("X-Amz-Algorithm");
  if (p.algorithm != kAlgorithm) return MissingToken();
  const std::string* credential = find("X-Amz-Credential");
  const std::string* signature = find("X-Amz-Signature");
  const std::string* signed_headers = find("X-Amz-SignedHeaders");
  const std::string* date = find("X-Amz-Date");
  std::string missing;
  if (credential == nullptr) {
    missing += "AWS query-string parameters must include 'X-Amz-Credential'. ";
  }
  if (signature == nullptr) {
    missing += "AWS query-string parameters must include 'X-Amz-Signature'. ";
  }
  if (signed_headers == nullptr) {
    missing += "AWS query-string parameters must include 'X-Amz-SignedHeaders'. ";
  }
  if (date == nullptr) missing += "AWS query-string parameters must include 'X-Amz-Date'. ";
  if (!missing.empty()) return Incomplete(missing + "Re-examine the query-string parameters.");
  p.credential = *credential;
  p.signature = *signature;
  p.signed_headers = ParseSignedHeaders(*signed_headers);
  p.date = *date;
  if (const std::string* token = find("X-Amz-Security-Token")) p.session_token = *token;
  if (const std::string* expires = find("X-Amz-Expires")) {
    int64_t v = 0;
    bool ok = !expires->empty() && expires->size() <= 7;
    for (char c : *expires) {
      if (c < '0' || c > '9') {
        ok = false;
        break;
      }
      v = v * 10 + (c - '0');
    }
    if (!ok || v < 1 || v > 604800) {  // 7 days, the longest AWS allows; wording is ddb's
      return Incomplete("X-Amz-Expires must be an integer between 1 and 604800, got '" +
                        *expires + "'.");
    }
    p.expires = v;
  }
  return p;
}

// Java's String.split("/"): trailing empty parts are dropped, inner ones kept.
std::vector<std::string_view> SplitCredential(std::string_view credential) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t slash = credential.find('/');
    parts.push_back(credential.substr(0, slash));
    if (slash == std::string_view::npos) break;
    credential.remove_prefix(slash + 1);
  }
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  return parts;
}

std::string SkewWindow(int64_t seconds) {
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + " min.";
  return std::to_string(seconds) + " sec.";
}

}  // namespace

// ---- Building blocks ----

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256Raw(data)); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  static const unsigned char kEmpty[1] = {0};
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(HmacPrototype());
  DDB_CHECK_MSG(ctx != nullptr, "EVP_MAC_CTX_dup failed");
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  bool ok =
      EVP_MAC_init(ctx,
                   key.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(key.data()),
                   key.size(), nullptr) == 1 &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) ==
          1 &&
      EVP_MAC_final(ctx, out, &len, sizeof(out)) == 1;
  EVP_MAC_CTX_free(ctx);
  DDB_CHECK_MSG(ok && len == 32, "HMAC(SHA-256) failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHex[b >> 4];
    out[2 * i + 1] = kHex[b & 0xf];
  }
  return out;
}

std::string FormatAmzDate(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400;
  int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  int64_t y = 0;
  int m = 0;
  int d = 0;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  snprintf(buf, sizeof(buf), "%04lld%02d%02dT%02d%02d%02dZ", static_cast<long long>(y), m, d,
           static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
           static_cast<int>(secs % 60));
  return buf;
}

bool ParseAmzDate(std::string_view s, int64_t* unix_seconds) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return false;
  return MakeTime(Digits(s, 0, 4), Digits(s, 4, 2), Digits(s, 6, 2), Digits(s, 9, 2),
                  Digits(s, 11, 2), Digits(s, 13, 2), unix_seconds);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (c == '/' && keep_slash)) {
      out.push_back(c);
    } else {
      unsigned char b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xf]);
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  // RFC 3986 section 5.2.4 plus the removal of empty segments, as botocore's
  // remove_dot_segments() does.
  std::vector<std::string_view> segments;
  std::string_view rest = raw_path;
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  std::string path;
  if (raw_path.front() == '/') path.push_back('/');
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) path.push_back('/');
    path += segments[i];
  }
  if (raw_path.back() == '/' && !segments.empty()) path.push_back('/');
  if (path.empty()) path = "/";
  return UriEncode(path, true);
}

std::string CanonicalQueryString(std::string_view raw_query) {
  return CanonicalQueryExcept(raw_query, "");
}

std::string CanonicalHeaderValue(std::string_view value) {
  value = Trim(value);
  std::string out;
  out.reserve(value.size());
  bool in_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

std::string CanonicalRequest(const http::Request& request,
                             const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash) {
  return BuildCanonicalRequest(request, signed_headers, payload_hash, /*presigned=*/false);
}

std::string CredentialScope(std::string_view yyyymmdd, std::string_view region,
                            std::string_view service) {
  std::string out;
  out.append(yyyymmdd).push_back('/');
  out.append(region).push_back('/');
  out.append(service).push_back('/');
  out.append(kTerminator);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request) {
  std::string out;
  out.append(kAlgorithm).push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(credential_scope).push_back('\n');
  out.append(Sha256Hex(canonical_request));
  return out;
}

std::string DeriveSigningKey(std::string_view secret, std::string_view yyyymmdd,
                             std::string_view region, std::string_view service) {
  std::string k_secret = "AWS4";
  k_secret.append(secret);
  std::string k_date = HmacSha256(k_secret, yyyymmdd);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, kTerminator);
}

std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

// ---- Signing ----

void SignSigV4(http::Request* request, const cluster::AccessKey& key, std::string_view region,
               std::string_view service, int64_t now_unix_seconds) {
  DDB_CHECK_MSG(request->Find("host") != nullptr, "SignSigV4 needs a host header");
  std::string amz_date = FormatAmzDate(now_unix_seconds);
  std::erase_if(request->headers, [](const http::Header& h) {
    return h.name == "authorization" || h.name == "x-amz-date";
  });
  request->headers.push_back({"x-amz-date", amz_date});
  std::vector<std::string> names;
  for (const http::Header& h : request->headers) {
    if (h.name == "user-agent" || h.name == "expect" || h.name == "x-amzn-trace-id") continue;
    names.push_back(h.name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  std::string date = amz_date.substr(0, 8);
  std::string scope = CredentialScope(date, region, service);
  std::string canonical = CanonicalRequest(*request, names, Sha256Hex(request->body));
  std::string signature = SignatureHex(DeriveSigningKey(key.secret, date, region, service),
                                       StringToSign(amz_date, scope, canonical));
  std::string signed_list;
  for (const std::string& n : names) {
    if (!signed_list.empty()) signed_list.push_back(';');
    signed_list += n;
  }
  request->headers.push_back(
      {"authorization", std::string(kAlgorithm) + " Credential=" + key.id + "/" + scope +
                            ", SignedHeaders=" + signed_list + ", Signature=" + signature});
}

// ---- Verifying ----

Result<SigV4Identity> VerifySigV4(const http::Request& request,
                                  const std::vector<cluster::AccessKey>& keys,
                                  int64_t now_unix_seconds) {
  // 1. Where the signature is: the Authorization header, or the query (presigned).
  const std::string* header = request.Find("authorization");
  std::vector<std::pair<std::string, std::string>> query =
      ParseQuery(SplitTarget(request.target).second);
  bool query_auth = std::any_of(query.begin(), query.end(),
                                [](const auto& p) { return p.first == "X-Amz-Algorithm"; });
  if (header == nullptr && !query_auth) return MissingToken();
  if (header != nullptr && query_auth) {
    // Signed twice over: DynamoDB will not pick one.
    return Invalid(std::string(kMsgSignatureMismatch));
  }

  // 2-3. The parts of the signature.
  DDB_ASSIGN_OR_RETURN(AuthParams auth, header != nullptr
                                            ? ParseAuthorizationHeader(request, *header)
                                            : ParseQueryAuth(query));

  // 4. The date.
  int64_t request_time = 0;
  if (!ParseAmzDate(auth.date, &request_time) &&
      !(auth.date_is_http_date && ParseHttpDate(auth.date, &request_time))) {
    return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + auth.date +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  const std::string amz_date = FormatAmzDate(request_time);

  // 5. The clock. A presigned request may ask for a shorter life than 15 minutes.
  int64_t past_window = kSigV4MaxSkewSeconds;
  if (auth.expires >= 0) past_window = std::min(past_window, auth.expires);
  if (request_time < now_unix_seconds - past_window) {
    return Invalid("Signature expired: " + amz_date + " is now earlier than " +
                   FormatAmzDate(now_unix_seconds - past_window) + " (" +
                   FormatAmzDate(now_unix_seconds) + " - " + SkewWindow(past_window) + ")");
  }
  if (request_time > now_unix_seconds + kSigV4MaxSkewSeconds) {
    return Invalid("Signature not yet current: " + amz_date + " is still later than " +
                   FormatAmzDate(now_unix_seconds + kSigV4MaxSkewSeconds) + " (" +
                   FormatAmzDate(now_unix_seconds) + " + " + SkewWindow(kSigV4MaxSkewSeconds) +
                   ")");
  }

  // 6. The host must be signed, or the request could be replayed against another endpoint.
  if (!std::binary_search(auth.signed_headers.begin(), auth.signed_headers.end(), "host") &&
      !std::binary_search(auth.signed_headers.begin(), auth.signed_headers.end(), ":authority")) {
    return Invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }

  // 7. The algorithm.
  if (auth.algorithm != kAlgorithm) {
    return Incomplete("Unsupported AWS 'algorithm': '" + auth.algorithm +
                      "' (only AWS4-HMAC-SHA256 for now). ");
  }

  // 8-9. The credential scope: AKID/YYYYMMDD/region/service/aws4_request.
  std::vector<std::string_view> scope = SplitCredential(auth.credential);
  if (scope.size() != 5) {
    return Incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got '" + auth.credential + "'");
  }
  std::string scope_errors;
  if (scope[2].empty()) {
    scope_errors += "Credential should be scoped to a valid region, not ''. ";
  }
  if (scope[3] != kSigV4Service) {
    scope_errors += "Credential should be scoped to correct service: '" +
                    std::string(kSigV4Service) + "'. ";
  }
  if (scope[4] != kTerminator) {
    scope_errors += "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                    std::string(scope[4]) + "'. ";
  }
  if (scope[1] != std::string_view(amz_date).substr(0, 8)) {
    scope_errors +=
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '" + std::string(scope[1]) + "' != '" + amz_date.substr(0, 8) + "', from '" +
        amz_date + "'. ";
  }
  if (!scope_errors.empty()) return Invalid(std::move(scope_errors));

  // 10. The access key.
  const cluster::AccessKey* key = nullptr;
  for (const cluster::AccessKey& k : keys) {
    if (k.id == scope[0]) {
      key = &k;
      break;
    }
  }
  if (key == nullptr) return Status(Code::kUnrecognizedClient, std::string(kMsgInvalidToken));
  // ddb's keys are long-term keys; a session token belongs to temporary credentials it never
  // issued.
  if (!auth.session_token.empty()) {
    return Status(Code::kUnrecognizedClient, std::string(kMsgInvalidToken));
  }

  // 11. The signature. The payload hash is always computed from the body; a client that sent
  // its own x-amz-content-sha256 must have sent the right one.
  std::string payload_hash = Sha256Hex(request.body);
  if (const std::string* declared = request.Find("x-amz-content-sha256")) {
    if (*declared != payload_hash) {
      return Invalid("The provided 'x-amz-content-sha256' header does not match what was "
                     "computed.");
    }
  }
  std::string canonical =
      BuildCanonicalRequest(request, auth.signed_headers, payload_hash, auth.presigned);
  std::string date(scope[1]);
  std::string region(scope[2]);
  std::string signing_key = KeyCache().Get(key->secret, date, region, kSigV4Service);
  std::string expected = SignatureHex(
      signing_key, StringToSign(amz_date, CredentialScope(date, region, kSigV4Service), canonical));
  if (auth.signature.size() != expected.size() ||
      CRYPTO_memcmp(auth.signature.data(), expected.data(), expected.size()) != 0) {
    return Invalid(std::string(kMsgSignatureMismatch));
  }
  return SigV4Identity{key->id, std::move(region), std::string(kSigV4Service)};
}

}  // namespace ddb::gateway
