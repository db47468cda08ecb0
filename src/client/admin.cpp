#include "kafka_do/admin.hpp"

#include "client/backend.hpp"

namespace kafka {

Admin::Admin(std::shared_ptr<detail::AdminCore> core) : core_(std::move(core)) {}

void Admin::create_topic(const std::string& name, const TopicOptions& options) { core_->create_topic(name, options); }
std::vector<TopicInfo> Admin::list_topics() { return core_->list_topics(); }
TopicInfo Admin::describe_topic(const std::string& name) { return core_->describe_topic(name); }
void Admin::alter_topic(const std::string& name, const TopicAlteration& changes) { core_->alter_topic(name, changes); }
void Admin::add_partitions(const std::string& name, int partitions) { core_->add_partitions(name, partitions); }
void Admin::delete_topic(const std::string& name) { core_->delete_topic(name); }
std::vector<GroupInfo> Admin::list_groups() { return core_->list_groups(); }
GroupDescription Admin::describe_group(const std::string& group) { return core_->describe_group(group); }
void Admin::reset_offsets(const std::string& group, const std::string& topic, const Offset& to) {
  core_->reset_offsets(group, topic, to);
}
void Admin::delete_group(const std::string& group) { core_->delete_group(group); }

}  // namespace kafka
