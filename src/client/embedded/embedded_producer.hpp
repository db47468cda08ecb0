#pragma once
// The producer of the embedded backend: per-partition accumulators filled by send(), and one
// sender thread that builds record batches and appends them to the partition logs, then
// delivers the reports. Used by both Producer and AsyncProducer.

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "base/adaptive_mutex.hpp"
#include "client/backend.hpp"
#include "client/partitioner.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::client {

class EmbeddedBackend;

class EmbeddedProducer final : public kafka::detail::ProducerCore {
 public:
  EmbeddedProducer(std::shared_ptr<EmbeddedBackend> backend, std::string topic,
                   kafka::ProducerOptions options, bool async);
  ~EmbeddedProducer() override;

  const std::string& topic() const override { return topic_; }
  void send(kafka::detail::OutgoingRecord record,
            kafka::detail::DeliveryCallback callback) override;
  void set_delivery_handler(kafka::detail::DeliveryCallback handler) override;
  void flush() override;
  void close() override;
  size_t in_flight() const override;
  std::exception_ptr take_error() override;

 private:
  // Records of one partition waiting to become a batch.
  struct OpenBatch {
    explicit OpenBatch(model::Compression c) : builder(model::BatchOptions{.compression = c}) {}
    model::BatchBuilder builder;
    std::vector<kafka::detail::DeliveryCallback> callbacks;
    std::chrono::steady_clock::time_point first_record;
    // What its records added to buffered_bytes_ (their approximate sizes), given back as one
    // when it is sent: the encoded size differs, and giving that back would drift.
    size_t buffered_bytes = 0;
  };
  struct ReadyBatch {
    int32_t partition;
    std::unique_ptr<OpenBatch> batch;
  };

  // REQUIRES: mu_ held.
  int32_t choose_partition(const kafka::detail::OutgoingRecord& record);
  // REQUIRES: mu_ held.
  void seal_partition(int32_t partition);
  void sender_loop();
  void send_batch(ReadyBatch& ready);
  // REQUIRES: mu_ held.
  void refresh_partition_count();

  const std::shared_ptr<EmbeddedBackend> backend_;
  const std::string topic_;
  const kafka::ProducerOptions options_;
  const bool async_;
  const model::Compression compression_;

  mutable AdaptiveMutex mu_;
  std::condition_variable_any work_cv_;  // wakes the sender
  std::condition_variable_any done_cv_;  // wakes flush() and blocked send()
  std::map<int32_t, std::unique_ptr<OpenBatch>> open_;
  std::deque<ReadyBatch> ready_;
  size_t buffered_bytes_ = 0;
  size_t in_flight_ = 0;  // records queued or being written
  uint64_t flush_requests_ = 0;
  bool closing_ = false;
  bool closed_ = false;
  Partitioner partitioner_{1};
  int32_t max_message_bytes_ = 0;
  kafka::detail::DeliveryCallback handler_;
  std::exception_ptr first_error_;
  std::thread sender_;
};

}  // namespace kafka_do::client
