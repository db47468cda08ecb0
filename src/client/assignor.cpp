#include "client/assignor.hpp"

#include <algorithm>
#include <set>

#include "base/coding.hpp"

namespace kafka_do::client {
namespace {

void write_string(ByteWriter& w, std::string_view s) {
  w.i16(int16_t(s.size()));
  w.bytes(s);
}

std::optional<std::string> read_string(ByteReader& r) {
  const int16_t n = r.i16();
  if (n < 0 || size_t(n) > r.remaining()) return std::nullopt;
  return std::string(r.bytes(size_t(n)));
}

// An i32 array count, bounded by the bytes left so a hostile count cannot allocate much.
std::optional<int32_t> read_count(ByteReader& r, size_t min_element_size) {
  const int32_t n = r.i32();
  if (!r.ok() || n < 0 || size_t(n) * min_element_size > r.remaining()) return std::nullopt;
  return n;
}

}  // namespace

std::string encode_assignment(const std::vector<kafka::TopicPartition>& partitions) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
  std::string out;
  ByteWriter w(out);
  w.i16(0);  // version
  w.i32(int32_t(by_topic.size()));
  for (const auto& [topic, ps] : by_topic) {
    write_string(w, topic);
    w.i32(int32_t(ps.size()));
    for (int32_t p : ps) w.i32(p);
  }
  w.i32(-1);  // user data: null
  return out;
}

std::optional<std::vector<kafka::TopicPartition>> decode_assignment(std::string_view bytes) {
  std::vector<kafka::TopicPartition> out;
  if (bytes.empty()) return out;  // a member the leader gave nothing
  ByteReader r(bytes);
  if (r.i16() < 0) return std::nullopt;
  auto topics = read_count(r, 6);
  if (!topics) return std::nullopt;
  for (int32_t i = 0; i < *topics; ++i) {
    auto topic = read_string(r);
    auto count = topic ? read_count(r, 4) : std::nullopt;
    if (!count) return std::nullopt;
    for (int32_t j = 0; j < *count; ++j) out.push_back({*topic, r.i32()});
  }
  if (!r.ok()) return std::nullopt;
  return out;
}

namespace {

// Members subscribed to each topic, sorted by member id (map order).
std::map<std::string, std::vector<std::string>> subscribers(
    const std::map<std::string, Subscription>& subscriptions) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [member, sub] : subscriptions) {
    for (const auto& t : std::set<std::string>(sub.topics.begin(), sub.topics.end()))
      out[t].push_back(member);
  }
  return out;
}

Assignment empty_for(const std::map<std::string, Subscription>& subscriptions) {
  Assignment a;
  for (const auto& [member, sub] : subscriptions) a[member];
  return a;
}

}  // namespace

Assignment assign_range(const std::map<std::string, Subscription>& subscriptions,
                        const std::map<std::string, int32_t>& partitions) {
  Assignment out = empty_for(subscriptions);
  for (const auto& [topic, members] : subscribers(subscriptions)) {
    auto it = partitions.find(topic);
    if (it == partitions.end()) continue;
    const int32_t count = it->second;
    const auto n = int32_t(members.size());
    const int32_t per = count / n;
    const int32_t extra = count % n;
    int32_t next = 0;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t take = per + (i < extra ? 1 : 0);
      for (int32_t p = next; p < next + take; ++p) out[members[size_t(i)]].push_back({topic, p});
      next += take;
    }
  }
  return out;
}

Assignment assign_round_robin(const std::map<std::string, Subscription>& subscriptions,
                              const std::map<std::string, int32_t>& partitions) {
  Assignment out = empty_for(subscriptions);
  const auto subs = subscribers(subscriptions);
  std::vector<std::string> members;
  for (const auto& [member, sub] : subscriptions) members.push_back(member);
  if (members.empty()) return out;
  size_t turn = 0;
  for (const auto& [topic, count] : partitions) {
    auto s = subs.find(topic);
    if (s == subs.end()) continue;
    const std::set<std::string> eligible(s->second.begin(), s->second.end());
    for (int32_t p = 0; p < count; ++p) {
      // Next member in turn that subscribes to this topic.
      for (size_t tries = 0; tries < members.size(); ++tries, ++turn) {
        const std::string& m = members[turn % members.size()];
        if (eligible.count(m)) {
          out[m].push_back({topic, p});
          ++turn;
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace kafka_do::client
