#include "client/kafka/kafka_admin.hpp"

#include <set>

#include "client/kafka/kafka_backend.hpp"
#include "coordinator/consumer_protocol.hpp"

namespace kafka_do::client {
namespace {

bool internal_topic(const std::string& name) { return name.rfind("__", 0) == 0; }

kafka::TopicInfo to_info(const std::string& name, int32_t partitions,
                         const KafkaBackend::TopicConfig& config) {
  kafka::TopicInfo info;
  info.name = name;
  info.partitions = partitions;
  info.config = config.values;
  for (const auto& [k, v] : config.overrides) info.overrides.push_back(k);
  if (auto it = config.values.find("retention.ms"); it != config.values.end()) {
    try {
      if (const int64_t ms = std::stoll(it->second); ms >= 0)
        info.retention = std::chrono::milliseconds(ms);
    } catch (const std::exception&) {  // not a number: reported as forever, the config shows it
    }
  }
  return info;
}

// Throws the first error of a per-topic admin result.
void check_topics(const rd_kafka_topic_result_t** results, size_t n, const std::string& what) {
  for (size_t i = 0; i < n; ++i) {
    if (const auto e = rd_kafka_topic_result_error(results[i])) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      rdk::throw_error(e, what + (msg ? std::string(" (") + msg + ")" : std::string()));
    }
  }
}

// Throws the first error of a per-group admin result, then of its partitions.
void check_groups(const rd_kafka_group_result_t** results, size_t n, const std::string& what) {
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i])) {
      rdk::throw_error(rd_kafka_error_code(e), what + " (" + rd_kafka_error_string(e) + ")");
    }
    if (const auto* parts = rd_kafka_group_result_partitions(results[i])) {
      for (int j = 0; j < parts->cnt; ++j)
        rdk::check(parts->elems[j].err, what + " " + parts->elems[j].topic);
    }
  }
}

struct GroupListDeleter {
  void operator()(const rd_kafka_group_list* l) const { rd_kafka_group_list_destroy(l); }
};
using GroupList = std::unique_ptr<const rd_kafka_group_list, GroupListDeleter>;

}  // namespace

void KafkaAdmin::create_topic(const std::string& name, const kafka::TopicOptions& options) {
  std::map<std::string, std::string> config = options.config;
  if (options.retention) config["retention.ms"] = std::to_string(options.retention->count_ms());
  if (options.retention_bytes) config["retention.bytes"] = std::to_string(*options.retention_bytes);
  if (options.partitions < 1)
    throw kafka::ConfigError("topic '" + name + "' needs at least one partition");
  backend_->create_topic(name, options.partitions, config, options.if_not_exists);
}

std::vector<kafka::TopicInfo> KafkaAdmin::list_topics() {
  std::vector<std::string> names;
  const auto topics = backend_->topics();
  for (const auto& [name, partitions] : topics) {
    if (!internal_topic(name)) names.push_back(name);
  }
  const auto configs = backend_->topic_configs(names);
  std::vector<kafka::TopicInfo> out;
  for (const auto& name : names) {  // sorted: they come from a std::map
    auto c = configs.find(name);
    out.push_back(to_info(name, topics.at(name),
                          c == configs.end() ? KafkaBackend::TopicConfig{} : c->second));
  }
  return out;
}

kafka::TopicInfo KafkaAdmin::describe_topic(const std::string& name) {
  const auto partitions = backend_->partition_count(name);
  if (!partitions) throw kafka::TopicNotFoundError("topic '" + name + "' does not exist");
  return to_info(name, *partitions, backend_->topic_configs({name}).at(name));
}

void KafkaAdmin::alter_topic(const std::string& name, const kafka::TopicAlteration& changes) {
  if (!backend_->partition_count(name))
    throw kafka::TopicNotFoundError("topic '" + name + "' does not exist");
  // librdkafka 2.0 has AlterConfigs only, which replaces the topic's whole configuration: start
  // from the keys set on the topic now, apply the changes, send the result.
  std::map<std::string, std::string> config = backend_->topic_configs({name}).at(name).overrides;
  for (const auto& [k, v] : changes.config) config[k] = v;
  if (changes.retention) config["retention.ms"] = std::to_string(changes.retention->count_ms());
  if (changes.retention_bytes) config["retention.bytes"] = std::to_string(*changes.retention_bytes);
  for (const auto& k : changes.reset) config.erase(k);
  std::unique_ptr<rd_kafka_ConfigResource_t, decltype(&rd_kafka_ConfigResource_destroy)> resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()),
      rd_kafka_ConfigResource_destroy);
  for (const auto& [k, v] : config) {
    rdk::check(rd_kafka_ConfigResource_set_config(resource.get(), k.c_str(), v.c_str()),
               "config " + k);
  }
  const std::string what = "altering topic '" + name + "'";
  auto ev = backend_->admin(
      [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_ConfigResource_t* one = resource.get();
        rd_kafka_AlterConfigs(rk, &one, 1, o, q);
      },
      what);
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    if (const auto e = rd_kafka_ConfigResource_error(results[i])) {
      const char* msg = rd_kafka_ConfigResource_error_string(results[i]);
      rdk::throw_error(e, what + (msg ? std::string(" (") + msg + ")" : std::string()));
    }
  }
}

