#include "client/kafka/kafka_transaction.hpp"

#include <chrono>

#include "base/murmur2.hpp"
#include "client/errors.hpp"
#include "client/kafka/kafka_backend.hpp"
#include "client/kafka/kafka_consumer.hpp"

namespace kafka_do::client {

KafkaTransaction::KafkaTransaction(KafkaBackend& backend, kafka::TransactionOptions options)
    : backend_(backend), options_(std::move(options)) {
  auto conf = rdk::base_config(backend_.options(), &backend_.state());
  auto* c = conf.get();
  rdk::set(c, "transactional.id", options_.transactional_id);
  rdk::set(c, "transaction.timeout.ms", std::to_string(rdk::to_int_ms(options_.timeout.ms())));
  rdk::set(c, "enable.idempotence", "true");
  rdk::set(c, "linger.ms", "5");
  // Keyed records land where the other backends and Kafka's Java client put them.
  rdk::set(c, "partitioner", "murmur2_random");
  rk_ = rdk::create(RD_KAFKA_PRODUCER, std::move(conf));
  check(rd_kafka_init_transactions(rk_.get(), rdk::to_int_ms(backend_.timeout())),
        "init transactions for '" + options_.transactional_id + "'");
}

KafkaTransaction::~KafkaTransaction() {
  if (open_ && !fenced_ && rk_) {
    rd_kafka_error_t* e = rd_kafka_abort_transaction(rk_.get(), rdk::to_int_ms(backend_.timeout()));
    if (e) rd_kafka_error_destroy(e);
  }
}

void KafkaTransaction::check(rd_kafka_error_t* error, const std::string& what) {
  if (error == nullptr) return;
  const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  const std::string message = what + ": " + rd_kafka_error_string(error);
  const bool fatal = rd_kafka_error_is_fatal(error);
  const bool abortable = rd_kafka_error_txn_requires_abort(error);
  rd_kafka_error_destroy(error);
  if (fatal || code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
      code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH) {
    fenced_ = true;
    throw kafka::ProducerFencedError(message + " (transactional id '" + options_.transactional_id +
                                     "' was taken over, or its transaction timed out)");
  }
  if (abortable) throw kafka::TransactionAbortedError(message);
  rdk::throw_error(code, message);
}

void KafkaTransaction::begin() {
  if (fenced_)
    throw kafka::ProducerFencedError("transactional id '" + options_.transactional_id +
                                     "' was taken over by another producer");
  check(rd_kafka_begin_transaction(rk_.get()), "begin transaction");
  open_ = true;
}

void KafkaTransaction::send(const std::string& topic, kafka::detail::OutgoingRecord record) {
  int32_t partition = RD_KAFKA_PARTITION_UA;
  if (record.partition) {
    partition = *record.partition;
  } else if (record.key) {
    auto it = partitions_.find(topic);
    if (it == partitions_.end())
      it = partitions_.emplace(topic, backend_.ensure_topic(topic)).first;
    partition = partition_for_key(*record.key, it->second);
  } else {
    backend_.ensure_topic(topic);
  }
  rd_kafka_headers_t* headers = rdk::make_headers(*record.headers);
  rd_kafka_vu_t vu[7];
  size_t n = 0;
  vu[n].vtype = RD_KAFKA_VTYPE_TOPIC;
  vu[n++].u.cstr = topic.c_str();
  vu[n].vtype = RD_KAFKA_VTYPE_PARTITION;
  vu[n++].u.i32 = partition;
  vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vu[n++].u.i = RD_KAFKA_MSG_F_COPY;
  vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
  // librdkafka's field is not const; RD_KAFKA_MSG_F_COPY copies and never writes.
  vu[n].u.mem.ptr = record.value ? const_cast<char*>(record.value->data()) : nullptr;
  vu[n++].u.mem.size = record.value ? record.value->size() : 0;
  vu[n].vtype = RD_KAFKA_VTYPE_KEY;
  vu[n].u.mem.ptr = record.key ? const_cast<char*>(record.key->data()) : nullptr;
  vu[n++].u.mem.size = record.key ? record.key->size() : 0;
  vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
  vu[n++].u.i64 = record.timestamp_ms;
  if (headers) {
    vu[n].vtype = RD_KAFKA_VTYPE_HEADERS;
    vu[n++].u.headers = headers;
  }
  // Back-pressure: a transaction larger than librdkafka's queue (100k messages, 1 GiB) waits for
  // deliveries to free room, up to the client's timeout, instead of failing with "Queue full".
  const auto give_up = std::chrono::steady_clock::now() + backend_.timeout();
  rd_kafka_error_t* error = nullptr;
  for (;;) {
    error = rd_kafka_produceva(rk_.get(), vu, n);
    if (!error || rd_kafka_error_code(error) != RD_KAFKA_RESP_ERR__QUEUE_FULL ||
        std::chrono::steady_clock::now() >= give_up) {
      break;
    }
    rd_kafka_error_destroy(error);
    rd_kafka_poll(rk_.get(), 10);  // serves delivery reports, which free queue room
  }
  if (error && headers) rd_kafka_headers_destroy(headers);  // still ours: the send failed
  if (error && rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
    rd_kafka_error_destroy(error);
    throw kafka::MessageTooLargeError("record for '" + topic + "' is over the size limit");
  }
  check(error, "send to '" + topic + "'");
  rd_kafka_poll(rk_.get(), 0);  // serve callbacks
}

void KafkaTransaction::send_offsets(kafka::detail::ConsumerCore& consumer,
                                    const std::map<kafka::TopicPartition, int64_t>& offsets) {
  auto* kafka_consumer = dynamic_cast<KafkaConsumer*>(&consumer);
  if (kafka_consumer == nullptr || kafka_consumer->backend() != &backend_) {
    throw kafka::ConfigError("send_offsets needs a consumer of the same client");
  }
  rdk::PartitionList list = rdk::new_list(int(offsets.size()));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  rd_kafka_consumer_group_metadata_t* metadata = kafka_consumer->group_metadata();
  rd_kafka_error_t* error = rd_kafka_send_offsets_to_transaction(
      rk_.get(), list.get(), metadata, rdk::to_int_ms(backend_.timeout()));
  rd_kafka_consumer_group_metadata_destroy(metadata);
  check(error, "send offsets of group '" + consumer.settings().group + "'");
}

void KafkaTransaction::commit() {
  // A retriable error (a timeout) may be retried; an abortable one needs an abort first.
  for (int attempt = 0;; ++attempt) {
    rd_kafka_error_t* error =
        rd_kafka_commit_transaction(rk_.get(), rdk::to_int_ms(backend_.timeout()));
    if (error && rd_kafka_error_is_retriable(error) && attempt < 2) {
      rd_kafka_error_destroy(error);
      continue;
    }
    if (error && rd_kafka_error_txn_requires_abort(error) && !rd_kafka_error_is_fatal(error)) {
      const std::string message = rd_kafka_error_string(error);
      rd_kafka_error_destroy(error);
      abort();
      throw kafka::TransactionAbortedError("transaction aborted: " + message);
    }
    open_ = false;
    check(error, "commit transaction");
    return;
  }
}

void KafkaTransaction::abort() {
  if (!open_ || fenced_) return;
  open_ = false;
  check(rd_kafka_abort_transaction(rk_.get(), rdk::to_int_ms(backend_.timeout())),
        "abort transaction");
}

}  // namespace kafka_do::client
