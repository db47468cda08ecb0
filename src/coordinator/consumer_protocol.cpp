#include "coordinator/consumer_protocol.hpp"

#include <algorithm>
#include <map>

#include "base/coding.hpp"
#include "protocol/gen/consumer_protocol_assignment.hpp"
#include "protocol/gen/consumer_protocol_subscription.hpp"

namespace kafka_do::coordinator {
namespace {

// Reads `version:int16` then the struct at min(version, what the schema knows).
template <typename Payload>
std::optional<Payload> decode_payload(std::string_view bytes) {
  ByteReader r(bytes);
  const int16_t version = r.i16();
  Payload payload;
  if (!r.ok() || version < 0 ||
      !payload.decode(r, std::min<int16_t>(version, Payload::highest_version))) {
    return std::nullopt;
  }
  return payload;
}

template <typename Payload>
std::string encode_payload(const Payload& payload) {
  std::string out;
  ByteWriter w(out);
  w.i16(0);
  payload.encode(w, 0);
  return out;
}

}  // namespace

std::optional<std::vector<std::string>> decode_subscription_topics(std::string_view metadata) {
  auto subscription = decode_payload<protocol::ConsumerProtocolSubscription>(metadata);
  if (!subscription) return std::nullopt;
  return std::move(subscription->topics);
}

std::string encode_subscription(const std::vector<std::string>& topics) {
  protocol::ConsumerProtocolSubscription subscription;
  subscription.topics = topics;
  return encode_payload(subscription);
}

std::string encode_assignment(const std::vector<kafka::TopicPartition>& partitions) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
  protocol::ConsumerProtocolAssignment assignment;
  for (auto& [topic, ps] : by_topic)
    assignment.assigned_partitions.push_back({topic, std::move(ps)});
  return encode_payload(assignment);
}

std::optional<std::vector<kafka::TopicPartition>> decode_assignment(std::string_view bytes) {
  std::vector<kafka::TopicPartition> out;
  if (bytes.empty()) return out;
  auto assignment = decode_payload<protocol::ConsumerProtocolAssignment>(bytes);
  if (!assignment) return std::nullopt;
  for (const auto& topic : assignment->assigned_partitions) {
    for (int32_t p : topic.partitions) out.push_back({topic.topic, p});
  }
  return out;
}

}  // namespace kafka_do::coordinator
