#pragma once
// The consumer protocol's two payloads ("consumer" protocol type), the one codec for both: a
// member's subscription (JoinGroup metadata, ConsumerProtocolSubscription) and the partitions the
// leader gives it (SyncGroup assignment, ConsumerProtocolAssignment). Each is int16 version, then
// the generated struct (src/protocol/gen) at that version; later versions only append fields, so
// a payload newer than the schemas we have is read as our highest version.
//
// The coordinator reads subscriptions (OffsetDelete refuses to delete offsets of subscribed
// topics); embedded consumers write both and their group leader reads both.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka_do/consumer.hpp"

namespace kafka_do::coordinator {

inline constexpr std::string_view kConsumerProtocolType = "consumer";

// The topics of a subscription, or nullopt when the bytes do not parse.
std::optional<std::vector<std::string>> decode_subscription_topics(std::string_view metadata);

// A version-0 subscription (topics, null user data), as librdkafka's range and roundrobin
// assignors send it.
std::string encode_subscription(const std::vector<std::string>& topics);

// A version-0 assignment (partitions grouped by topic, topics sorted, null user data).
std::string encode_assignment(const std::vector<kafka::TopicPartition>& partitions);
// The partitions of an assignment; empty bytes (a member the leader gave nothing) are none;
// nullopt when the bytes do not parse.
std::optional<std::vector<kafka::TopicPartition>> decode_assignment(std::string_view bytes);

}  // namespace kafka_do::coordinator
