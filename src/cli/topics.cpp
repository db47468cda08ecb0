// `kafkado topics ...`: create, list, describe, alter, add-partitions, delete.

#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/commands.hpp"
#include "storage/topic_config.hpp"

namespace kafka_do::cli {
namespace {

Result<std::map<std::string, std::string>> parse_configs(const std::vector<std::string>& entries) {
  std::map<std::string, std::string> out;
  for (const auto& entry : entries) {
    KD_ASSIGN(auto kv, parse_config_entry(entry));
    out[kv.first] = kv.second;
  }
  return out;
}

Status describe_one(const storage::LogManager& logs, const std::string& name) {
  KD_ASSIGN(auto d, logs.describe_topic(name));
  std::printf("Topic: %s\tPartitions: %d\n", d.name.c_str(), d.partitions);
  std::printf("  %-9s  %-12s  %-14s  %-14s  %s\n", "PARTITION", "LOG-START", "HIGH-WATERMARK",
              "SIZE-BYTES", "SEGMENTS");
  for (int32_t p = 0; p < d.partitions; ++p) {
    KD_ASSIGN(auto log, logs.partition(name, p));
    std::printf("  %-9d  %-12lld  %-14lld  %-14llu  %zu\n", p,
                static_cast<long long>(log->log_start_offset()),
                static_cast<long long>(log->high_watermark()),
                static_cast<unsigned long long>(log->size_bytes()), log->segment_count());
  }
  size_t width = 0;
  for (const auto& key : storage::TopicConfig::keys()) width = std::max(width, key.name.size());
  std::printf("  Configs:\n");
  for (const auto& key : storage::TopicConfig::keys()) {
    const std::string k(key.name);
    const std::string value = d.config.get(k).value_or("?");
    const bool set = d.config.overrides.count(k) > 0;
    std::printf("    %-*s  %-20s  (%s)\n", int(width), k.c_str(), value.c_str(),
                set ? "set" : "default");
  }
  return {};
}

}  // namespace

Status topics_create(const GlobalOptions& global, const TopicCreateOptions& options) {
  KD_ASSIGN(auto configs, parse_configs(options.configs));
  KD_ASSIGN(auto logs, open_data_dir(global));
  auto created = logs->create_topic(options.name, options.partitions, configs);
  if (!created) {
    if (created.error().code() == Errc::already_exists && options.if_not_exists) {
      return logs->close();
    }
    return created.error();
  }
  std::printf("Created topic %s with %d partition%s.\n", options.name.c_str(), options.partitions,
              options.partitions == 1 ? "" : "s");
  return logs->close();
}

Status topics_list(const GlobalOptions& global) {
  KD_ASSIGN(auto logs, open_data_dir(global));
  auto names = logs->topic_names();
  std::sort(names.begin(), names.end());
  for (const auto& name : names) std::printf("%s\n", name.c_str());
  return logs->close();
}

Status topics_describe(const GlobalOptions& global, const std::string& name) {
  KD_ASSIGN(auto logs, open_data_dir(global));
  if (!name.empty()) {
    KD_TRY(require_topic(*logs, name));
    KD_TRY(describe_one(*logs, name));
  } else {
    auto names = logs->topic_names();
    std::sort(names.begin(), names.end());
    for (size_t i = 0; i < names.size(); ++i) {
      if (i > 0) std::printf("\n");
      KD_TRY(describe_one(*logs, names[i]));
    }
  }
  return logs->close();
}

Status topics_alter(const GlobalOptions& global, const TopicAlterOptions& options) {
  if (options.configs.empty() && options.delete_configs.empty()) {
    return Error(Errc::invalid_argument,
                 "nothing to alter: give --config key=value or --delete-config key");
  }
  KD_ASSIGN(auto sets, parse_configs(options.configs));
  std::map<std::string, std::optional<std::string>> changes;
  for (const auto& [k, v] : sets) changes[k] = v;
  for (const auto& key : options.delete_configs) {
    if (sets.count(key) > 0) {
      return Error(Errc::invalid_argument, "config '" + key + "' is both set and deleted");
    }
    changes[key] = std::nullopt;
  }
  KD_ASSIGN(auto logs, open_data_dir(global));
  KD_TRY(require_topic(*logs, options.name));
  KD_TRY(logs->alter_topic_config(options.name, changes));
  std::printf("Altered topic %s.\n", options.name.c_str());
  return logs->close();
}

Status topics_add_partitions(const GlobalOptions& global, const std::string& name, int32_t total) {
  KD_ASSIGN(auto logs, open_data_dir(global));
  KD_TRY(require_topic(*logs, name));
  KD_TRY(logs->create_partitions(name, total));
  std::printf("Topic %s now has %d partitions.\n", name.c_str(), total);
  return logs->close();
}

Status topics_delete(const GlobalOptions& global, const std::string& name, bool if_exists) {
  KD_ASSIGN(auto logs, open_data_dir(global));
  if (!logs->has_topic(name)) {
    if (if_exists) return logs->close();
    return unknown_topic(name);
  }
  KD_TRY(logs->delete_topic(name));
  std::printf("Deleted topic %s.\n", name.c_str());
  return logs->close();
}

}  // namespace kafka_do::cli