void KafkaAdmin::increase_partitions_to(const std::string& name, int total) {
  char err[256];
  std::unique_ptr<rd_kafka_NewPartitions_t, decltype(&rd_kafka_NewPartitions_destroy)> np(
      rd_kafka_NewPartitions_new(name.c_str(), size_t(std::max(0, total)), err, sizeof err),
      rd_kafka_NewPartitions_destroy);
  if (!np) throw kafka::ConfigError("adding partitions to '" + name + "': " + err);
  const std::string what =
      "growing topic '" + name + "' to " + std::to_string(total) + " partitions";
  auto ev = backend_->admin(
      [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_NewPartitions_t* one = np.get();
        rd_kafka_CreatePartitions(rk, &one, 1, o, q);
      },
      what);
  size_t n = 0;
  const auto** results =
      rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev.get()), &n);
  check_topics(results, n, what);
}

void KafkaAdmin::delete_topic(const std::string& name) {
  std::unique_ptr<rd_kafka_DeleteTopic_t, decltype(&rd_kafka_DeleteTopic_destroy)> dt(
      rd_kafka_DeleteTopic_new(name.c_str()), rd_kafka_DeleteTopic_destroy);
  const std::string what = "deleting topic '" + name + "'";
  auto ev = backend_->admin(
      [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DeleteTopic_t* one = dt.get();
        rd_kafka_DeleteTopics(rk, &one, 1, o, q);
      },
      what);
  size_t n = 0;
  const auto** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.get()), &n);
  check_topics(results, n, what);
}

std::vector<kafka::GroupInfo> KafkaAdmin::list_groups() {
  // rd_kafka_list_groups: ListGroups, then DescribeGroups of each (member counts).
  const rd_kafka_group_list* raw = nullptr;
  const auto err =
      rd_kafka_list_groups(backend_->handle(), nullptr, &raw, rdk::to_int_ms(backend_->timeout()));
  GroupList list(raw);
  if (err) {
    backend_->check_state();
    rdk::throw_error(err, "listing groups");
  }
  std::vector<kafka::GroupInfo> out;
  for (int i = 0; i < list->group_cnt; ++i) {
    const auto& g = list->groups[i];
    if (g.err) continue;  // gone between ListGroups and DescribeGroups
    out.push_back({g.group, g.member_cnt, g.state ? g.state : ""});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::map<kafka::TopicPartition, int64_t> KafkaAdmin::committed(const std::string& group) {
  std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                  decltype(&rd_kafka_ListConsumerGroupOffsets_destroy)>
      req(rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr),
          rd_kafka_ListConsumerGroupOffsets_destroy);
  const std::string what = "committed offsets of group '" + group + "'";
  auto ev = backend_->admin(
      [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_ListConsumerGroupOffsets_t* one = req.get();
        rd_kafka_ListConsumerGroupOffsets(rk, &one, 1, o, q);
      },
      what);
  size_t n = 0;
  const auto** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(ev.get()), &n);
  std::map<kafka::TopicPartition, int64_t> out;
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[i])) {
      rdk::throw_error(rd_kafka_error_code(e), what + " (" + rd_kafka_error_string(e) + ")");
    }
    const auto* parts = rd_kafka_group_result_partitions(groups[i]);
    for (int j = 0; parts && j < parts->cnt; ++j) {
      const auto& p = parts->elems[j];
      if (!p.err && p.offset >= 0) out[{p.topic, p.partition}] = p.offset;
    }
  }
  return out;
}

