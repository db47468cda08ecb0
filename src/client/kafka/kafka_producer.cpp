#include "client/kafka/kafka_producer.hpp"

#include "client/errors.hpp"
#include "client/kafka/kafka_backend.hpp"

namespace kafka_do::client {

using namespace std::chrono_literals;
namespace {

using Clock = std::chrono::steady_clock;

// librdkafka's upper bound for linger.ms; a longer linger is the same "until flushed" in practice.
constexpr int64_t kMaxLingerMs = 900000;

// What librdkafka gets as the message opaque: the per-send callback, back in the report.
struct Pending {
  kafka::detail::DeliveryCallback callback;
};

const char* compression_name(kafka::Compression c) {
  switch (c) {
    case kafka::Compression::none:
      return "none";
    case kafka::Compression::gzip:
      return "gzip";
    case kafka::Compression::snappy:
      return "snappy";
    case kafka::Compression::lz4:
      return "lz4";
    case kafka::Compression::zstd:
      return "zstd";
  }
  return "none";
}

void deliver(const kafka::detail::DeliveryCallback& fn, const kafka::DeliveryReport& report) {
  if (!fn) return;
  try {
    fn(report);
  } catch (...) {  // a throwing callback must not take the delivery thread down (documented)
  }
}

std::exception_ptr as_exception(const std::shared_ptr<const kafka::Error>& e) {
  try {
    throw_concrete(e);
  } catch (...) {
    return std::current_exception();
  }
}

}  // namespace

KafkaProducer::KafkaProducer(std::shared_ptr<KafkaBackend> backend, std::string topic,
                             int32_t partitions, kafka::ProducerOptions options, bool async)
    : backend_(std::move(backend)),
      topic_(std::move(topic)),
      options_(options),
      async_(async),
      partitioner_(std::max(1, partitions)) {
  auto conf = rdk::base_config(backend_->options(), &backend_->state());
  auto* c = conf.get();
  // The topic's max.message.bytes as librdkafka's limit: an oversized record is refused by send()
  // (as in the embedded backend) and no batch grows past what the broker accepts.
  int64_t max_message = 1000000;
  try {
    const auto configs = backend_->topic_configs({topic_});
    if (auto t = configs.find(topic_); t != configs.end()) {
      if (auto v = t->second.values.find("max.message.bytes"); v != t->second.values.end()) {
        max_message = std::max<int64_t>(1000, std::stoll(v->second));
      }
    }
  } catch (const kafka::UnauthorizedError&) {
    throw;
  } catch (const std::exception&) {  // no DescribeConfigs permission: the broker still enforces it
  }
  const int64_t linger = std::clamp<int64_t>(options_.linger.ms().count(), 0, kMaxLingerMs);
  rdk::set(c, "message.max.bytes", std::to_string(max_message));
  rdk::set(c, "batch.size", std::to_string(std::min<int64_t>(options_.batch_size, max_message)));
  rdk::set(c, "linger.ms", std::to_string(linger));
  rdk::set(c, "compression.type", compression_name(options_.compression));
  rdk::set(c, "acks", std::to_string(int(options_.acks)));
  rdk::set(c, "message.send.max.retries", std::to_string(options_.retries));
  rdk::set(c, "retry.backoff.ms",
           std::to_string(std::max<int64_t>(1, options_.retry_backoff.ms().count())));
  // Idempotence keeps offsets dense and in send order across retries; it needs acks=all.
  const bool idempotent = options_.acks == kafka::Acks::all && options_.retries > 0;
  rdk::set(c, "enable.idempotence", idempotent ? "true" : "false");
  rdk::set(c, "queue.buffering.max.kbytes",
           std::to_string(std::max<size_t>(1, options_.buffer_memory / 1024)));
  message_timeout_ = std::chrono::milliseconds(linger) + backend_->timeout();
  rdk::set(c, "message.timeout.ms", std::to_string(rdk::to_int_ms(message_timeout_)));
  // Reports as events on the main queue, served by our delivery thread: rd_kafka_flush() then
  // only waits for them (it never runs callbacks on the caller's thread).
  rd_kafka_conf_set_events(c, RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR);
  rk_ = rdk::create(RD_KAFKA_PRODUCER, std::move(conf));
  rkt_ = rd_kafka_topic_new(rk_.get(), topic_.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk_.get(), 0, rkt_, &md, rdk::to_int_ms(backend_->timeout())) ==
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(md);
  }  // else: librdkafka retries on its own; records wait for it
  delivery_ = std::thread([this] { delivery_loop(); });
}

