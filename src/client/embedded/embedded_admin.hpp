#pragma once
// Admin on the embedded engine: topics through the LogManager, groups through the coordinator.

#include <memory>

#include "client/backend.hpp"

namespace kafka_do::client {

class EmbeddedBackend;

class EmbeddedAdmin final : public kafka::detail::AdminCore {
 public:
  explicit EmbeddedAdmin(std::shared_ptr<EmbeddedBackend> backend) : backend_(std::move(backend)) {}

  void create_topic(const std::string& name, const kafka::TopicOptions& options) override;
  std::vector<kafka::TopicInfo> list_topics() override;
  kafka::TopicInfo describe_topic(const std::string& name) override;
  void alter_topic(const std::string& name, const kafka::TopicAlteration& changes) override;
  void increase_partitions_to(const std::string& name, int total) override;
  void delete_topic(const std::string& name) override;
  std::vector<kafka::GroupInfo> list_groups() override;
  kafka::GroupDescription describe_group(const std::string& group) override;
  std::vector<kafka::PartitionInfo> partition_info(const std::string& topic) override;
  int64_t offset_for_time(const std::string& topic, int32_t partition, int64_t ms) override;
  std::map<kafka::TopicPartition, int64_t> committed_offsets(const std::string& group) override;
  void alter_offsets(const std::string& group,
                     const std::map<kafka::TopicPartition, int64_t>& offsets) override;
  void delete_group(const std::string& group) override;

 private:
  std::shared_ptr<EmbeddedBackend> backend_;
};

}  // namespace kafka_do::client