kafka::GroupDescription KafkaAdmin::describe_group(const std::string& group) {
  const rd_kafka_group_list* raw = nullptr;
  const auto err = rd_kafka_list_groups(backend_->handle(), group.c_str(), &raw,
                                        rdk::to_int_ms(backend_->timeout()));
  GroupList list(raw);
  if (err) {
    backend_->check_state();
    rdk::throw_error(err, "describing group '" + group + "'");
  }
  kafka::GroupDescription out;
  out.id = group;
  out.state = "Dead";
  std::set<kafka::TopicPartition> partitions;
  for (int i = 0; i < list->group_cnt; ++i) {
    const auto& g = list->groups[i];
    if (group != g.group) continue;
    rdk::check(g.err, "describing group '" + group + "'");
    out.state = g.state ? g.state : "";
    const bool consumer = g.protocol_type && std::string(g.protocol_type) == "consumer";
    for (int j = 0; j < g.member_cnt; ++j) {
      const auto& m = g.members[j];
      kafka::GroupMember member{
          m.member_id, m.client_id ? m.client_id : "", m.client_host ? m.client_host : "", {}};
      if (consumer && m.member_assignment) {
        const std::string_view bytes(static_cast<const char*>(m.member_assignment),
                                     size_t(m.member_assignment_size));
        if (auto assigned = coordinator::decode_assignment(bytes)) member.assignment = *assigned;
      }
      partitions.insert(member.assignment.begin(), member.assignment.end());
      out.members.push_back(std::move(member));
    }
  }
  const auto commits = committed(group);
  for (const auto& [tp, offset] : commits) partitions.insert(tp);
  // Every partition of a topic the group reads counts: one it never committed to lags by all of it.
  std::set<std::string> topics;
  for (const auto& tp : partitions) topics.insert(tp.topic);
  for (const auto& t : topics) {
    if (auto n = backend_->partition_count(t)) {
      for (int32_t p = 0; p < *n; ++p) partitions.insert({t, p});
    }
  }
  for (const auto& tp : partitions) {
    std::pair<int64_t, int64_t> marks;
    try {
      marks = backend_->watermarks(tp.topic, tp.partition, kafka::Isolation::read_uncommitted);
    } catch (const kafka::TopicNotFoundError&) {
      continue;  // topic deleted since
    } catch (const kafka::PartitionNotFoundError&) {
      continue;
    }
    kafka::PartitionLag lag;
    lag.topic = tp.topic;
    lag.partition = tp.partition;
    lag.end_offset = marks.second;
    auto c = commits.find(tp);
    lag.committed = c == commits.end() ? -1 : c->second;
    const int64_t from = lag.committed >= 0 ? lag.committed : marks.first;
    lag.lag = std::max<int64_t>(0, lag.end_offset - std::max(from, marks.first));
    out.total_lag += lag.lag;
    out.partitions.push_back(lag);
  }
  return out;
}

std::vector<kafka::PartitionInfo> KafkaAdmin::partition_info(const std::string& topic) {
  const auto count = backend_->partition_count(topic);
  if (!count) throw kafka::TopicNotFoundError("topic '" + topic + "' does not exist");
  std::vector<kafka::PartitionInfo> out;
  for (int32_t p = 0; p < *count; ++p) {
    const auto [low, high] = backend_->watermarks(topic, p, kafka::Isolation::read_uncommitted);
    const auto stable = backend_->watermarks(topic, p, kafka::Isolation::read_committed).second;
    out.push_back({p, low, high, stable, -1});
  }
  return out;
}

int64_t KafkaAdmin::offset_for_time(const std::string& topic, int32_t partition, int64_t ms) {
  return backend_->offset_for_time(topic, partition, ms);
}

std::map<kafka::TopicPartition, int64_t> KafkaAdmin::committed_offsets(const std::string& group) {
  return committed(group);
}

void KafkaAdmin::alter_offsets(const std::string& group,
                               const std::map<kafka::TopicPartition, int64_t>& offsets) {
  auto list = rdk::new_list(int(offsets.size()));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t,
                  decltype(&rd_kafka_AlterConsumerGroupOffsets_destroy)>
      req(rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()),
          rd_kafka_AlterConsumerGroupOffsets_destroy);
  const std::string what = "committing offsets for group '" + group + "'";
  auto ev = backend_->admin(
      [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_AlterConsumerGroupOffsets_t* one = req.get();
        rd_kafka_AlterConsumerGroupOffsets(rk, &one, 1, o, q);
      },
      what);
  size_t n = 0;
  const auto** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(ev.get()), &n);
  check_groups(groups, n, what);
}

void KafkaAdmin::delete_group(const std::string& group) {
  std::unique_ptr<rd_kafka_DeleteGroup_t, decltype(&rd_kafka_DeleteGroup_destroy)> dg(
      rd_kafka_DeleteGroup_new(group.c_str()), rd_kafka_DeleteGroup_destroy);
  const std::string what = "deleting group '" + group + "'";
  auto ev = backend_->admin(
      [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DeleteGroup_t* one = dg.get();
        rd_kafka_DeleteGroups(rk, &one, 1, o, q);
      },
      what);
  size_t n = 0;
  const auto** groups =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev.get()), &n);
  check_groups(groups, n, what);
}

}  // namespace kafka_do::client
