#include "broker/metrics/group_lag.hpp"

#include <algorithm>

namespace kafka_do::broker {

std::vector<PartitionLag> group_lag(const Broker& broker, const std::string& group) {
  std::vector<PartitionLag> out;
  if (broker.groups == nullptr) return out;
  const auto fetched = broker.groups->fetch_offsets(group, std::nullopt);
  for (const auto& entry : fetched.partitions) {
    if (entry.offset < 0) continue;
    auto log = broker.logs.partition(entry.topic, entry.partition);
    if (!log) continue;
    PartitionLag lag{entry.topic, entry.partition, entry.offset, (*log)->high_watermark(), 0};
    lag.lag = std::max<int64_t>(0, lag.end - lag.committed);
    out.push_back(std::move(lag));
  }
  std::sort(out.begin(), out.end(), [](const PartitionLag& a, const PartitionLag& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

int64_t total_lag(const std::vector<PartitionLag>& lags) {
  int64_t sum = 0;
  for (const auto& l : lags) sum += l.lag;
  return sum;
}

}  // namespace kafka_do::broker
