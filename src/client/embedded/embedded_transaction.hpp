#pragma once
// A transactional producer on the embedded engine: the same protocol a Kafka client speaks to
// `kafkado serve`, as direct calls on the engine's TransactionCoordinator. Records collect in one
// batch per partition; a batch that fills is written at once (AddPartitions first, then the
// transactional batch, so the partition's last stable offset holds read_committed readers back
// until the end); commit writes the rest and ends the transaction, whose markers the coordinator
// writes. Used one transaction at a time (the Client holds mutex()).

#include <map>
#include <memory>
#include <set>
#include <string>

#include "client/backend.hpp"
#include "client/partitioner.hpp"
#include "model/error_code.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::client {

class EmbeddedBackend;

class EmbeddedTransaction final : public kafka::detail::TransactionCore {
 public:
  // Registers the id with the coordinator (fencing an earlier producer with it).
  EmbeddedTransaction(EmbeddedBackend& backend, kafka::TransactionOptions options);

  void begin() override;
  void send(const std::string& topic, kafka::detail::OutgoingRecord record) override;
  void send_offsets(kafka::detail::ConsumerCore& consumer,
                    const std::map<kafka::TopicPartition, int64_t>& offsets) override;
  void commit() override;
  void abort() override;

 private:
  struct TopicState {
    int32_t partitions = 1;
    int32_t max_message_bytes = 1 << 20;
    Partitioner partitioner{1};
  };
  TopicState& topic_state(const std::string& topic);
  // Adds the partition to the transaction (once) and appends its open batch.
  void write(const kafka::TopicPartition& tp);
  // Throws ProducerFencedError (and remembers it) or the error for `code`.
  [[noreturn]] void fail(model::ErrorCode code, const std::string& what);
  void reset();

  EmbeddedBackend& backend_;
  const kafka::TransactionOptions options_;
  int64_t producer_id_ = -1;
  int16_t epoch_ = -1;
  bool fenced_ = false;
  std::map<std::string, TopicState> topics_;
  std::map<kafka::TopicPartition, int32_t> sequences_;  // next sequence per partition
  std::map<kafka::TopicPartition, std::unique_ptr<model::BatchBuilder>> open_;
  std::set<kafka::TopicPartition> added_;
  bool offsets_added_ = false;
};

}  // namespace kafka_do::client
