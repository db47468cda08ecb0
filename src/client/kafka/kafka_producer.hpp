#pragma once
// The producer of the kafka:// backend: one librdkafka producer handle per Producer/AsyncProducer.
// librdkafka batches, compresses, retries and (with acks=all) produces idempotently; this class
// chooses partitions the way the embedded backend does (murmur2 for keys, sticky per batch for
// keyless records: librdkafka's own sticky partitioner switches by time, not by batch), and runs
// the delivery thread that turns librdkafka's delivery-report events into DeliveryReports.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "client/backend.hpp"
#include "client/kafka/rdkafka_util.hpp"
#include "client/partitioner.hpp"

namespace kafka_do::client {

class KafkaBackend;

class KafkaProducer final : public kafka::detail::ProducerCore {
 public:
  KafkaProducer(std::shared_ptr<KafkaBackend> backend, std::string topic, int32_t partitions,
                kafka::ProducerOptions options, bool async);
  ~KafkaProducer() override;

  const std::string& topic() const override { return topic_; }
  void send(kafka::detail::OutgoingRecord record,
            kafka::detail::DeliveryCallback callback) override;
  void set_delivery_handler(kafka::detail::DeliveryCallback handler) override;
  void flush() override;
  void close() override;
  size_t in_flight() const override;
  std::exception_ptr take_error() override;

 private:
  // REQUIRES: mu_ held.
  int32_t choose_partition(const kafka::detail::OutgoingRecord& record, size_t bytes);
  void delivery_loop();
  void on_delivery(const rd_kafka_message_t* m);

  const std::shared_ptr<KafkaBackend> backend_;
  const std::string topic_;
  const kafka::ProducerOptions options_;
  const bool async_;
  rdk::Handle rk_;
  // The topic's handle, kept so librdkafka keeps its metadata (fetched at construction: otherwise
  // the first records wait for librdkafka's once-a-second topic scan).
  rd_kafka_topic_t* rkt_ = nullptr;
  std::chrono::milliseconds message_timeout_{0};

  mutable std::mutex mu_;
  std::condition_variable done_cv_;  // a report was delivered
  size_t in_flight_ = 0;
  bool closed_ = false;
  Partitioner partitioner_;
  // librdkafka batches on its own: a sticky batch counts as done after batch_size bytes or linger.
  size_t sticky_bytes_ = 0;
  std::chrono::steady_clock::time_point sticky_since_{};
  kafka::detail::DeliveryCallback handler_;
  std::exception_ptr first_error_;
  std::atomic<bool> stop_delivery_{false};
  std::thread delivery_;
};

}  // namespace kafka_do::client
