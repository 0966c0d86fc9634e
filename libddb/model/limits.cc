#include "libddb/model/limits.h"

#include <string>

#include "libddb/model/item_size.h"

namespace ddb {

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

constexpr std::string_view kInvalid = "One or more parameter values were invalid: ";
constexpr std::string_view kNotValid =
    "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
    "contain an empty ";

}  // namespace

Status ConstraintViolation(std::string_view value, std::string_view field,
                           std::string_view constraint) {
  std::string msg = "1 validation error detected: Value '";
  msg += value;
  msg += "' at '";
  msg += field;
  msg += "' failed to satisfy constraint: ";
  msg += constraint;
  return Status::Validation(std::move(msg));
}

Status ValidateTableName(std::string_view name, std::string_view field) {
  for (char c : name) {
    if (!IsNameChar(c)) {
      return ConstraintViolation(
          name, field, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    }
  }
  if (name.size() < kMinTableNameLength) {
    return ConstraintViolation(name, field, "Member must have length greater than or equal to 3");
  }
  if (name.size() > kMaxTableNameLength) {
    return ConstraintViolation(name, field, "Member must have length less than or equal to 255");
  }
  return Status::OK();
}

Status ValidateAttributeName(std::string_view name) {
  if (name.empty()) return Status::Validation("Empty attribute name");
  if (name.size() > kMaxAttributeNameBytes) {
    return Status::Validation("Attribute name is too large, must be less than 65536 bytes");
  }
  return Status::OK();
}

Status ValidateKeyAttributeName(std::string_view name, std::string_view field) {
  if (name.empty()) {
    return ConstraintViolation(name, field, "Member must have length greater than or equal to 1");
  }
  if (name.size() > kMaxKeyAttributeNameBytes) {
    return ConstraintViolation(name, field, "Member must have length less than or equal to 255");
  }
  return Status::OK();
}

Status ValidateKeyValue(std::string_view name, const AttributeValue& value, bool partition_key) {
  size_t size;
  switch (value.type()) {
    case AttrType::kS:
      if (value.s().empty()) {
        return Status::Validation(std::string(kNotValid) + "string value. Key: " + std::string(name));
      }
      size = value.s().size();
      break;
    case AttrType::kB:
      if (value.b().empty()) {
        return Status::Validation(std::string(kNotValid) + "binary value. Key: " + std::string(name));
      }
      size = value.b().size();
      break;
    case AttrType::kN: return Status::OK();
    default:
      DDB_CHECK_MSG(false, "key value of type %s", std::string(AttrTypeName(value.type())).c_str());
  }
  if (partition_key && size > kMaxPartitionKeyBytes) {
    // "of2048" (no space) is DynamoDB's own text.
    return Status::Validation(std::string(kInvalid) +
                              "Size of hashkey has exceeded the maximum size limit of2048 bytes");
  }
  if (!partition_key && size > kMaxSortKeyBytes) {
    return Status::Validation(
        std::string(kInvalid) +
        "Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
  }
  return Status::OK();
}

Status ValidateItem(const Item& item, SizeCheck check) {
  size_t size = 0;
  for (const auto& [name, value] : item) {
    DDB_RETURN_IF_ERROR(ValidateAttributeName(name));
    size += AttributeSize(name, value);
  }
  if (size > kMaxItemSize) {
    return Status::Validation(check == SizeCheck::kPut
                                  ? "Item size has exceeded the maximum allowed size"
                                  : "Item size to update has exceeded the maximum allowed size");
  }
  return Status::OK();
}

}  // namespace ddb
