#pragma once
// A transactional producer on the kafka:// backend: one librdkafka producer handle with
// transactional.id, driven through librdkafka's transactional API (init_transactions once,
// then begin / produce / send_offsets_to_transaction / commit or abort per transaction).
// librdkafka does the protocol (FindCoordinator, AddPartitionsToTxn, EndTxn...); this class maps
// its errors: fatal and fencing ones to ProducerFencedError (the handle is dead), abortable ones
// to an abort and TransactionAbortedError. Used one transaction at a time (the Client holds
// mutex()).

#include <map>
#include <memory>
#include <string>

#include "client/backend.hpp"
#include "client/kafka/rdkafka_util.hpp"

namespace kafka_do::client {

class KafkaBackend;

class KafkaTransaction final : public kafka::detail::TransactionCore {
 public:
  // `backend` owns this (it keeps one per transactional id) and outlives it.
  KafkaTransaction(KafkaBackend& backend, kafka::TransactionOptions options);
  ~KafkaTransaction() override;

  void begin() override;
  void send(const std::string& topic, kafka::detail::OutgoingRecord record) override;
  void send_offsets(kafka::detail::ConsumerCore& consumer,
                    const std::map<kafka::TopicPartition, int64_t>& offsets) override;
  void commit() override;
  void abort() override;

 private:
  // Throws the exception for a librdkafka transactional error (and destroys it); no-op for null.
  void check(rd_kafka_error_t* error, const std::string& what);

  KafkaBackend& backend_;
  const kafka::TransactionOptions options_;
  rdk::Handle rk_;
  bool fenced_ = false;
  bool open_ = false;
  std::map<std::string, int32_t> partitions_;  // partition counts of the topics sent to
};

}  // namespace kafka_do::client
