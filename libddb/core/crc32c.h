// CRC-32C (Castagnoli), the checksum on everything ddb writes to disk or sends over the wire.
//
// Uses the SSE4.2 crc32 instruction when the CPU has it, a table-driven fallback otherwise;
// both give identical results. Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ddb::crc32c {

// Returns the CRC-32C of `data` continuing from `crc` (the CRC of the bytes before it; 0 to
// start).
uint32_t Extend(uint32_t crc, const char* data, size_t n);

// The table-driven implementation, exposed so tests can compare it with the hardware one.
uint32_t TEST_ExtendPortable(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

// A CRC stored next to the data it covers is masked, as LevelDB does, so that the CRC of a
// string containing embedded CRCs is not degenerate.
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace ddb::crc32c
