#pragma once
// Administration: topics (create, list, describe, alter, delete) and consumer groups (list,
// describe with lag, reset offsets, delete).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafka_do/consumer.hpp"
#include "kafka_do/duration.hpp"

namespace kafka {

struct TopicOptions {
  int partitions = 1;
  // retention.ms; nullopt keeps the default (7 days).
  std::optional<Duration> retention;
  // retention.bytes per partition.
  std::optional<int64_t> retention_bytes;
  // Any other topic config, under Kafka's names ("segment.bytes", "cleanup.policy", ...).
  std::map<std::string, std::string> config;
  // Create succeeds quietly when the topic exists (instead of TopicAlreadyExistsError).
  bool if_not_exists = false;
};

// Changes to a topic's config: set fields are applied, others left as they are.
struct TopicAlteration {
  std::optional<Duration> retention;
  std::optional<int64_t> retention_bytes;
  std::map<std::string, std::string> config;
  // Keys to reset to their defaults.
  std::vector<std::string> reset;
};

struct TopicInfo {
  std::string name;
  int partitions = 0;
  // retention.ms in effect; nullopt means records are kept forever.
  std::optional<Duration> retention;
  int64_t retention_ms = 0;  // as Kafka spells it (-1 = forever)
  // Every topic config key with its value in effect.
  std::map<std::string, std::string> config;
};

struct GroupInfo {
  std::string id;
  int member_count = 0;
  std::string state;
};

struct GroupMember {
  std::string id;
  std::string client_id;
  std::string host;
  std::vector<TopicPartition> assignment;
};

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;  // -1: nothing committed
  int64_t end_offset = 0;  // high watermark
  int64_t lag = 0;         // end_offset - committed (end_offset - log start when nothing committed)
};

struct GroupDescription {
  std::string id;
  // "Empty", "PreparingRebalance", "CompletingRebalance", "Stable" or "Dead".
  std::string state;
  std::vector<GroupMember> members;
  std::vector<PartitionLag> partitions;
  int64_t total_lag = 0;
};

namespace detail {
class AdminCore;
}

class Admin {
 public:
  explicit Admin(std::shared_ptr<detail::AdminCore> core);

  // Throws TopicAlreadyExistsError (unless if_not_exists), ConfigError for a bad config.
  void create_topic(const std::string& name, const TopicOptions& options = {});
  std::vector<TopicInfo> list_topics();
  // Throws TopicNotFoundError.
  TopicInfo describe_topic(const std::string& name);
  void alter_topic(const std::string& name, const TopicAlteration& changes);
  // Grows the topic to `partitions` partitions.
  void add_partitions(const std::string& name, int partitions);
  void delete_topic(const std::string& name);

  std::vector<GroupInfo> list_groups();
  GroupDescription describe_group(const std::string& group);
  // Moves the group's committed offsets for every partition of `topic`. Refused with
  // GroupCoordinatorError (NON_EMPTY_GROUP) while the group has active members, as Kafka does.
  void reset_offsets(const std::string& group, const std::string& topic, const Offset& to);
  // Refused while the group has members; throws GroupCoordinatorError for an unknown group.
  void delete_group(const std::string& group);

 private:
  std::shared_ptr<detail::AdminCore> core_;
};

}  // namespace kafka
