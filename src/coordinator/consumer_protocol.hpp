#pragma once
// The part of the consumer protocol ("consumer" protocol type) the coordinator must understand:
// the subscribed topics at the front of a member's ConsumerProtocolSubscription (every version
// starts with version:int16 topics:[int32 count, int16-length strings]; later versions only
// append fields). OffsetDelete needs them to refuse deleting offsets of subscribed topics.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kafka_do::coordinator {

inline constexpr std::string_view kConsumerProtocolType = "consumer";

// The topics of a subscription, or nullopt when the bytes do not parse.
std::optional<std::vector<std::string>> decode_subscription_topics(std::string_view metadata);

// A version-0 subscription (topics, null user data): what tests and simple members send.
std::string encode_subscription(const std::vector<std::string>& topics);

}  // namespace kafka_do::coordinator
