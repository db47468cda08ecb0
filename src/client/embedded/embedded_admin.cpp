#include "client/embedded/embedded_admin.hpp"

#include <set>

#include "client/embedded/embedded_backend.hpp"
#include "client/errors.hpp"
#include "coordinator/consumer_protocol.hpp"

namespace kafka_do::client {
namespace {

kafka::TopicInfo to_info(const storage::TopicDescription& d) {
  kafka::TopicInfo info;
  info.name = d.name;
  info.partitions = d.partitions;
  if (d.config.retention_ms >= 0) info.retention = std::chrono::milliseconds(d.config.retention_ms);
  for (const auto& key : storage::TopicConfig::keys()) {
    info.config[std::string(key.name)] = *d.config.get(key.name);
  }
  info.overrides.assign(d.config.overrides.begin(), d.config.overrides.end());
  return info;
}

bool internal_topic(const std::string& name) { return name.rfind("__", 0) == 0; }

}  // namespace

void EmbeddedAdmin::create_topic(const std::string& name, const kafka::TopicOptions& options) {
  std::map<std::string, std::string> config = options.config;
  if (options.retention) config["retention.ms"] = std::to_string(options.retention->count_ms());
  if (options.retention_bytes) config["retention.bytes"] = std::to_string(*options.retention_bytes);
  auto created = backend_->logs().create_topic(name, options.partitions, config);
  if (!created && created.error().code() == Errc::already_exists && options.if_not_exists) return;
  check(created, Subject::topic);
}

std::vector<kafka::TopicInfo> EmbeddedAdmin::list_topics() {
  std::vector<kafka::TopicInfo> out;
  auto names = backend_->logs().topic_names();
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (internal_topic(name)) continue;
    if (auto d = backend_->logs().describe_topic(name))
      out.push_back(to_info(*d));  // skip one deleted meanwhile
  }
  return out;
}

kafka::TopicInfo EmbeddedAdmin::describe_topic(const std::string& name) {
  return to_info(value_or_throw(backend_->logs().describe_topic(name), Subject::topic));
}

void EmbeddedAdmin::alter_topic(const std::string& name, const kafka::TopicAlteration& changes) {
  std::map<std::string, std::optional<std::string>> updates;
  for (const auto& [k, v] : changes.config) updates[k] = v;
  if (changes.retention) updates["retention.ms"] = std::to_string(changes.retention->count_ms());
  if (changes.retention_bytes)
    updates["retention.bytes"] = std::to_string(*changes.retention_bytes);
  for (const auto& k : changes.reset) updates[k] = std::nullopt;
  check(backend_->logs().alter_topic_config(name, updates), Subject::topic);
}

void EmbeddedAdmin::increase_partitions_to(const std::string& name, int total) {
  check(backend_->logs().create_partitions(name, total), Subject::topic);
}

void EmbeddedAdmin::delete_topic(const std::string& name) {
  check(backend_->logs().delete_topic(name), Subject::topic);
  // A topic created again under this name must not inherit the old committed offsets.
  check(backend_->groups().on_topic_deleted(name));
}

std::vector<kafka::GroupInfo> EmbeddedAdmin::list_groups() {
  auto& groups = backend_->groups();
  std::vector<kafka::GroupInfo> out;
  for (const auto& g : groups.list_groups()) {
    const auto d = groups.describe_group(g.group_id);
    out.push_back({g.group_id, int(d.members.size()), coordinator::group_state_name(g.state)});
  }
  return out;
}

kafka::GroupDescription EmbeddedAdmin::describe_group(const std::string& group) {
  auto& groups = backend_->groups();
  const auto d = groups.describe_group(group);
  throw_if_error(d.error, "describing group '" + group + "'");
  kafka::GroupDescription out;
  out.id = group;
  out.state = d.state;
  std::set<kafka::TopicPartition> partitions;
  for (const auto& m : d.members) {
    kafka::GroupMember member{m.member_id, m.client_id, m.client_host, {}};
    if (d.protocol_type == "consumer") {
      if (auto assigned = coordinator::decode_assignment(m.assignment))
        member.assignment = *assigned;
    }
    partitions.insert(member.assignment.begin(), member.assignment.end());
    out.members.push_back(std::move(member));
  }
  const auto committed = groups.fetch_offsets(group, std::nullopt);
  std::map<kafka::TopicPartition, int64_t> commits;
  for (const auto& e : committed.partitions) {
    if (e.offset >= 0) commits[{e.topic, e.partition}] = e.offset;
    partitions.insert({e.topic, e.partition});
  }
  // Every partition of a topic the group reads counts: one it never committed to lags by all of it.
  std::set<std::string> topics;
  for (const auto& tp : partitions) topics.insert(tp.topic);
  for (const auto& t : topics) {
    if (auto d = backend_->logs().describe_topic(t)) {
      for (int32_t p = 0; p < d->partitions; ++p) partitions.insert({t, p});
    }
  }
  for (const auto& tp : partitions) {
    auto log = backend_->logs().partition(tp.topic, tp.partition);
    if (!log) continue;  // topic deleted since
    kafka::PartitionLag lag;
    lag.topic = tp.topic;
    lag.partition = tp.partition;
    lag.end_offset = (*log)->high_watermark();
    auto c = commits.find(tp);
    lag.committed = c == commits.end() ? -1 : c->second;
    const int64_t from = lag.committed >= 0 ? lag.committed : (*log)->log_start_offset();
    lag.lag = std::max<int64_t>(0, lag.end_offset - std::max(from, (*log)->log_start_offset()));
    out.total_lag += lag.lag;
    out.partitions.push_back(lag);
  }
  return out;
}

std::vector<kafka::PartitionInfo> EmbeddedAdmin::partition_info(const std::string& topic) {
  const auto d = value_or_throw(backend_->logs().describe_topic(topic), Subject::topic);
  std::vector<kafka::PartitionInfo> out;
  for (int32_t p = 0; p < d.partitions; ++p) {
    auto log = backend_->partition(topic, p);
    out.push_back({p, log->log_start_offset(), log->high_watermark(), log->last_stable_offset(),
                   int64_t(log->size_bytes())});
  }
  return out;
}

int64_t EmbeddedAdmin::offset_for_time(const std::string& topic, int32_t partition, int64_t ms) {
  auto found = value_or_throw(backend_->partition(topic, partition)->offset_for_timestamp(ms));
  return found ? *found : -1;
}

std::map<kafka::TopicPartition, int64_t> EmbeddedAdmin::committed_offsets(
    const std::string& group) {
  std::map<kafka::TopicPartition, int64_t> out;
  for (const auto& e : backend_->groups().fetch_offsets(group, std::nullopt).partitions) {
    if (e.offset >= 0) out[{e.topic, e.partition}] = e.offset;
  }
  return out;
}

void EmbeddedAdmin::alter_offsets(const std::string& group,
                                  const std::map<kafka::TopicPartition, int64_t>& offsets) {
  coordinator::OffsetCommitRequest request;
  request.group_id = group;
  for (const auto& [tp, offset] : offsets) {
    request.offsets.push_back({tp.topic, tp.partition, offset, -1, std::nullopt});
  }
  for (const auto& r : backend_->groups().commit_offsets(request)) {
    throw_if_error(r.error, "committing " + r.topic + "/" + std::to_string(r.partition) +
                                " for group '" + group + "'");
  }
}

void EmbeddedAdmin::delete_group(const std::string& group) {
  for (const auto& r : backend_->groups().delete_groups({group})) {
    throw_if_error(r.error, "deleting group '" + group + "'");
  }
}

}  // namespace kafka_do::client
