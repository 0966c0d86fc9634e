#include "libddb/cluster/cluster_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace ddb::cluster {

namespace {

Status Invalid(const std::string& file, const toml::source_region& where, const std::string& what) {
  std::string msg = file;
  if (where.begin.line > 0) msg += ":" + std::to_string(where.begin.line);
  msg += ": " + what;
  return Status::Validation(std::move(msg));
}

std::string Absolute(const std::string& base_dir, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

bool ValidAddress(const std::string& a) {
  if (a.rfind("tcp://", 0) != 0) return false;
  size_t colon = a.rfind(':');
  if (colon == std::string::npos || colon < 6 || colon + 1 >= a.size()) return false;
  for (size_t i = colon + 1; i < a.size(); ++i) {
    if (a[i] < '0' || a[i] > '9') return false;
  }
  return std::stoi(a.substr(colon + 1)) > 0 && std::stoi(a.substr(colon + 1)) < 65536;
}

}  // namespace

std::optional<int64_t> ParseDuration(std::string_view text) {
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    default: return std::nullopt;
  }
  int64_t n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n * unit;
}

std::string FormatDuration(int64_t seconds) {
  if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

const NodeConfig* ClusterConfig::FindNode(int id) const {
  for (const NodeConfig& n : nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

Result<ClusterConfig> ParseClusterToml(std::string_view text, const std::string& file_name,
                                       const std::string& base_dir) {
  toml::table root;
  try {  // toml++ reports parse errors by throwing; they stay inside this function
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    return Invalid(file_name, e.source(), std::string(e.description()));
  }
  ClusterConfig config;
  config.path = file_name;
  if (const toml::table* c = root["cluster"].as_table()) {
    if (auto name = (*c)["name"].value<std::string>()) config.name = *name;
    if (auto node = (*c)["replication"]; node) {
      auto r = node.value<int64_t>();
      if (!r || *r < 1 || *r > 7) {
        return Invalid(file_name, node.node()->source(),
                       "cluster.replication must be an integer from 1 to 7");
      }
      config.replication = static_cast<int>(*r);
    }
    if (auto node = (*c)["region"]; node) {
      auto region = node.value<std::string>();
      if (!region || region->empty() ||
          region->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
        return Invalid(file_name, node.node()->source(),
                       "cluster.region must be a region name such as us-east-1");
      }
      config.region = *region;
    }
    if (auto node = (*c)["dead_after"]; node) {
      auto duration = node.value<std::string>();
      std::optional<int64_t> seconds = duration ? ParseDuration(*duration) : std::nullopt;
      if (!seconds || *seconds < 1) {
        return Invalid(file_name, node.node()->source(),
                       "cluster.dead_after must be a duration such as \"90s\", \"10m\" or \"2h\"");
      }
      config.dead_after_seconds = *seconds;
    }
  }
  const toml::array* nodes = root["node"].as_array();
  if (nodes == nullptr || nodes->empty()) {
    return Invalid(file_name, root.source(), "no [[node]] entries: a cluster needs at least one node");
  }
  std::set<int> ids;
  std::set<std::string> addresses, dirs;
  for (const toml::node& entry : *nodes) {
    const toml::table* t = entry.as_table();
    if (t == nullptr) return Invalid(file_name, entry.source(), "[[node]] must be a table");
    NodeConfig n;
    auto id = (*t)["id"].value<int64_t>();
    auto address = (*t)["address"].value<std::string>();
    auto data_dir = (*t)["data_dir"].value<std::string>();
    if (!id || *id < 1 || *id > 1000000) {
      return Invalid(file_name, t->source(), "node.id must be a positive integer");
    }
    n.id = static_cast<int>(*id);
    if (!address || !ValidAddress(*address)) {
      return Invalid(file_name, t->source(),
                     "node " + std::to_string(n.id) + ": address must look like tcp://HOST:PORT");
    }
    if (!data_dir || data_dir->empty()) {
      return Invalid(file_name, t->source(), "node " + std::to_string(n.id) + ": data_dir is required");
    }
    n.address = *address;
    n.data_dir = Absolute(base_dir, *data_dir);
    if (!ids.insert(n.id).second) {
      return Invalid(file_name, t->source(), "node id " + std::to_string(n.id) + " appears twice");
    }
    if (!addresses.insert(n.address).second) {
      return Invalid(file_name, t->source(), "address " + n.address + " is used by two nodes");
    }
    if (!dirs.insert(n.data_dir).second) {
      return Invalid(file_name, t->source(), "data_dir " + n.data_dir + " is used by two nodes");
    }
    config.nodes.push_back(std::move(n));
  }
  if (config.replication > static_cast<int>(config.nodes.size())) {
    return Invalid(file_name, root.source(),
                   "cluster.replication is " + std::to_string(config.replication) + " but only " +
                       std::to_string(config.nodes.size()) + " nodes are listed");
  }
  if (const toml::table* g = root["gateway"].as_table()) {
    if (auto node = (*g)["listen"]; node) {
      auto listen = node.value<std::string>();
      size_t colon = listen ? listen->rfind(':') : std::string::npos;
      if (!listen || colon == std::string::npos || colon == 0 || colon + 1 == listen->size() ||
          listen->find_first_not_of("0123456789", colon + 1) != std::string::npos) {
        return Invalid(file_name, node.node()->source(), "gateway.listen must look like HOST:PORT");
      }
      config.gateway_listen = *listen;
    }
  }
  if (const toml::table* b = root["backup"].as_table()) {
    if (auto target = (*b)["target"].value<std::string>()) {
      config.backup_target = *target;
      if (config.backup_target.rfind("file://", 0) == 0) {
        config.backup_target = "file://" + Absolute(base_dir, config.backup_target.substr(7));
      }
    }
  }
  if (const toml::array* keys = root["access_key"].as_array()) {
    for (const toml::node& entry : *keys) {
      const toml::table* t = entry.as_table();
      auto key_id = t ? (*t)["id"].value<std::string>() : std::nullopt;
      auto secret = t ? (*t)["secret"].value<std::string>() : std::nullopt;
      if (!key_id || !secret || key_id->empty() || secret->empty()) {
        return Invalid(file_name, entry.source(), "[[access_key]] needs a non-empty id and secret");
      }
      config.access_keys.push_back({*key_id, *secret});
    }
  }
  return config;
}

Result<ClusterConfig> LoadClusterFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::ResourceNotFound("cannot read cluster file " + path +
                                    " (run 'ddb-cluster up', or pass --cluster FILE)");
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string dir = std::filesystem::absolute(path).parent_path().string();
  return ParseClusterToml(text.str(), path, dir);
}

std::string ResolveClusterPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("DDB_CLUSTER"); env != nullptr && *env != '\0') return env;
  return ".ddb/cluster.toml";
}

