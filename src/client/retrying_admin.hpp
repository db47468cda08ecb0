#pragma once
// Every backend's admin calls, retried by ClientOptions::retries and timeout (client/retry.hpp):
// what Client::admin() hands out. A retried create or delete can meet the effect of an attempt
// whose answer was lost (TopicExistsError, TopicNotFoundError), as with Kafka's AdminClient.

#include <memory>
#include <utility>

#include "client/backend.hpp"
#include "client/retry.hpp"

namespace kafka::detail {

class RetryingAdmin final : public AdminCore {
 public:
  RetryingAdmin(std::shared_ptr<AdminCore> inner, RetryPolicy policy)
      : inner_(std::move(inner)), policy_(policy) {}

  void create_topic(const std::string& name, const TopicOptions& options) override {
    with_retries(policy_, [&] { inner_->create_topic(name, options); });
  }
  std::vector<TopicInfo> list_topics() override {
    return with_retries(policy_, [&] { return inner_->list_topics(); });
  }
  TopicInfo describe_topic(const std::string& name) override {
    return with_retries(policy_, [&] { return inner_->describe_topic(name); });
  }
  void alter_topic(const std::string& name, const TopicAlteration& changes) override {
    with_retries(policy_, [&] { inner_->alter_topic(name, changes); });
  }
  void increase_partitions_to(const std::string& name, int total) override {
    with_retries(policy_, [&] { inner_->increase_partitions_to(name, total); });
  }
  void delete_topic(const std::string& name) override {
    with_retries(policy_, [&] { inner_->delete_topic(name); });
  }
  std::vector<GroupInfo> list_groups() override {
    return with_retries(policy_, [&] { return inner_->list_groups(); });
  }
  GroupDescription describe_group(const std::string& group) override {
    return with_retries(policy_, [&] { return inner_->describe_group(group); });
  }
  std::vector<PartitionInfo> partition_info(const std::string& topic) override {
    return with_retries(policy_, [&] { return inner_->partition_info(topic); });
  }
  int64_t offset_for_time(const std::string& topic, int32_t partition, int64_t ms) override {
    return with_retries(policy_, [&] { return inner_->offset_for_time(topic, partition, ms); });
  }
  std::map<TopicPartition, int64_t> committed_offsets(const std::string& group) override {
    return with_retries(policy_, [&] { return inner_->committed_offsets(group); });
  }
  void alter_offsets(const std::string& group,
                     const std::map<TopicPartition, int64_t>& offsets) override {
    with_retries(policy_, [&] { inner_->alter_offsets(group, offsets); });
  }
  void delete_group(const std::string& group) override {
    with_retries(policy_, [&] { inner_->delete_group(group); });
  }

 private:
  std::shared_ptr<AdminCore> inner_;
  RetryPolicy policy_;
};

}  // namespace kafka::detail
