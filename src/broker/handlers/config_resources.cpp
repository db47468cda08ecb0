#include "broker/handlers/config_resources.hpp"

namespace kafka_do::broker::handlers {

std::vector<ConfigEntry> topic_config_entries(const storage::TopicConfig& config) {
  std::vector<ConfigEntry> entries;
  for (const auto& key : storage::TopicConfig::keys()) {
    const std::string name(key.name);
    entries.push_back(
        {.name = name,
         .value = config.get(name).value_or(""),
         .type = std::string(key.type),
         .doc = std::string(key.doc),
         .source = config.overrides.count(name) > 0 ? kSourceDynamicTopic : kSourceDefault,
         .read_only = false});
  }
  return entries;
}

std::vector<ConfigEntry> broker_config_entries(const Broker& broker) {
  const BrokerConfig& c = broker.config;
  auto entry = [](std::string name, std::string value, std::string type, std::string doc) {
    return ConfigEntry{.name = std::move(name),
                       .value = std::move(value),
                       .type = std::move(type),
                       .doc = std::move(doc),
                       .source = kSourceStaticBroker,
                       .read_only = true};
  };
  return {
      entry("broker.id", std::to_string(c.node_id), "int", "This node's id (single node)."),
      entry("num.partitions", std::to_string(c.default_partitions), "int",
            "Partitions of an auto-created topic (kafkado serve --default-partitions)."),
      entry("auto.create.topics.enable", c.auto_create_topics ? "true" : "false", "boolean",
            "Whether Metadata for an unknown topic creates it."),
      entry("default.replication.factor", "1", "int", "Always 1: kafka-do is single-node."),
      entry("log.dirs", broker.logs.directory(), "string", "The data directory (--data)."),
      entry("advertised.listeners",
            "PLAINTEXT://" + c.advertised_host + ":" + std::to_string(c.advertised_port), "string",
            "The address clients are told to connect to (--advertise)."),
  };
}

namespace {

AlterOutcome failure(model::ErrorCode code, std::string message) {
  return {model::to_wire(code), std::move(message)};
}

}  // namespace

AlterOutcome alter_resource(Broker& broker, int8_t resource_type, const std::string& name,
                            const std::map<std::string, std::optional<std::string>>& changes,
                            bool validate_only) {
  if (resource_type == kBrokerResource) {
    return failure(model::ErrorCode::invalid_request,
                   "broker configs are read-only: set them with kafkado serve flags");
  }
  if (resource_type != kTopicResource) {
    return failure(model::ErrorCode::invalid_request,
                   "unsupported config resource type " + std::to_string(resource_type));
  }
  auto topic = broker.logs.describe_topic(name);
  if (!topic) return failure(model::ErrorCode::unknown_topic_or_partition, topic.error().message());
  if (validate_only) {
    storage::TopicConfig config = topic->config;
    for (const auto& [key, value] : changes) {
      Status applied = value ? config.set(key, *value) : config.reset(key);
      if (!applied) return failure(model::ErrorCode::invalid_config, applied.error().message());
    }
    return {};
  }
  Status altered = broker.logs.alter_topic_config(name, changes);
  if (altered) return {};
  const auto code = altered.error().code() == Errc::invalid_argument
                        ? model::ErrorCode::invalid_config
                        : model::ErrorCode::unknown_server_error;
  return failure(code, altered.error().message());
}

}  // namespace kafka_do::broker::handlers
