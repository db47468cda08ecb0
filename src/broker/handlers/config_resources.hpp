#pragma once
// What DescribeConfigs, AlterConfigs and IncrementalAlterConfigs share: the resource types, the
// broker's own (read-only) settings, and applying a set of changes to a topic.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/handlers/handler.hpp"
#include "storage/topic_config.hpp"

namespace kafka_do::broker::handlers {

// Kafka's ConfigResource.Type codes.
inline constexpr int8_t kTopicResource = 2;
inline constexpr int8_t kBrokerResource = 4;

// Kafka's DescribeConfigs ConfigSource codes.
inline constexpr int8_t kSourceDynamicTopic = 1;
inline constexpr int8_t kSourceStaticBroker = 4;
inline constexpr int8_t kSourceDefault = 5;

struct ConfigEntry {
  std::string name;
  std::string value;
  std::string type;  // "long", "int", "string", "boolean"
  std::string doc;
  int8_t source = kSourceDefault;
  bool read_only = false;
};

// Every key of a topic: its overrides and the defaults of the rest.
std::vector<ConfigEntry> topic_config_entries(const storage::TopicConfig& config);
// The broker-level settings a client may look at (set by `kafkado serve` flags, read-only).
std::vector<ConfigEntry> broker_config_entries(const Broker& broker);

// The outcome of altering one resource.
struct AlterOutcome {
  int16_t error_code = 0;
  std::optional<std::string> message;
};

// Applies `changes` (a value sets the key, nullopt resets it) to one resource. Broker resources
// and unknown resource types are refused; `validate_only` checks without changing anything.
AlterOutcome alter_resource(Broker& broker, int8_t resource_type, const std::string& name,
                            const std::map<std::string, std::optional<std::string>>& changes,
                            bool validate_only);

}  // namespace kafka_do::broker::handlers
