#include "kafka_do/admin.hpp"

#include <algorithm>

#include "client/backend.hpp"

namespace kafka {
namespace {

int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Where `to` puts one partition whose committed offset is `committed` (-1: none).
int64_t target(detail::AdminCore& core, const std::string& topic, const PartitionInfo& p,
               int64_t committed, const OffsetReset& to) {
  const auto clamp = [&](int64_t o) { return std::clamp(o, p.log_start_offset, p.high_watermark); };
  switch (to.kind()) {
    case OffsetReset::Kind::earliest:
      return p.log_start_offset;
    case OffsetReset::Kind::latest:
      return p.high_watermark;
    case OffsetReset::Kind::offset:
      return clamp(to.value());
    case OffsetReset::Kind::shift:
      return clamp((committed >= 0 ? committed : p.log_start_offset) + to.value());
    case OffsetReset::Kind::time: {
      const int64_t found = core.offset_for_time(topic, p.partition, to_ms(to.time()));
      return found >= 0 ? found : p.high_watermark;
    }
  }
  return p.high_watermark;
}

}  // namespace

Admin::Admin(std::shared_ptr<detail::AdminCore> core) : core_(std::move(core)) {}

void Admin::create_topic(const std::string& name, const TopicOptions& options) {
  core_->create_topic(name, options);
}
std::vector<TopicInfo> Admin::list_topics() { return core_->list_topics(); }
TopicInfo Admin::describe_topic(const std::string& name) {
  TopicInfo info = core_->describe_topic(name);
  info.partition_info = core_->partition_info(name);
  return info;
}
void Admin::alter_topic(const std::string& name, const TopicAlteration& changes) {
  core_->alter_topic(name, changes);
}
void Admin::increase_partitions_to(const std::string& name, int total) {
  core_->increase_partitions_to(name, total);
}
void Admin::delete_topic(const std::string& name) { core_->delete_topic(name); }
std::vector<GroupInfo> Admin::list_groups() { return core_->list_groups(); }
GroupDescription Admin::describe_group(const std::string& group) {
  return core_->describe_group(group);
}

std::vector<OffsetChange> Admin::reset_offsets(const std::string& group, const std::string& topic,
                                               const OffsetReset& to, bool dry_run) {
  const auto d = core_->describe_group(group);
  if (!d.members.empty()) {
    throw GroupCoordinatorError(ErrorCode::non_empty_group,
                                "cannot reset offsets of group '" + group + "' while it has " +
                                    std::to_string(d.members.size()) +
                                    " active member(s); stop them first");
  }
  const auto partitions = core_->partition_info(topic);
  const auto committed = core_->committed_offsets(group);
  std::vector<OffsetChange> plan;
  std::map<TopicPartition, int64_t> offsets;
  for (const auto& p : partitions) {
    const auto c = committed.find({topic, p.partition});
    OffsetChange change{topic, p.partition, c == committed.end() ? -1 : c->second, 0};
    change.to = target(*core_, topic, p, change.from, to);
    offsets[{topic, p.partition}] = change.to;
    plan.push_back(change);
  }
  if (!dry_run && !offsets.empty()) core_->alter_offsets(group, offsets);
  return plan;
}

void Admin::delete_group(const std::string& group) { core_->delete_group(group); }

}  // namespace kafka
