// AWS Signature Version 4: how the gateway knows which access key signed a request.
//
// Every DynamoDB client (the AWS SDKs, the aws CLI, boto3) signs each request with SigV4: it
// builds a canonical form of the request (method, path, query, the headers it chose to sign,
// the SHA-256 of the body), hashes it into a "string to sign" together with the date and the
// credential scope AKID/YYYYMMDD/region/service/aws4_request, and HMACs that with a key derived
// from its secret. VerifySigV4() redoes the computation with the secret from the cluster file
// and compares. Both the Authorization header form and the presigned query-string form
// (X-Amz-Algorithm=...) are accepted.
//
// Errors follow DynamoDB: the Status codes are the exceptions DynamoDB answers with
// (MissingAuthenticationTokenException, IncompleteSignatureException,
// InvalidSignatureException, UnrecognizedClientException) and the messages are DynamoDB's
// wording, checked in the same order DynamoDB checks them (see sigv4.cc).
//
// The region in the credential scope is accepted whatever it is (ddb has no regions) and is
// reported back; the service must be "dynamodb".
//
// Thread-safety: every function here is safe to call concurrently. VerifySigV4 keeps a small
// internal cache of derived signing keys behind a mutex.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libddb/cluster/cluster_config.h"
#include "libddb/core/result.h"
#include "libddb/http/request.h"

namespace ddb::gateway {

// Who signed a request that verified.
struct SigV4Identity {
  std::string access_key_id;
  std::string region;   // from the credential scope, as the client sent it
  std::string service;  // always "dynamodb"
};

// The service name a credential scope must carry.
inline constexpr std::string_view kSigV4Service = "dynamodb";
// How far the request's date may be from the server's clock, either way (AWS: 15 minutes).
inline constexpr int64_t kSigV4MaxSkewSeconds = 15 * 60;

// Verifies the SigV4 signature of `request` against `keys`, with `now_unix_seconds` as the
// server's clock. `request.body` must be the payload exactly as received (still gzip-encoded if
// it was sent so): those are the bytes the client hashed. Returns the signer's identity, or one
// of kMissingAuthenticationToken, kIncompleteSignature, kInvalidSignature, kUnrecognizedClient.
Result<SigV4Identity> VerifySigV4(const http::Request& request,
                                  const std::vector<cluster::AccessKey>& keys,
                                  int64_t now_unix_seconds);

// Signs `request` the way an AWS SDK does, with the Authorization header: sets X-Amz-Date to
// `now_unix_seconds` and Authorization, signing every header already present except
// authorization, user-agent, expect and x-amzn-trace-id (as botocore does). For tests and for
// ddb's own HTTP clients.
// REQUIRES: `request` has a host header; header names are lower case.
void SignSigV4(http::Request* request, const cluster::AccessKey& key, std::string_view region,
               std::string_view service, int64_t now_unix_seconds);

// ---- The building blocks, exposed for reuse and for the AWS test vectors. ----

// Lower-case hex of SHA-256(`data`).
std::string Sha256Hex(std::string_view data);
// HMAC-SHA256(`key`, `data`): 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);

// "YYYYMMDDTHHMMSSZ" (ISO 8601 basic format, UTC) for a Unix time.
std::string FormatAmzDate(int64_t unix_seconds);
// Parses "YYYYMMDDTHHMMSSZ"; false if `text` is not exactly that, with valid fields.
bool ParseAmzDate(std::string_view text, int64_t* unix_seconds);

// SigV4's URI encoding: every byte except A-Z a-z 0-9 - _ . ~ (and '/' when `keep_slash`)
// becomes %XY with upper-case hex.
std::string UriEncode(std::string_view s, bool keep_slash);
// The canonical URI of a path as sent on the request line (still percent-encoded): empty
// segments, "." and ".." removed as AWS does for every service but S3, then each segment
// URI-encoded once more (so "%20" on the wire becomes "%2520"). "" and "/" give "/".
std::string CanonicalUri(std::string_view raw_path);
// The canonical query string of a raw query (the part after '?'): each name and value
// percent-decoded, then URI-encoded, pairs sorted by name then value, joined with '&'.
std::string CanonicalQueryString(std::string_view raw_query);
// A header value as SigV4 signs it: leading and trailing spaces and tabs removed, each inner
// run of spaces and tabs replaced by one space.
std::string CanonicalHeaderValue(std::string_view value);

// The canonical request of `request` for Authorization-header signing:
//   method \n canonical URI \n canonical query \n canonical headers \n signed headers \n hash
// `signed_headers` are lower-case names, sorted; a header signed several times has its values
// joined with ',' in the order received; a signed header that is absent has an empty value.
// `payload_hash` is the hex SHA-256 of the body.
std::string CanonicalRequest(const http::Request& request,
                             const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash);

// "<date>/<region>/<service>/aws4_request".
std::string CredentialScope(std::string_view yyyymmdd, std::string_view region,
                            std::string_view service);
// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex SHA-256 of canonical_request>".
std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request);
// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"):
// 32 raw bytes.
std::string DeriveSigningKey(std::string_view secret, std::string_view yyyymmdd,
                             std::string_view region, std::string_view service);
// Lower-case hex of HMAC(signing_key, string_to_sign): the Signature= value.
std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign);

}  // namespace ddb::gateway