KafkaProducer::~KafkaProducer() {
  try {
    close();
  } catch (...) {  // destructor: errors were reported or are lost with the producer
  }
}

int32_t KafkaProducer::choose_partition(const kafka::detail::OutgoingRecord& record, size_t bytes) {
  if (record.partition) {
    if (*record.partition < 0)
      throw kafka::PartitionNotFoundError("partition must not be negative");
    if (*record.partition >= partitioner_.partitions()) {
      if (auto n = backend_->partition_count(topic_))
        partitioner_.set_partitions(*n);  // the topic may have grown
      if (*record.partition >= partitioner_.partitions()) {
        throw kafka::PartitionNotFoundError("topic '" + topic_ + "' has no partition " +
                                            std::to_string(*record.partition) + " (it has " +
                                            std::to_string(partitioner_.partitions()) + ")");
      }
    }
  } else if (!record.key) {
    const auto now = Clock::now();
    if (sticky_bytes_ > 0 && (sticky_bytes_ + bytes > size_t(options_.batch_size) ||
                              now - sticky_since_ >= options_.linger.ms())) {
      partitioner_.batch_done(partitioner_.sticky());
      sticky_bytes_ = 0;
    }
    if (sticky_bytes_ == 0) sticky_since_ = now;
    sticky_bytes_ += bytes;
  }
  return partitioner_.choose(record.partition, record.key);
}

void KafkaProducer::send(kafka::detail::OutgoingRecord record,
                         kafka::detail::DeliveryCallback callback) {
  const size_t bytes = record.approximate_bytes();
  std::unique_lock lock(mu_);
  if (closed_)
    throw kafka::Error(kafka::ErrorCode::unknown_server_error,
                       "producer for '" + topic_ + "' is closed");
  const int32_t partition = choose_partition(record, bytes);
  rd_kafka_headers_t* headers = rdk::make_headers(*record.headers);
  auto pending = std::make_unique<Pending>(Pending{std::move(callback)});
  rd_kafka_vu_t vu[8];
  size_t n = 0;
  vu[n].vtype = RD_KAFKA_VTYPE_RKT;
  vu[n++].u.rkt = rkt_;
  vu[n].vtype = RD_KAFKA_VTYPE_PARTITION;
  vu[n++].u.i32 = partition;
  vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vu[n++].u.i = RD_KAFKA_MSG_F_COPY;
  vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
  // librdkafka's field is not const; RD_KAFKA_MSG_F_COPY copies and never writes.
  vu[n].u.mem.ptr = record.value ? const_cast<char*>(record.value->data())
                                 : nullptr;  // null pointer: a null value
  vu[n++].u.mem.size = record.value ? record.value->size() : 0;
  vu[n].vtype = RD_KAFKA_VTYPE_KEY;
  vu[n].u.mem.ptr = record.key ? const_cast<char*>(record.key->data()) : nullptr;
  vu[n++].u.mem.size = record.key ? record.key->size() : 0;
  vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
  vu[n++].u.i64 = record.timestamp_ms;
  vu[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vu[n++].u.ptr = pending.get();
  if (headers) {
    vu[n].vtype = RD_KAFKA_VTYPE_HEADERS;
    vu[n++].u.headers = headers;
  }
  const auto give_up = Clock::now() + options_.max_block.ms();
  for (;;) {
    rd_kafka_error_t* error = rd_kafka_produceva(rk_.get(), vu, n);
    if (!error) break;
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    rd_kafka_error_destroy(error);
    if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL &&
        !(async_ && options_.buffer_full == kafka::BufferFull::fail)) {
      // Back-pressure: wait for reports to free room, up to max_block.
      if (Clock::now() < give_up) {
        done_cv_.wait_for(lock, std::min<Clock::duration>(50ms, give_up - Clock::now()));
        continue;
      }
      if (headers) rd_kafka_headers_destroy(headers);
      throw kafka::TimeoutError("producer buffer for '" + topic_ + "' stayed full for max_block");
    }
    if (headers) rd_kafka_headers_destroy(headers);  // still ours: the send failed
    if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Full because the broker holds this key to its quota, or because the application sends
      // faster than the network: say which.
      const auto throttle = backend_->state().recent_throttle(std::chrono::seconds(2));
      throw kafka::QuotaExceededError(
          "producer buffer for '" + topic_ + "' is full (" +
          std::to_string(options_.buffer_memory) + " bytes)" +
          (throttle
               ? ": the broker is throttling this key to its produce quota (throttle_time_ms " +
                     std::to_string(*throttle) + ")"
               : ""));
    }
    if (code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      throw kafka::MessageTooLargeError("record of about " + std::to_string(bytes) +
                                        " bytes is over max.message.bytes of topic '" + topic_ +
                                        "'");
    }
    rdk::throw_error(code, "sending to " + topic_ + "/" + std::to_string(partition));
  }
  (void)pending.release();  // librdkafka hands it back in the delivery report
  ++in_flight_;
}

