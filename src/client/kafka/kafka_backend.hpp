#pragma once
// The kafka:// backend: the SDK on any Kafka-protocol cluster (our `kafkado serve`, Apache Kafka,
// Redpanda...) through librdkafka. Each producer and consumer owns its own librdkafka handle (their
// configs differ: linger, acks, group...); metadata, admin requests and offset look-ups share one
// handle of the backend, created on first use so that constructing a Client never connects.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/backend.hpp"
#include "client/kafka/rdkafka_util.hpp"

namespace kafka_do::client {

class KafkaBackend final : public kafka::detail::Backend {
 public:
  explicit KafkaBackend(kafka::ClientOptions options);
  ~KafkaBackend() override;

  const std::string& url() const override { return options_.url; }
  const kafka::Offset& default_offset() const override { return *options_.default_offset; }
  std::shared_ptr<kafka::detail::ProducerCore> make_producer(const std::string& topic,
                                                             const kafka::ProducerOptions& options,
                                                             bool async) override;
  std::shared_ptr<kafka::detail::ConsumerCore> make_consumer(
      kafka::detail::ConsumerSettings settings) override;
  std::shared_ptr<kafka::detail::AdminCore> make_admin() override;
  std::shared_ptr<kafka::detail::TransactionCore> transaction_core(
      const kafka::TransactionOptions& options) override;
  std::vector<kafka::Record> read_topic(const std::string& topic) override;
  void close() override {}

  const kafka::ClientOptions& options() const override { return options_; }
  rdk::ClientState& state() { return state_; }
  std::chrono::milliseconds timeout() const { return options_.timeout.ms(); }

  // name -> partition count of every topic the cluster has (internal ones included).
  std::map<std::string, int32_t> topics();
  // The topic's partition count, or nullopt when it does not exist.
  std::optional<int32_t> partition_count(const std::string& topic);
  // The topic's partition count, creating it with default_partitions when auto_create_topics is
  // on; TopicNotFoundError otherwise.
  int32_t ensure_topic(const std::string& topic);
  // CreateTopics with `config`; TopicAlreadyExistsError unless if_not_exists.
  void create_topic(const std::string& name, int partitions,
                    const std::map<std::string, std::string>& config, bool if_not_exists);
  // Log start and end of a partition: the end is the last stable offset under read_committed
  // (what a read_committed consumer reaches), else the high watermark.
  std::pair<int64_t, int64_t> watermarks(
      const std::string& topic, int32_t partition,
      kafka::Isolation isolation = kafka::Isolation::read_committed);
  // The first offset with a timestamp at or after `ms`, or -1 when there is none.
  int64_t offset_for_time(const std::string& topic, int32_t partition, int64_t ms);
  // The topic's config (every key in effect, and which of them are set on the topic).
  struct TopicConfig {
    std::map<std::string, std::string> values;
    std::map<std::string, std::string> overrides;
  };
  std::map<std::string, TopicConfig> topic_configs(const std::vector<std::string>& topics);

  // Runs one admin request: `start(handle, options, queue)` sends it; returns its result event,
  // whose top-level error (if any) has been thrown. Waits at most timeout(), failing early when
  // authentication was refused.
  rdk::Event admin(
      const std::function<void(rd_kafka_t*, rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& start,
      const std::string& what);
  // The shared handle (metadata, admin, offsets).
  rd_kafka_t* handle();
  // A second shared handle whose offset look-ups are read_uncommitted (high watermarks).
  rd_kafka_t* uncommitted_handle();
  // Serves the shared handle's error callbacks and throws UnauthorizedError when the key was
  // refused.
  void check_state();

 private:
  const kafka::ClientOptions options_;
  rdk::ClientState state_;
  std::mutex mu_;
  rdk::Handle handle_;
  rdk::Handle uncommitted_handle_;
  std::mutex transactions_mu_;
  std::map<std::string, std::shared_ptr<kafka::detail::TransactionCore>> transactions_;
};

std::shared_ptr<kafka::detail::Backend> make_kafka_backend(const kafka::ClientOptions& options);

}  // namespace kafka_do::client
