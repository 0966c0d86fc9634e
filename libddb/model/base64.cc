#include "libddb/model/base64.h"

#include <array>
#include <cstdint>

namespace ddb::base64 {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kDecode = MakeDecodeTable();

}  // namespace

void Encode(std::string_view bytes, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  out->reserve(out->size() + (n + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back(kAlphabet[v & 63]);
  }
  if (n - i == 1) {
    uint32_t v = p[i] << 16;
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->append("==");
  } else if (n - i == 2) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8);
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back('=');
  }
}

std::string Encode(std::string_view bytes) {
  std::string out;
  Encode(bytes, &out);
  return out;
}

bool Decode(std::string_view text, std::string* out) {
  std::string ignored;
  return Decode(text, out, &ignored);
}

bool Decode(std::string_view text, std::string* out, std::string* error) {
  out->clear();
  if (text.size() % 4 != 0) {
    *error = "Base64 encoded length is expected a multiple of 4 bytes but found: " +
             std::to_string(text.size());
    return false;
  }
  out->reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    if (last) {
      if (text[i + 3] == '=') pad = text[i + 2] == '=' ? 2 : 1;
    }
    int8_t v[4];
    for (int k = 0; k < 4 - pad; ++k) {
      v[k] = kDecode[static_cast<unsigned char>(text[i + k])];
      if (v[k] < 0) {
        *error = std::string("Invalid Base64 character: '") + text[i + k] + "'";
        return false;
      }
    }
    uint32_t bits = (static_cast<uint32_t>(v[0]) << 18) | (static_cast<uint32_t>(v[1]) << 12);
    if (pad < 2) bits |= static_cast<uint32_t>(v[2]) << 6;
    if (pad < 1) bits |= static_cast<uint32_t>(v[3]);
    out->push_back(static_cast<char>(bits >> 16));
    if (pad == 2) {
      if ((bits & 0xffff) != 0) {  // non-canonical trailing bits
        *error = "Invalid last non-pad Base64 character dectected";  // sic, as DynamoDB says
        return false;
      }
    } else {
      out->push_back(static_cast<char>((bits >> 8) & 0xff));
      if (pad == 1) {
        if ((bits & 0xff) != 0) {
          *error = "Invalid last non-pad Base64 character dectected";
          return false;
        }
      } else {
        out->push_back(static_cast<char>(bits & 0xff));
      }
    }
  }
  return true;
}

}  // namespace ddb::base64
