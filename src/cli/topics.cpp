// `kafkado topics ...`: create, list, describe, alter, add-partitions, delete — on the SDK's Admin.

#include <algorithm>
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace kafka_do::cli {
namespace {

std::map<std::string, std::string> parse_configs(const std::vector<std::string>& entries) {
  std::map<std::string, std::string> out;
  for (const auto& entry : entries) out.insert(parse_key_value(entry, "config"));
  return out;
}

std::string size_text(int64_t bytes) { return bytes < 0 ? "-" : std::to_string(bytes); }

kafka::Json to_json(const kafka::TopicInfo& info) {
  kafka::Json partitions = kafka::Json::array();
  for (const auto& p : info.partition_info) {
    partitions.push_back(
        {{"partition", p.partition},
         {"log_start_offset", p.log_start_offset},
         {"high_watermark", p.high_watermark},
         {"last_stable_offset", p.last_stable_offset},
         {"size_bytes", p.size_bytes < 0 ? kafka::Json() : kafka::Json(p.size_bytes)}});
  }
  return {{"name", info.name},
          {"partitions", info.partitions},
          {"partition_info", partitions},
          {"config", info.config},
          {"overrides", info.overrides}};
}

void describe_one(const kafka::TopicInfo& info) {
  std::printf("Topic: %s\tPartitions: %d\n", info.name.c_str(), info.partitions);
  Table partitions({"PARTITION", "LOG-START", "HIGH-WATERMARK", "LAST-STABLE", "SIZE-BYTES"});
  for (const auto& p : info.partition_info) {
    partitions.add({std::to_string(p.partition), std::to_string(p.log_start_offset),
                    std::to_string(p.high_watermark), std::to_string(p.last_stable_offset),
                    size_text(p.size_bytes)});
  }
  partitions.print(2);
  std::printf("  Configs:\n");
  Table configs({"NAME", "VALUE", "SOURCE"});
  for (const auto& [k, v] : info.config) {
    const bool set =
        std::find(info.overrides.begin(), info.overrides.end(), k) != info.overrides.end();
    configs.add({k, v, set ? "topic" : "default"});
  }
  configs.print(4);
}

}  // namespace

void topics_create(const GlobalOptions& global, const TopicCreateOptions& options) {
  kafka::TopicOptions topic;
  topic.partitions = options.partitions;
  topic.config = parse_configs(options.configs);
  topic.if_not_exists = options.if_not_exists;
  auto admin = connect(global).admin();
  if (options.if_not_exists) {
    try {
      (void)admin.describe_topic(options.name);
      return;  // there already: nothing to say
    } catch (const kafka::TopicNotFoundError&) {
    }
  }
  admin.create_topic(options.name, topic);
  if (!global.quiet) {
    std::printf("Created topic %s with %d partition%s.\n", options.name.c_str(), options.partitions,
                options.partitions == 1 ? "" : "s");
  }
}

void topics_list(const GlobalOptions& global, bool json) {
  const auto topics = connect(global).admin().list_topics();
  if (json) {
    kafka::Json out = kafka::Json::array();
    for (const auto& t : topics) out.push_back({{"name", t.name}, {"partitions", t.partitions}});
    print_json(out);
    return;
  }
  for (const auto& t : topics) std::printf("%s\n", t.name.c_str());
}

void topics_describe(const GlobalOptions& global, const std::string& name, bool json) {
  auto admin = connect(global).admin();
  std::vector<kafka::TopicInfo> topics;
  if (!name.empty()) {
    topics.push_back(admin.describe_topic(name));
  } else {
    for (const auto& t : admin.list_topics()) topics.push_back(admin.describe_topic(t.name));
  }
  if (json) {
    kafka::Json out = kafka::Json::array();
    for (const auto& t : topics) out.push_back(to_json(t));
    print_json(name.empty() ? out : out[0]);
    return;
  }
  for (size_t i = 0; i < topics.size(); ++i) {
    if (i > 0) std::printf("\n");
    describe_one(topics[i]);
  }
}

void topics_alter(const GlobalOptions& global, const TopicAlterOptions& options) {
  if (options.configs.empty() && options.delete_configs.empty()) {
    throw UsageError("nothing to alter: give --config name=value or --delete-config name");
  }
  kafka::TopicAlteration changes;
  changes.config = parse_configs(options.configs);
  for (const auto& key : options.delete_configs) {
    if (changes.config.count(key) > 0) {
      throw UsageError("config '" + key + "' is both set and deleted");
    }
    changes.reset.push_back(key);
  }
  connect(global).admin().alter_topic(options.name, changes);
  if (!global.quiet) std::printf("Altered topic %s.\n", options.name.c_str());
}

void topics_increase_partitions(const GlobalOptions& global, const std::string& name,
                                int32_t total) {
  connect(global).admin().increase_partitions_to(name, total);
  if (!global.quiet) std::printf("Topic %s now has %d partitions.\n", name.c_str(), total);
}

void topics_delete(const GlobalOptions& global, const std::string& name, bool if_exists) {
  try {
    connect(global).admin().delete_topic(name);
  } catch (const kafka::TopicNotFoundError&) {
    if (if_exists) return;
    throw;
  }
  if (!global.quiet) std::printf("Deleted topic %s.\n", name.c_str());
}

}  // namespace kafka_do::cli
