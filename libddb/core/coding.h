// Byte-level encoding helpers: varints, fixed-width integers, and a bounds-checked reader.
//
// Writers append to a std::string. Reader consumes a string_view and reports truncated or
// malformed input as a value (ok() turns false) rather than reading past the end: it is used
// on bytes from disk and the network, which are never trusted.
//
// Thread-safety: pure functions; a Reader is not shared between threads.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ddb {

inline void PutVarint64(std::string* dst, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst->append(buf, n);
}

// The number of bytes PutVarint64 writes for `v`.
inline size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void PutLengthPrefixed(std::string* dst, std::string_view v) {
  PutVarint64(dst, v.size());
  dst->append(v.data(), v.size());
}

inline void PutFixed32LE(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  dst->append(buf, 4);
}

inline void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (56 - 8 * i));
  dst->append(buf, 8);
}

inline uint32_t DecodeFixed32LE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

inline uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Reads from a byte string without ever going past its end. After the first failure ok() is
// false and every further read fails too.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool ok() const { return ok_; }
  bool empty() const { return data_.empty(); }
  size_t remaining() const { return data_.size(); }

  bool ReadByte(unsigned char* out) {
    if (!ok_ || data_.empty()) return Fail();
    *out = static_cast<unsigned char>(data_[0]);
    data_.remove_prefix(1);
    return true;
  }

  bool ReadVarint64(uint64_t* out) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      unsigned char b;
      if (!ReadByte(&b)) return false;
      if (shift == 63 && b > 1) return Fail();  // more than 64 bits
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *out = result;
        return true;
      }
    }
    return Fail();
  }

  // Reads `n` bytes as a view into the underlying data.
  bool ReadBytes(size_t n, std::string_view* out) {
    if (!ok_ || data_.size() < n) return Fail();
    *out = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }

  // A varint length followed by that many bytes.
  bool ReadLengthPrefixed(std::string_view* out) {
    uint64_t n;
    if (!ReadVarint64(&n)) return false;
    if (n > data_.size()) return Fail();
    return ReadBytes(static_cast<size_t>(n), out);
  }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }

  std::string_view data_;
  bool ok_ = true;
};

}  // namespace ddb
