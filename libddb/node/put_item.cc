// PutItem.
#include "libddb/model/item_size.h"
#include "libddb/model/limits.h"
#include "libddb/node/handlers.h"
#include "libddb/node/item_common.h"

namespace ddb::node {

Result<std::string> PutItem(Node& node, const Request& request, Reply* reply) {
  // Request-level validation first, as DynamoDB does: a bad item to a missing table is a
  // ValidationException, not ResourceNotFound.
  DDB_ASSIGN_OR_RETURN(std::string table_name, request.TableName());
  DDB_ASSIGN_OR_RETURN(std::optional<Item> item, request.OptionalItem("Item"));
  if (!item.has_value()) return MissingMember("item");
  DDB_RETURN_IF_ERROR(ValidateItem(*item));
  DDB_ASSIGN_OR_RETURN(SingleWriteParams params, ReadSingleWriteParams(request));

  DDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, node.FindTable(table_name));
  DDB_ASSIGN_OR_RETURN(std::string key, KeyFromItem(table->info, *item));

  DDB_ASSIGN_OR_RETURN(Node::WriteScope scope, node.BeginWrite(*table, key, reply));
  DDB_ASSIGN_OR_RETURN(std::optional<Item> old, table->store->Get(key));
  DDB_RETURN_IF_ERROR(CheckWriteCondition(params, old, reply));
  const size_t new_size = ItemSize(*item);
  const size_t old_size = old.has_value() ? ItemSize(*old) : 0;
  storage::WriteCommand batch;
  batch.Put(key, *item);
  batch.AddStats(old.has_value() ? 0 : 1, static_cast<int64_t>(new_size) - static_cast<int64_t>(old_size));
  DDB_RETURN_IF_ERROR(node.Replicate(*table, batch, &scope));
  return SingleWriteResponse(params, old, table_name, WriteUnits(std::max(new_size, old_size)));
}

}  // namespace ddb::node
