#pragma once
// Producing: Producer (errors surface as exceptions from send/flush/close) and AsyncProducer
// (non-blocking send into a bounded buffer; results arrive as DeliveryReports).
//
// Both batch records per partition (batch_size bytes or linger time, whichever comes first) and
// hand whole batches to the backend. Keyed records go to murmur2(key) % partitions, exactly as
// Kafka's Java client computes it; keyless records stick to one partition per batch.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kafka_do/duration.hpp"
#include "kafka_do/error.hpp"
#include "kafka_do/json.hpp"
#include "kafka_do/record.hpp"

namespace kafka {

enum class Compression { none, gzip, snappy, lz4, zstd };

// How many acknowledgements a send waits for. In-process (file:, memory:) every accepted write is
// on the single node, so leader and all behave alike; durability is set by ClientOptions.
enum class Acks { none = 0, leader = 1, all = -1 };

// What the async producer does when its buffer is full.
enum class BufferFull {
  block,  // send() waits (up to max_block) for room: back-pressure
  fail,   // send() throws QuotaExceededError at once
};

struct ProducerOptions {
  // Bytes of records per partition batch; a full batch is sent at once. Must be > 0.
  int batch_size = 16384;
  // How long a non-full batch may wait for more records before it is sent.
  Duration linger = std::chrono::milliseconds(5);
  Compression compression = Compression::none;
  Acks acks = Acks::all;
  // How often a failed batch is retried (retriable errors only), waiting retry_backoff between.
  int retries = 3;
  Duration retry_backoff = std::chrono::milliseconds(100);
  // AsyncProducer: bytes of records buffered before buffer_full applies.
  size_t buffer_memory = 32u << 20;
  BufferFull buffer_full = BufferFull::block;
  Duration max_block = std::chrono::seconds(60);
};

// The outcome of one record: error() is null on success.
class DeliveryReport {
 public:
  DeliveryReport(std::string topic, int32_t partition, int64_t offset,
                 std::shared_ptr<const Error> error)
      : topic_(std::move(topic)),
        partition_(partition),
        offset_(offset),
        error_(std::move(error)) {}
  const Error* error() const { return error_.get(); }
  bool ok() const { return error_ == nullptr; }
  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }
  int64_t offset() const { return offset_; }  // -1 when the record was not written

 private:
  std::string topic_;
  int32_t partition_;
  int64_t offset_;
  std::shared_ptr<const Error> error_;
};

namespace detail {
class ProducerCore;
}

// Sends records to one topic. Not thread-safe: one thread per Producer (use AsyncProducer, or
// one Producer per thread, to share). Destruction flushes (errors there are swallowed: call
// close() to see them).
class Producer {
 public:
  explicit Producer(std::shared_ptr<detail::ProducerCore> core);
  Producer(Producer&&) noexcept;
  Producer& operator=(Producer&&) noexcept;
  ~Producer();

  // Queues one record whose value is JSON (typed values convert through to_json). Throws
  // MessageTooLargeError for a record over the topic's limit, and any error of an earlier batch.
  void send(const Json& value, const SendOptions& options = {});
  // Queues one record whose value is the given bytes, untouched.
  void send_raw(std::string_view value, const SendOptions& options = {});
  void send_batch(const std::vector<Json>& values);
  void send_batch(const std::vector<Message>& messages);
  // Sends everything queued and waits until the backend acknowledged it; throws the first error.
  void flush();
  // Flushes and releases; later sends throw. Idempotent.
  void close();
  const std::string& topic() const;

 private:
  std::shared_ptr<detail::ProducerCore> core_;
};

// Non-blocking producer: send() queues and returns; a background thread batches, writes and
// then calls the per-send callback and on_delivery handler with each record's DeliveryReport.
// Callbacks run on that delivery thread, one at a time, in send order per partition; an exception
// thrown by a callback is caught and ignored. Thread-safe: many threads may send.
class AsyncProducer {
 public:
  using DeliveryCallback = std::function<void(const DeliveryReport&)>;

  explicit AsyncProducer(std::shared_ptr<detail::ProducerCore> core);
  AsyncProducer(AsyncProducer&&) noexcept;
  AsyncProducer& operator=(AsyncProducer&&) noexcept;
  ~AsyncProducer();

  // Queues a record. When the buffer is full: waits (BufferFull::block, up to max_block, then
  // TimeoutError) or throws QuotaExceededError (BufferFull::fail).
  void send(const Json& value, const SendOptions& options = {},
            DeliveryCallback callback = nullptr);
  void send_raw(std::string_view value, const SendOptions& options = {},
                DeliveryCallback callback = nullptr);
  // Handler for every record's report (in addition to per-send callbacks).
  void on_delivery(DeliveryCallback handler);
  // Sends everything queued and waits until every report was delivered (the seed's `deliver`).
  void deliver();
  // Records queued or in flight.
  size_t in_flight() const;
  void close();
  const std::string& topic() const;

 private:
  std::shared_ptr<detail::ProducerCore> core_;
};

}  // namespace kafka
