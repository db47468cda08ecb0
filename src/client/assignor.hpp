#pragma once
// Client-side partition assignment for consumer groups, as Kafka clients do it: every member
// sends its subscription (ConsumerProtocolSubscription) when joining; the leader assigns the
// partitions and sends each member its ConsumerProtocolAssignment. Both payloads are encoded by
// coordinator/consumer_protocol.hpp, in Kafka's format, so members of one group may mix clients.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka_do/consumer.hpp"

namespace kafka_do::client {

struct Subscription {
  std::vector<std::string> topics;
};

// The assignors we offer, in order of preference (librdkafka's default order).
inline constexpr std::string_view kRangeAssignor = "range";
inline constexpr std::string_view kRoundRobinAssignor = "roundrobin";

// member id -> its partitions. `subscriptions` maps member id -> subscription; `partitions` maps
// topic -> partition count. Every member gets an entry (possibly empty).
using Assignment = std::map<std::string, std::vector<kafka::TopicPartition>>;
// Range: per topic, the subscribed members (sorted by id) get contiguous ranges; the first
// (count % members) members get one extra.
Assignment assign_range(const std::map<std::string, Subscription>& subscriptions,
                        const std::map<std::string, int32_t>& partitions);
// Round robin: every partition of every topic (sorted), dealt in turn to the members (sorted)
// subscribed to its topic.
Assignment assign_round_robin(const std::map<std::string, Subscription>& subscriptions,
                              const std::map<std::string, int32_t>& partitions);

}  // namespace kafka_do::client
