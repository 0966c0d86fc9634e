// DeleteItem.
#include "libddb/model/item_size.h"
#include "libddb/node/handlers.h"
#include "libddb/node/item_common.h"

namespace ddb::node {

Result<std::string> DeleteItem(Node& node, const Request& request, Reply* reply) {
  DDB_ASSIGN_OR_RETURN(std::string table_name, request.TableName());
  DDB_ASSIGN_OR_RETURN(std::optional<Item> key_item, request.OptionalItem("Key"));
  if (!key_item.has_value()) return MissingMember("key");
  DDB_ASSIGN_OR_RETURN(SingleWriteParams params, ReadSingleWriteParams(request));

  DDB_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, node.FindTable(table_name));
  DDB_ASSIGN_OR_RETURN(std::string key, KeyFromKeyParameter(table->info, *key_item));

  DDB_ASSIGN_OR_RETURN(Node::WriteScope scope, node.BeginWrite(*table, key, reply));
  DDB_ASSIGN_OR_RETURN(std::optional<Item> old, table->store->Get(key));
  DDB_RETURN_IF_ERROR(CheckWriteCondition(params, old, reply));
  const size_t old_size = old.has_value() ? ItemSize(*old) : 0;
  if (old.has_value()) {
    storage::WriteCommand batch;
    batch.Delete(key);
    batch.AddStats(-1, -static_cast<int64_t>(old_size));
    DDB_RETURN_IF_ERROR(node.Replicate(*table, batch, &scope));
  }
  return SingleWriteResponse(params, old, table_name, WriteUnits(old_size));
}

}  // namespace ddb::node