ClusterConfig DefaultLocalCluster(const std::string& dir, int nodes, int base_port,
                                  const std::string& gateway_listen) {
  ClusterConfig c;
  c.gateway_listen = gateway_listen;
  c.name = "local";
  c.replication = nodes >= 3 ? 3 : 1;
  for (int i = 1; i <= nodes; ++i) {
    c.nodes.push_back({i, "tcp://127.0.0.1:" + std::to_string(base_port + i),
                       (std::filesystem::path(dir) / ("node" + std::to_string(i))).string()});
  }
  c.backup_target = "file://" + (std::filesystem::path(dir) / "backups").string();
  // A development key pair, fixed so that documentation and scripts can name it.
  c.access_keys.push_back({"AKIDDDBLOCAL00000001", "ddb-local-development-secret-do-not-use"});
  return c;
}

std::string RenderClusterToml(const ClusterConfig& config, const std::string& dir) {
  auto relative = [&](const std::string& p) {
    std::filesystem::path rel = std::filesystem::path(p).lexically_relative(dir);
    return (!rel.empty() && rel.native().rfind("..", 0) != 0) ? rel.string() : p;
  };
  auto quote = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  std::ostringstream out;
  out << "# ddb cluster file: see DESIGN.md section 2 and man ddb-cluster.\n";
  out << "[cluster]\nname = " << quote(config.name) << "\nreplication = " << config.replication
      << "\nregion = " << quote(config.region) << "\ndead_after = "
      << quote(FormatDuration(config.dead_after_seconds)) << "\n";
  for (const NodeConfig& n : config.nodes) {
    out << "\n[[node]]\nid = " << n.id << "\naddress = " << quote(n.address)
        << "\ndata_dir = " << quote(relative(n.data_dir)) << "\n";
  }
  out << "\n[gateway]\nlisten = " << quote(config.gateway_listen) << "\n";
  if (!config.backup_target.empty()) {
    std::string target = config.backup_target;
    if (target.rfind("file://", 0) == 0) target = "file://" + relative(target.substr(7));
    out << "\n[backup]\ntarget = " << quote(target) << "\n";
  }
  for (const AccessKey& k : config.access_keys) {
    out << "\n[[access_key]]\nid = " << quote(k.id) << "\nsecret = " << quote(k.secret) << "\n";
  }
  return out.str();
}

}  // namespace ddb::cluster
