// The request handlers, one per DynamoDB operation, each in its own file. Each takes the
// parsed request and returns the response body (DynamoDB JSON) or the error.
#pragma once

#include <string>

#include "libddb/core/result.h"
#include "libddb/node/node.h"

namespace ddb::node {

Result<std::string> CreateTable(Node& node, const Request& request, Reply* reply);
Result<std::string> DescribeTable(Node& node, const Request& request, Reply* reply);
Result<std::string> ListTables(Node& node, const Request& request, Reply* reply);
Result<std::string> DeleteTable(Node& node, const Request& request, Reply* reply);
Result<std::string> UpdateTable(Node& node, const Request& request, Reply* reply);
Result<std::string> PutItem(Node& node, const Request& request, Reply* reply);
Result<std::string> GetItem(Node& node, const Request& request, Reply* reply);
Result<std::string> DeleteItem(Node& node, const Request& request, Reply* reply);
Result<std::string> UpdateItem(Node& node, const Request& request, Reply* reply);
Result<std::string> Query(Node& node, const Request& request, Reply* reply);
Result<std::string> Scan(Node& node, const Request& request, Reply* reply);
Result<std::string> BatchGetItem(Node& node, const Request& request, Reply* reply);
Result<std::string> BatchWriteItem(Node& node, const Request& request, Reply* reply);
// ddb's own: this node's replicas, for ddb-cluster status (node_status.cc).
Result<std::string> NodeStatus(Node& node, const Request& request, Reply* reply);
// ddb's own: adopt a new node list, for ddb-cluster apply (set_nodes.cc).
Result<std::string> SetNodes(Node& node, const Request& request, Reply* reply);

}  // namespace ddb::node
