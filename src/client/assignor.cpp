#include "client/assignor.hpp"

#include <algorithm>
#include <set>

namespace kafka_do::client {
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
