#pragma once
// Per-topic configuration, under Kafka's key names. One table (topic_config.cpp) maps every key
// to its field, default, validation and documentation; the broker's DescribeConfigs/AlterConfigs
// and the SDK's admin use the same table. Only keys the engine honours are accepted: an unknown
// key is an error, never silently stored.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace kafka_do::storage {

struct TopicConfig {
  // Delete segments whose newest record is older than this (ms); -1 keeps them forever.
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
  // Delete oldest segments while the partition is larger than this (bytes); -1 = no limit.
  int64_t retention_bytes = -1;
  // Roll to a new segment when the active one would exceed this size (bytes).
  int64_t segment_bytes = 1LL << 30;
  // Roll to a new segment when the active one is older than this (ms since it was created).
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;
  // "delete" (retention applies), "compact" (the cleaner keeps the latest record per key) or
  // "compact,delete" (both).
  std::string cleanup_policy = "delete";
  // Compaction (log_cleaner.hpp): clean once this share of the sealed bytes is dirty...
  double min_cleanable_dirty_ratio = 0.5;
  // ...but never a record younger than this (ms, by its timestamp)...
  int64_t min_compaction_lag_ms = 0;
  // ...and always once the oldest dirty record is older than this, whatever the ratio.
  int64_t max_compaction_lag_ms = INT64_MAX;
  // How long a tombstone stays readable after the cleaner first kept it (ms).
  int64_t delete_retention_ms = 24LL * 3600 * 1000;
  // Largest record batch accepted (bytes, as stored).
  int32_t max_message_bytes = 1048588;
  // "CreateTime" keeps the producer's timestamps; "LogAppendTime" stamps batches on append.
  std::string message_timestamp_type = "CreateTime";

  // Keys explicitly set for this topic (the rest are defaults). Only these are persisted.
  std::set<std::string> overrides;

  // Sets one key from its string form, validating it. Marks it as an override.
  Status set(std::string_view key, std::string_view value);
  // Resets one key to its default.
  Status reset(std::string_view key);
  // The string value of a key, or nullopt for an unknown key.
  std::optional<std::string> get(std::string_view key) const;
  bool retention_deletes() const { return cleanup_policy.find("delete") != std::string::npos; }
  bool compacts() const { return cleanup_policy.find("compact") != std::string::npos; }
  bool log_append_time() const { return message_timestamp_type == "LogAppendTime"; }

  // Overridden keys and their values (what is persisted in topic.json).
  std::map<std::string, std::string> override_map() const;
  // Builds a config from defaults plus `entries`, failing on the first bad one.
  static Result<TopicConfig> from_map(const std::map<std::string, std::string>& entries);

  struct KeyInfo {
    std::string_view name;
    std::string_view type;  // "long", "int", "string"
    std::string_view doc;
  };
  static const std::vector<KeyInfo>& keys();
};

}  // namespace kafka_do::storage
