// Base64 (RFC 4648, standard alphabet, padded), the form of B and BS values in JSON.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace ddb::base64 {

void Encode(std::string_view bytes, std::string* out);
std::string Encode(std::string_view bytes);

// Strict decoding: the length must be a multiple of 4, padding only at the end, no
// whitespace, no characters outside the alphabet, unused bits zero. Returns false (and leaves
// *out unspecified) on malformed input.
bool Decode(std::string_view text, std::string* out);

// As Decode, and on failure sets *error to the reason in the words of DynamoDB's
// deserializer ("Base64 encoded length is expected a multiple of 4 bytes but found: 3", ...).
bool Decode(std::string_view text, std::string* out, std::string* error);

}  // namespace ddb::base64
