#include "cmd/common/csv.h"

#include "libddb/model/base64.h"
#include "libddb/model/plain_json.h"

namespace ddb::cmd {

Result<std::vector<std::string>> SplitCsv(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else {
      field.push_back(c);
    }
  }
  if (quoted) return Status::Validation("unterminated quoted field");
  fields.push_back(std::move(field));
  return fields;
}

Result<std::vector<CsvColumn>> ParseCsvHeader(const std::string& line) {
  DDB_ASSIGN_OR_RETURN(std::vector<std::string> names, SplitCsv(line));
  std::vector<CsvColumn> columns;
  for (const std::string& n : names) {
    CsvColumn c;
    size_t colon = n.rfind(':');
    c.name = n;
    if (colon != std::string::npos) {
      std::string type = n.substr(colon + 1);
      AttrType t;
      if (AttrTypeFromName(type, &t) && (t == AttrType::kS || t == AttrType::kN || t == AttrType::kB ||
                                         t == AttrType::kBool)) {
        c.name = n.substr(0, colon);
        c.type = t;
      } else {
        return Status::Validation("column '" + n + "': type must be S, N, B or BOOL");
      }
    }
    if (c.name.empty()) return Status::Validation("empty column name in the header");
    columns.push_back(std::move(c));
  }
  return columns;
}

Result<Item> CsvRecordToItem(const std::vector<CsvColumn>& columns, const std::string& line) {
  DDB_ASSIGN_OR_RETURN(std::vector<std::string> fields, SplitCsv(line));
  if (fields.size() != columns.size()) {
    return Status::Validation("expected " + std::to_string(columns.size()) + " fields, found " +
                              std::to_string(fields.size()));
  }
  Item item;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string& f = fields[i];
    if (f.empty()) continue;
    const CsvColumn& c = columns[i];
    switch (c.type) {
      case AttrType::kN: {
        Result<Number> n = Number::Parse(f);
        if (!n.ok()) return n.status().WithContext("column " + c.name);
        item[c.name] = AttributeValue::N(*n);
        break;
      }
      case AttrType::kB: {
        std::string bytes;
        if (!base64::Decode(f, &bytes)) return Status::Validation("column " + c.name + ": invalid base64");
        item[c.name] = AttributeValue::B(std::move(bytes));
        break;
      }
      case AttrType::kBool:
        if (f != "true" && f != "false") return Status::Validation("column " + c.name + ": expected true or false");
        item[c.name] = AttributeValue::Bool(f == "true");
        break;
      default: item[c.name] = AttributeValue::S(f);
    }
  }
  return item;
}

namespace {

void AppendField(const std::string& value, std::string* out) {
  if (value.find_first_of(",\"\n\r") == std::string::npos) {
    *out += value;
    return;
  }
  *out += '"';
  for (char c : value) {
    if (c == '"') *out += '"';
    *out += c;
  }
  *out += '"';
}

}  // namespace

std::string CsvHeader(const std::vector<CsvColumn>& columns) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += ',';
    AppendField(columns[i].name + ":" + std::string(AttrTypeName(columns[i].type)), &out);
  }
  return out;
}

std::string ItemToCsv(const std::vector<CsvColumn>& columns, const Item& item) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += ',';
    auto it = item.find(columns[i].name);
    if (it == item.end()) continue;
    const AttributeValue& v = it->second;
    switch (v.type()) {
      case AttrType::kS: AppendField(v.s(), &out); break;
      case AttrType::kN: out += v.n().ToString(); break;
      case AttrType::kB: out += base64::Encode(v.b()); break;
      case AttrType::kBool: out += v.boolean() ? "true" : "false"; break;
      default: AppendField(ToPlainJson(v), &out);
    }
  }
  return out;
}

}  // namespace ddb::cmd
