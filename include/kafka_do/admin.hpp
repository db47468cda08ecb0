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

// One partition's offsets and size (Admin::describe_topic).
struct PartitionInfo {
  int32_t partition = 0;
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
  // Where read_committed consumers stop: the first offset of the oldest open transaction, else the
  // high watermark.
  int64_t last_stable_offset = 0;
  // Bytes of the partition's log on disk; -1 where the backend cannot tell (kafka://: Debian's
  // librdkafka 2.0 has no DescribeLogDirs).
  int64_t size_bytes = -1;
};

struct TopicInfo {
  std::string name;
  int partitions = 0;
  // retention.ms in effect; nullopt means records are kept forever (Kafka's -1).
  std::optional<Duration> retention;
  // Every topic config key with its value in effect.
  std::map<std::string, std::string> config;
  // The keys of `config` set on the topic itself (the others have their defaults).
  std::vector<std::string> overrides;
  // Per partition, in partition order; filled by describe_topic only (list_topics leaves it empty).
  std::vector<PartitionInfo> partition_info;
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

// Where Admin::reset_offsets moves a group's committed offsets, per partition. Converts from an
// Offset (earliest, latest, a time).
class OffsetReset {
 public:
  enum class Kind { earliest, latest, time, offset, shift };
  OffsetReset(const Offset& to)  // NOLINT: implicit, so reset_offsets(g, t, Offset::earliest) reads
      : kind_(to.kind() == Offset::Kind::earliest ? Kind::earliest
              : to.kind() == Offset::Kind::latest ? Kind::latest
                                                  : Kind::time),
        time_(to.time()) {}
  // To this offset in every partition (clamped to the log start and the high watermark).
  static OffsetReset to_offset(int64_t offset) { return OffsetReset(Kind::offset, offset); }
  // By `delta` from the committed offset (from the log start where nothing is committed), clamped.
  static OffsetReset shift_by(int64_t delta) { return OffsetReset(Kind::shift, delta); }

  Kind kind() const { return kind_; }
  int64_t value() const { return value_; }
  std::chrono::system_clock::time_point time() const { return time_; }

 private:
  OffsetReset(Kind kind, int64_t value) : kind_(kind), value_(value) {}
  Kind kind_;
  int64_t value_ = 0;
  std::chrono::system_clock::time_point time_{};
};

// One partition of a reset: the committed offset before (-1: none) and after.
struct OffsetChange {
  std::string topic;
  int32_t partition = 0;
  int64_t from = -1;
  int64_t to = 0;
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
  // With partition_info. Throws TopicNotFoundError.
  TopicInfo describe_topic(const std::string& name);
  void alter_topic(const std::string& name, const TopicAlteration& changes);
  // Grows the topic to `total` partitions (Kafka's CreatePartitions); ConfigError when it already
  // has as many or more (partitions are never removed).
  void increase_partitions_to(const std::string& name, int total);
  void delete_topic(const std::string& name);

  std::vector<GroupInfo> list_groups();
  GroupDescription describe_group(const std::string& group);
  // Moves the group's committed offsets for every partition of `topic` and returns what changed
  // (with dry_run, what would change; nothing is committed). Refused with GroupCoordinatorError
  // (NON_EMPTY_GROUP) while the group has active members, as Kafka does.
  std::vector<OffsetChange> reset_offsets(const std::string& group, const std::string& topic,
                                          const OffsetReset& to, bool dry_run = false);
  // Refused while the group has members; throws GroupCoordinatorError for an unknown group.
  void delete_group(const std::string& group);

 private:
  std::shared_ptr<detail::AdminCore> core_;
};

}  // namespace kafka
