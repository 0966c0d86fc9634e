// CSV with typed columns for ddb-import and ddb-export: a header of NAME[:TYPE] columns
// (TYPE S, N, B or BOOL; S when absent), RFC 4180 quoting, empty fields left out of the item.
#pragma once

#include <string>
#include <vector>

#include "libddb/core/result.h"
#include "libddb/model/attribute_value.h"

namespace ddb::cmd {

struct CsvColumn {
  std::string name;
  AttrType type = AttrType::kS;
};

// Splits one CSV record (a whole line; quoted fields may not span lines).
Result<std::vector<std::string>> SplitCsv(const std::string& line);
Result<std::vector<CsvColumn>> ParseCsvHeader(const std::string& line);
Result<Item> CsvRecordToItem(const std::vector<CsvColumn>& columns, const std::string& line);
// One CSV record for `item` under `columns` (missing attributes are empty fields; values of
// other types than the column's are written as their plain JSON).
std::string ItemToCsv(const std::vector<CsvColumn>& columns, const Item& item);
std::string CsvHeader(const std::vector<CsvColumn>& columns);

}  // namespace ddb::cmd
