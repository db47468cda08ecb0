#include "client/embedded/embedded_producer.hpp"

#include "client/embedded/embedded_backend.hpp"
#include "client/errors.hpp"
#include "client/retry.hpp"

namespace kafka_do::client {
namespace {

model::Compression to_model(kafka::Compression c) {
  switch (c) {
    case kafka::Compression::none:
      return model::Compression::none;
    case kafka::Compression::gzip:
      return model::Compression::gzip;
    case kafka::Compression::snappy:
      return model::Compression::snappy;
    case kafka::Compression::lz4:
      return model::Compression::lz4;
    case kafka::Compression::zstd:
      return model::Compression::zstd;
  }
  return model::Compression::none;
}

// The most a new batch reserves up front (it grows past this as records come).
constexpr size_t kMaxReserve = 64 * 1024;

void deliver(const kafka::detail::DeliveryCallback& fn, const kafka::DeliveryReport& report) {
  if (!fn) return;
  try {
    fn(report);
  } catch (...) {  // a throwing callback must not take the delivery thread down (documented)
  }
}

}  // namespace

EmbeddedProducer::EmbeddedProducer(std::shared_ptr<EmbeddedBackend> backend, std::string topic,
                                   kafka::ProducerOptions options, bool async)
    : backend_(std::move(backend)),
      topic_(std::move(topic)),
      options_(options),
      async_(async),
      compression_(to_model(options.compression)) {
  {
    std::lock_guard lock(mu_);
    refresh_partition_count();
  }
  sender_ = std::thread([this] { sender_loop(); });
}

EmbeddedProducer::~EmbeddedProducer() {
  try {
    close();
  } catch (...) {  // destructor: errors were reported or are lost with the producer
  }
}

void EmbeddedProducer::refresh_partition_count() {
  const int32_t count = backend_->ensure_topic(topic_);
  auto d = backend_->logs().describe_topic(topic_);
  partitioner_.set_partitions(count);
  max_message_bytes_ = d ? d->config.max_message_bytes : 1 << 20;
}

int32_t EmbeddedProducer::choose_partition(const kafka::detail::OutgoingRecord& record) {
  if (record.partition) {
    if (*record.partition < 0)
      throw kafka::PartitionNotFoundError("partition must not be negative");
    if (*record.partition >= partitioner_.partitions()) {
      refresh_partition_count();  // the topic may have grown
      if (*record.partition >= partitioner_.partitions()) {
        throw kafka::PartitionNotFoundError("topic '" + topic_ + "' has no partition " +
                                            std::to_string(*record.partition) + " (it has " +
                                            std::to_string(partitioner_.partitions()) + ")");
      }
    }
  }
  return partitioner_.choose(record.partition, record.key);
}

void EmbeddedProducer::send(kafka::detail::OutgoingRecord record,
                            kafka::detail::DeliveryCallback callback) {
  const size_t bytes = record.approximate_bytes();
  std::unique_lock lock(mu_);
  if (closing_ || closed_)
    throw kafka::Error(kafka::ErrorCode::unknown_server_error,
                       "producer for '" + topic_ + "' is closed");
  if (bytes + model::batch_format::kHeaderSize > size_t(max_message_bytes_)) {
    throw kafka::MessageTooLargeError(
        "record of about " + std::to_string(bytes) + " bytes is over max.message.bytes (" +
        std::to_string(max_message_bytes_) + ") of topic '" + topic_ + "'");
  }
  // Bounded buffer: back-pressure (or a clear error) instead of unbounded memory.
  if (buffered_bytes_ + bytes > options_.buffer_memory && buffered_bytes_ > 0) {
    if (options_.buffer_full == kafka::BufferFull::fail && async_) {
      throw kafka::QuotaExceededError("producer buffer for '" + topic_ + "' is full (" +
                                      std::to_string(options_.buffer_memory) + " bytes)");
    }
    work_cv_.notify_one();
    const bool room = done_cv_.wait_for(lock, options_.max_block.ms(), [&] {
      return buffered_bytes_ + bytes <= options_.buffer_memory || buffered_bytes_ == 0 || closing_;
    });
    if (!room)
      throw kafka::TimeoutError("producer buffer for '" + topic_ + "' stayed full for max_block");
  }
  const int32_t partition = choose_partition(record);
  if (auto it = open_.find(partition);
      it != open_.end() &&
      it->second->builder.uncompressed_size() + bytes > size_t(max_message_bytes_)) {
    seal_partition(partition);  // a batch never grows past what the topic accepts
    work_cv_.notify_one();
  }
  auto& slot = open_[partition];
  if (!slot) {
    slot = std::make_unique<OpenBatch>(compression_);
    slot->first_record = std::chrono::steady_clock::now();
    // A default-sized batch grows to batch_size (plus the record that crosses it) in one
    // allocation. Capped: a large batch_size with lingering one-record batches must not cost a
    // large allocation (an mmap) per batch.
    const size_t expected = std::min<size_t>(
        {size_t(options_.batch_size) + bytes + 64, size_t(max_message_bytes_), kMaxReserve});
    slot->builder.reserve(expected);
    slot->callbacks.reserve(std::min<size_t>(expected / bytes + 1, 1024));
  }
  const std::vector<model::RecordHeader> headers = [&] {
    std::vector<model::RecordHeader> out;
    out.reserve(record.headers->size());
    for (const auto& h : *record.headers) out.push_back({h.key, h.value});
    return out;
  }();
  slot->builder.add(record.timestamp_ms, record.key, record.value, headers);
  slot->callbacks.push_back(std::move(callback));
  slot->buffered_bytes += bytes;
  buffered_bytes_ += bytes;
  ++in_flight_;
  if (slot->builder.uncompressed_size() >= size_t(options_.batch_size)) {
    seal_partition(partition);
    work_cv_.notify_one();
  } else if (options_.linger.count_ms() == 0 || slot->callbacks.size() == 1) {
    work_cv_.notify_one();  // the sender must learn about a new batch (or send at once)
  }
}

void EmbeddedProducer::seal_partition(int32_t partition) {
  auto it = open_.find(partition);
  if (it == open_.end()) return;
  ready_.push_back(ReadyBatch{partition, std::move(it->second)});
  open_.erase(it);
  partitioner_.batch_done(partition);
}

void EmbeddedProducer::sender_loop() {
  std::unique_lock lock(mu_);
  uint64_t flushes_seen = 0;
  for (;;) {
    // Seal batches whose linger expired, or all of them when flushing/closing.
    const auto now = std::chrono::steady_clock::now();
    const bool flushing = flush_requests_ != flushes_seen || closing_;
    flushes_seen = flush_requests_;
    std::vector<int32_t> expired;
    auto next_deadline = std::chrono::steady_clock::time_point::max();
    for (const auto& [p, batch] : open_) {
      const auto deadline = batch->first_record + options_.linger.ms();
      if (flushing || deadline <= now) {
        expired.push_back(p);
      } else {
        next_deadline = std::min(next_deadline, deadline);
      }
    }
    for (int32_t p : expired) seal_partition(p);
    if (ready_.empty()) {
      if (closing_ && open_.empty()) break;
      work_cv_.wait_until(lock, next_deadline);
      continue;
    }
    ReadyBatch ready = std::move(ready_.front());
    ready_.pop_front();
    lock.unlock();
    send_batch(ready);
    lock.lock();
  }
  closed_ = true;
  done_cv_.notify_all();
}

void EmbeddedProducer::send_batch(ReadyBatch& ready) {
  OpenBatch& batch = *ready.batch;
  const size_t count = batch.callbacks.size();
  const size_t bytes = batch.buffered_bytes;
  std::shared_ptr<const kafka::Error> error;
  std::exception_ptr failure;
  int64_t base_offset = -1;
  // ProducerOptions::retries at a fixed retry_backoff, as Kafka's retry.backoff.ms.
  const kafka::detail::RetryPolicy retry{.retries = options_.retries,
                                         .backoff = options_.retry_backoff.ms(),
                                         .max_backoff = options_.retry_backoff.ms()};
  try {
    // Built once (finished in place, not copied); only the append is retried.
    auto built = batch.builder.take();
    if (!built) throw_error(built.error());
    base_offset = kafka::detail::with_retries(retry, [&] {
      auto log = backend_->partition(topic_, ready.partition);
      auto appended = log->append(*built, storage::AppendOptions{.validate_records = false});
      if (!appended) throw_error(appended.error(), Subject::partition);
      return appended->base_offset;
    });
  } catch (const kafka::Error& e) {
    error = clone_error(e);
    failure = std::current_exception();
  }
  const bool acks_none = options_.acks == kafka::Acks::none;
  kafka::detail::DeliveryCallback handler;
  {
    std::lock_guard lock(mu_);
    handler = handler_;
    if (error && !first_error_) first_error_ = failure;
  }
  for (size_t i = 0; i < count; ++i) {
    if (!batch.callbacks[i] && !handler) continue;  // nobody to tell: no report to build
    const int64_t offset = error || acks_none ? -1 : base_offset + int64_t(i);
    kafka::DeliveryReport report(topic_, ready.partition, offset, error);
    deliver(batch.callbacks[i], report);
    deliver(handler, report);
  }
  {
    std::lock_guard lock(mu_);
    buffered_bytes_ -= std::min(buffered_bytes_, bytes);
    in_flight_ -= count;
  }
  done_cv_.notify_all();
}

void EmbeddedProducer::set_delivery_handler(kafka::detail::DeliveryCallback handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

void EmbeddedProducer::flush() {
  std::unique_lock lock(mu_);
  if (in_flight_ == 0) return;
  ++flush_requests_;
  work_cv_.notify_one();
  // Bounded by ClientOptions::timeout, as every blocking call: a disk that stopped answering
  // surfaces as a TimeoutError instead of a hang.
  const auto timeout = backend_->options().timeout.ms();
  if (!done_cv_.wait_for(lock, timeout, [&] { return in_flight_ == 0 || closed_; })) {
    throw kafka::TimeoutError("flush of '" + topic_ + "': " + std::to_string(in_flight_) +
                              " record(s) still unwritten after " +
                              std::to_string(timeout.count()) + " ms (ClientOptions::timeout)");
  }
}

void EmbeddedProducer::close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;  // a second close() only waits for the sender below
  }
  work_cv_.notify_one();
  if (sender_.joinable()) sender_.join();
}

size_t EmbeddedProducer::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

std::exception_ptr EmbeddedProducer::take_error() {
  std::lock_guard lock(mu_);
  return std::exchange(first_error_, nullptr);
}

}  // namespace kafka_do::client
