// Random values and items for property tests: every type, nesting, edge-case numbers and
// strings with NUL bytes and multi-byte UTF-8.
#pragma once

#include <random>

#include "libddb/model/attribute_value.h"

namespace ddb::testing {

class RandomItems {
 public:
  explicit RandomItems(uint64_t seed) : rng_(seed) {}

  Number RandomNumber();
  std::string RandomString(size_t max_len);  // valid UTF-8, may contain NUL
  std::string RandomBytes(size_t max_len);
  AttributeValue RandomValue(int depth);
  AttributeValue RandomKeyValue(AttrType type);
  Item RandomItem();

  std::mt19937_64& rng() { return rng_; }
  size_t Uniform(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

 private:
  std::mt19937_64 rng_;
};

}  // namespace ddb::testing
