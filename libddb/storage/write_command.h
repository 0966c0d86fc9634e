// WriteCommand: the effect of one write request on one partition, as it is replicated.
//
// The leader evaluates a request (conditions, update expressions, return values) against its
// applied state and proposes only the outcome: the items to put, the keys to delete and the
// change to the statistics. Every replica applies the same outcome, so followers never
// evaluate expressions and applying is deterministic and cheap.
//
// Encoding: "W1" | varint count | count x (flag byte: 1 put / 0 delete, length-prefixed key,
// [length-prefixed encoded item]) | zigzag varint item delta | zigzag varint byte delta |
// fixed32le masked CRC-32C of everything before it.
//
// Thread-safety: a value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libddb/core/result.h"
#include "libddb/model/attribute_value.h"

namespace ddb::storage {

struct WriteCommand {
  struct Mutation {
    std::string key;                  // the item key (key_codec.h)
    std::optional<std::string> item;  // encoded item (item_codec.h); nullopt: delete
  };
  std::vector<Mutation> mutations;
  int64_t item_delta = 0;
  int64_t byte_delta = 0;

  void Put(std::string_view key, const Item& item);
  void Delete(std::string_view key);
  void AddStats(int64_t items, int64_t bytes) {
    item_delta += items;
    byte_delta += bytes;
  }

  std::string Encode() const;
  // Corruption if the bytes are damaged or malformed.
  static Result<WriteCommand> Decode(std::string_view data);
};

}  // namespace ddb::storage
