#include "coordinator/consumer_protocol.hpp"

#include "base/coding.hpp"

namespace kafka_do::coordinator {

std::optional<std::vector<std::string>> decode_subscription_topics(std::string_view metadata) {
  ByteReader r(metadata);
  const int16_t version = r.i16();
  const int32_t count = r.i32();
  // Each topic takes at least its 2-byte length: a larger count cannot be genuine.
  if (!r.ok() || version < 0 || count < 0 || size_t(count) > r.remaining() / 2) return std::nullopt;
  std::vector<std::string> topics;
  topics.reserve(size_t(count));
  for (int32_t i = 0; i < count; ++i) {
    const int16_t n = r.i16();
    if (n < 0) return std::nullopt;
    topics.emplace_back(r.bytes(size_t(n)));
  }
  if (!r.ok()) return std::nullopt;
  return topics;
}

std::string encode_subscription(const std::vector<std::string>& topics) {
  std::string out;
  ByteWriter w(out);
  w.i16(0);
  w.i32(int32_t(topics.size()));
  for (const auto& t : topics) {
    w.i16(int16_t(t.size()));
    w.bytes(t);
  }
  w.i32(-1);  // user data: null
  return out;
}

}  // namespace kafka_do::coordinator
