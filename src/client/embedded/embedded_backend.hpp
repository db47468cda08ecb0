#pragma once
// The embedded backend: the SDK on the engine in this process (file: and memory:).
// Producers append batches straight to partition logs; consumers read them and take part in
// consumer groups through the engine's coordinator.

#include <memory>
#include <mutex>
#include <string>

#include "client/backend.hpp"
#include "coordinator/group_coordinator.hpp"
#include "storage/log_manager.hpp"

namespace kafka_do::client {

class EmbeddedBackend final : public kafka::detail::Backend {
 public:
  EmbeddedBackend(kafka::ClientOptions options, std::string url, std::unique_ptr<storage::LogManager> logs);
  ~EmbeddedBackend() override;

  const std::string& url() const override { return url_; }
  std::shared_ptr<kafka::detail::ProducerCore> make_producer(const std::string& topic,
                                                             const kafka::ProducerOptions& options,
                                                             bool async) override;
  std::shared_ptr<kafka::detail::ConsumerCore> make_consumer(kafka::detail::ConsumerSettings settings) override;
  std::shared_ptr<kafka::detail::AdminCore> make_admin() override;
  std::vector<kafka::Record> read_topic(const std::string& topic) override;
  void close() override;

  storage::LogManager& logs() { return *logs_; }
  coordinator::GroupCoordinator& groups() { return *groups_; }
  const kafka::ClientOptions& options() const { return options_; }
  // The topic's partition count, creating the topic first when auto_create_topics is on.
  // Throws TopicNotFoundError otherwise.
  int32_t ensure_topic(const std::string& topic);
  // Throws TopicNotFoundError / PartitionNotFoundError.
  std::shared_ptr<storage::PartitionLog> partition(const std::string& topic, int32_t partition);

 private:
  const kafka::ClientOptions options_;
  const std::string url_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<coordinator::GroupCoordinator> groups_;  // declared after logs_: destroyed first
  std::mutex create_mu_;  // one auto-create at a time
};

// Opens (or joins, when this process already has it open) the engine behind `url`.
std::shared_ptr<kafka::detail::Backend> make_embedded_backend(const kafka::ClientOptions& options,
                                                              const std::string& url, const std::string& dir,
                                                              bool in_memory);

}  // namespace kafka_do::client
