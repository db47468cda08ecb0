#pragma once
// The embedded backend: the SDK on the engine in this process (file: and memory:).
// Producers append batches straight to partition logs; consumers read them and take part in
// consumer groups through the engine's coordinator.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "client/backend.hpp"
#include "coordinator/group_coordinator.hpp"
#include "coordinator/transaction_coordinator.hpp"
#include "storage/log_manager.hpp"

namespace kafka_do::client {

// The engine of one data directory: its logs and its group coordinator. Shared by every Client
// of this process that names the directory (a directory has one owner); each Client keeps its
// own options in its EmbeddedBackend.
struct EmbeddedEngine {
  explicit EmbeddedEngine(std::unique_ptr<storage::LogManager> logs);
  ~EmbeddedEngine();
  std::unique_ptr<storage::LogManager> logs;
  std::unique_ptr<coordinator::GroupCoordinator> groups;  // declared after logs: destroyed first
  std::unique_ptr<coordinator::ProducerIdAllocator> producer_ids;
  std::unique_ptr<coordinator::TransactionCoordinator> transactions;  // destroyed before groups
};

class EmbeddedBackend final : public kafka::detail::Backend {
 public:
  EmbeddedBackend(kafka::ClientOptions options, std::string url, std::shared_ptr<EmbeddedEngine> engine);

  const std::string& url() const override { return url_; }
  const kafka::Offset& default_offset() const override { return *options_.default_offset; }
  std::shared_ptr<kafka::detail::ProducerCore> make_producer(const std::string& topic,
                                                             const kafka::ProducerOptions& options,
                                                             bool async) override;
  std::shared_ptr<kafka::detail::ConsumerCore> make_consumer(kafka::detail::ConsumerSettings settings) override;
  std::shared_ptr<kafka::detail::AdminCore> make_admin() override;
  std::shared_ptr<kafka::detail::TransactionCore> transaction_core(
      const kafka::TransactionOptions& options) override;
  std::vector<kafka::Record> read_topic(const std::string& topic) override;
  void close() override;

  storage::LogManager& logs() { return *engine_->logs; }
  coordinator::GroupCoordinator& groups() { return *engine_->groups; }
  coordinator::TransactionCoordinator& transactions() { return *engine_->transactions; }
  const kafka::ClientOptions& options() const override { return options_; }
  // The topic's partition count, creating the topic first when auto_create_topics is on.
  // Throws TopicNotFoundError otherwise.
  int32_t ensure_topic(const std::string& topic);
  // Throws TopicNotFoundError / PartitionNotFoundError.
  std::shared_ptr<storage::PartitionLog> partition(const std::string& topic, int32_t partition);

 private:
  const kafka::ClientOptions options_;
  const std::string url_;
  std::shared_ptr<EmbeddedEngine> engine_;
  std::mutex create_mu_;  // one auto-create at a time
  std::mutex transactions_mu_;
  std::map<std::string, std::shared_ptr<kafka::detail::TransactionCore>> transactions_;
};

// Opens (or joins, when this process already has it open) the engine behind `url`.
std::shared_ptr<kafka::detail::Backend> make_embedded_backend(const kafka::ClientOptions& options,
                                                              const std::string& url, const std::string& dir,
                                                              bool in_memory);

}  // namespace kafka_do::client