void KafkaProducer::delivery_loop() {
  rdk::Queue queue(rd_kafka_queue_get_main(rk_.get()));
  while (!stop_delivery_) {
    rdk::Event ev(rd_kafka_queue_poll(queue.get(), 100));
    if (!ev) continue;
    switch (rd_kafka_event_type(ev.get())) {
      case RD_KAFKA_EVENT_DR:
        while (const rd_kafka_message_t* m = rd_kafka_event_message_next(ev.get())) on_delivery(m);
        break;
      case RD_KAFKA_EVENT_ERROR: {
        const auto err = rd_kafka_event_error(ev.get());
        const char* reason = rd_kafka_event_error_string(ev.get());
        backend_->state().record(err, reason ? reason : "");
        if (rd_kafka_event_error_is_fatal(ev.get())) {
          std::lock_guard lock(mu_);
          if (!first_error_)
            first_error_ =
                as_exception(as_fatal(*rdk::make_error(err, "producer for '" + topic_ + "'")));
        }
        break;
      }
      default:
        break;
    }
  }
}

void KafkaProducer::on_delivery(const rd_kafka_message_t* m) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(m->_private));
  std::shared_ptr<const kafka::Error> error;
  if (m->err)
    error = rdk::make_error(m->err, "delivering to " + topic_ + "/" + std::to_string(m->partition));
  const bool acks_none = options_.acks == kafka::Acks::none;
  const int64_t offset = error || acks_none || m->offset < 0 ? -1 : m->offset;
  kafka::DeliveryReport report(topic_, m->partition, offset, error);
  kafka::detail::DeliveryCallback handler;
  {
    std::lock_guard lock(mu_);
    handler = handler_;
  }
  if (pending) deliver(pending->callback, report);
  deliver(handler, report);
  {
    std::lock_guard lock(mu_);
    if (error && !first_error_) first_error_ = as_exception(error);
    --in_flight_;
  }
  done_cv_.notify_all();
}

void KafkaProducer::set_delivery_handler(kafka::detail::DeliveryCallback handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

void KafkaProducer::flush() {
  const auto deadline = Clock::now() + message_timeout_ + 5s;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (in_flight_ == 0 || !rk_) return;  // !rk_: closed (what was left is reported lost)
    }
    // Sends lingering batches at once and waits (in slices, to notice a refused key) until
    // librdkafka has handed every report to the delivery thread; then for the thread itself.
    const auto err = rd_kafka_flush(rk_.get(), 200);
    backend_->state().check();
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::unique_lock lock(mu_);
      done_cv_.wait_until(lock, deadline, [&] { return in_flight_ == 0; });
    }
    if (Clock::now() >= deadline)
      throw kafka::TimeoutError("flushing producer for '" + topic_ + "' timed out");
  }
}

void KafkaProducer::close() {
  {
    std::lock_guard lock(mu_);
    if (closed_ && !rk_) return;
    closed_ = true;  // later sends throw
  }
  try {
    flush();
  } catch (const kafka::Error&) {  // Producer::close() rethrows it through take_error()
    {
      std::lock_guard lock(mu_);
      if (!first_error_) first_error_ = std::current_exception();
    }
    // What could not be delivered still gets its report (an error), and its opaque is freed.
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    std::unique_lock lock(mu_);
    done_cv_.wait_for(lock, 5s, [&] { return in_flight_ == 0; });
  }
  stop_delivery_ = true;
  if (delivery_.joinable()) delivery_.join();
  std::lock_guard lock(mu_);
  if (rkt_) rd_kafka_topic_destroy(rkt_);
  rkt_ = nullptr;
  rk_.reset();
}

size_t KafkaProducer::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

std::exception_ptr KafkaProducer::take_error() {
  std::lock_guard lock(mu_);
  return std::exchange(first_error_, nullptr);
}

}  // namespace kafka_do::client
