#pragma once
// A consumer group's position against the logs: per partition it has committed to, the committed
// offset, the partition's high watermark and the difference. One computation for /metrics
// (kafka_consumergroup_lag) and the console's group pages, so the two always agree.

#include <cstdint>
#include <string>
#include <vector>

#include "broker/broker.hpp"

namespace kafka_do::broker {

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;
  int64_t end = 0;  // the high watermark (what kafka_exporter calls the newest offset)
  int64_t lag = 0;  // end - committed, never negative
};

// Partitions of existing topics the group has committed offsets for, ordered by topic and
// partition. Empty without a group coordinator.
std::vector<PartitionLag> group_lag(const Broker& broker, const std::string& group);

int64_t total_lag(const std::vector<PartitionLag>& lags);

}  // namespace kafka_do::broker
