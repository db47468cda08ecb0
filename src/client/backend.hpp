#pragma once
// The narrow interface between the public SDK classes (include/kafka_do) and a backend: the
// embedded engine (src/client/embedded, for file: and memory:) today, a librdkafka-based kafka://
// backend later. Public classes do serialization, lambda scopes, ranges and exceptions; a backend
// moves records. Everything here may throw kafka::Error.

#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "client/retry.hpp"
#include "kafka_do/admin.hpp"
#include "kafka_do/client.hpp"
#include "kafka_do/consumer.hpp"
#include "kafka_do/producer.hpp"
#include "kafka_do/record.hpp"
#include "kafka_do/transaction.hpp"

namespace kafka::detail {

// A record on its way out, serialized, viewing the caller's bytes: valid only during the
// ProducerCore::send or TransactionCore::send it is given to, which copy what they keep (into a
// batch, or into librdkafka with RD_KAFKA_MSG_F_COPY), so a send copies each byte once.
struct OutgoingRecord {
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  const Headers* headers = nullptr;  // never null once made by make_outgoing
  std::optional<int32_t> partition;
  int64_t timestamp_ms = 0;
  // Bytes the record adds to a batch, close enough for batch_size and buffer accounting.
  size_t approximate_bytes() const;
};

using DeliveryCallback = std::function<void(const DeliveryReport&)>;

// What Producer::send and Transaction::send make of a value and its options (producer.cpp).
// `value` and `options` must outlive the record.
OutgoingRecord make_outgoing(std::optional<std::string_view> value, const SendOptions& options);
// The SendOptions a batch Message carries (key, headers, partition).
SendOptions send_options(const Message& message);
// A JSON value's bytes for one send; a JSON null is a tombstone (null value). Throws
// SerializationError. Written into a buffer of the calling thread, reused from send to send, so
// a send allocates nothing for its text once that buffer has grown (a nested send on the same
// thread, from a callback, gets a buffer of its own). Every ProducerCore::send and
// TransactionCore::send copies the bytes before it returns.
class JsonBytes {
 public:
  explicit JsonBytes(const Json& value);
  ~JsonBytes();
  JsonBytes(const JsonBytes&) = delete;
  JsonBytes& operator=(const JsonBytes&) = delete;
  std::optional<std::string_view> view() const { return view_; }

 private:
  std::string* scratch_ = nullptr;  // the thread's buffer, while this holds it
  std::string own_;                 // when the thread's buffer was taken
  std::optional<std::string_view> view_;
};

class ProducerCore {
 public:
  virtual ~ProducerCore() = default;
  virtual const std::string& topic() const = 0;
  // Queues a record. `callback` (may be null) gets its report on the delivery thread. Throws for
  // what is known at once (record too large, topic missing, closed, buffer full with fail).
  virtual void send(OutgoingRecord record, DeliveryCallback callback) = 0;
  // Handler called with every report, after the per-record callback.
  virtual void set_delivery_handler(DeliveryCallback handler) = 0;
  // Sends everything queued and waits until every report was delivered.
  virtual void flush() = 0;
  virtual void close() = 0;
  virtual size_t in_flight() const = 0;
  // The first delivery error since the last call (what the synchronous Producer rethrows).
  virtual std::exception_ptr take_error() = 0;
};

struct ConsumerSettings {
  std::vector<std::string> topics;
  std::string group;                   // empty only with `assign`
  std::vector<PartitionStart> assign;  // manual assignment; empty = group membership
  Offset offset = Offset::latest;
  bool auto_commit = true;
  std::chrono::milliseconds auto_commit_interval{5000};
  // How Consumer::commit retries (ClientOptions::retries and timeout).
  RetryPolicy commit_retry;
  int max_poll_records = 500;
  std::chrono::milliseconds session_timeout{30000};
  std::chrono::milliseconds heartbeat_interval{3000};
  int fetch_min_bytes = 1;
  std::chrono::milliseconds fetch_max_wait{500};
  int fetch_max_bytes = 1 << 20;
  std::stop_token stop;
  std::string client_id = "kafka-do";
  Isolation isolation = Isolation::read_committed;
};

class ConsumerCore : public CommitSink, public std::enable_shared_from_this<ConsumerCore> {
 public:
  // Up to max_poll_records records; waits up to `timeout` for the first. Empty when the timeout
  // passed or the consumer was stopped.
  virtual std::vector<Record> poll(std::chrono::milliseconds timeout, size_t max_records) = 0;
  // The application moved past these records: each offset + 1 is what auto-commit and commit()
  // commit.
  virtual void mark_consumed(std::span<const Record> records) = 0;
  void mark_consumed(const Record& record) { mark_consumed(std::span(&record, 1)); }
  // Commits every partition's consumed position.
  virtual void commit_consumed() = 0;
  // Commits the given next offsets.
  virtual void commit_offsets(const std::map<TopicPartition, int64_t>& offsets) = 0;
  // The application finished `record` (Record::commit without the commit; the parallel
  // consumer): the partition's commit may pass it once every earlier record handed out is
  // finished too (client/finished_offsets.hpp). No I/O.
  // `epoch` is assignment_epoch() when the record was polled: a record from an earlier
  // assignment finishes nothing (its partition was re-read since, possibly by another member).
  virtual void finish(const Record& record, uint64_t epoch) = 0;
  // Changes whenever the assignment changes (a rebalance; every partition then restarts from
  // its committed offset). Every record one poll() returns belongs to the epoch current when it
  // returned, and the epoch only changes inside poll() and close().
  virtual uint64_t assignment_epoch() const = 0;
  // Commits each partition's finished watermark where it passed the committed offset; returns
  // what it committed.
  virtual std::map<TopicPartition, int64_t> commit_finished() = 0;
  // Keeps the group membership alive while the application does not poll (embedded: heartbeats
  // when due; kafka://: librdkafka heartbeats on its own thread).
  virtual void keep_alive() = 0;
  // Thread-safe: the poll() waiting now, or else the next one, returns without waiting further
  // (with what it has, possibly nothing). What a thread that owns the consumer is woken with
  // when it has other work (a commit to run) than waiting for records.
  virtual void wake() = 0;
  virtual void stop() = 0;
  virtual bool stopped() const = 0;
  virtual void close() = 0;
  virtual std::vector<TopicPartition> assignment() const = 0;
  // The next offset after what the application moved past, per assigned partition (what
  // commit_consumed() would commit).
  virtual std::map<TopicPartition, int64_t> consumed_offsets() const = 0;
  virtual const ConsumerSettings& settings() const = 0;
  // Per assigned partition, how many records poll() has not returned yet (end offset, the last
  // stable offset under read_committed, minus the next offset to return); -1 while not known.
  virtual std::map<TopicPartition, int64_t> lag() = 0;
};

// A transactional producer of one transactional id. The Client runs one transaction at a time on
// it (begin, sends, offsets, commit or abort), holding mutex() for the whole transaction.
class TransactionCore {
 public:
  virtual ~TransactionCore() = default;
  virtual void begin() = 0;
  // Throws for what is known at once (record too large, unknown topic or partition, fenced).
  virtual void send(const std::string& topic, OutgoingRecord record) = 0;
  // The consumer's group commits `offsets` (next offsets) with this transaction. `consumer`
  // comes from the same backend (ConfigError otherwise).
  virtual void send_offsets(ConsumerCore& consumer,
                            const std::map<TopicPartition, int64_t>& offsets) = 0;
  // Throws ProducerFencedError, TransactionAbortedError (the transaction was aborted), or
  // another kafka::Error.
  virtual void commit() = 0;
  virtual void abort() = 0;
  std::mutex& mutex() { return mu_; }

 private:
  std::mutex mu_;
};

class AdminCore {
 public:
  virtual ~AdminCore() = default;
  virtual void create_topic(const std::string& name, const TopicOptions& options) = 0;
  virtual std::vector<TopicInfo> list_topics() = 0;
  virtual TopicInfo describe_topic(const std::string& name) = 0;
  virtual void alter_topic(const std::string& name, const TopicAlteration& changes) = 0;
  virtual void increase_partitions_to(const std::string& name, int total) = 0;
  virtual void delete_topic(const std::string& name) = 0;
  virtual std::vector<GroupInfo> list_groups() = 0;
  virtual GroupDescription describe_group(const std::string& group) = 0;
  // Per partition of `topic` (TopicNotFoundError when there is none).
  virtual std::vector<PartitionInfo> partition_info(const std::string& topic) = 0;
  // The first offset of the partition whose timestamp is at or after `ms`; -1 when there is none.
  virtual int64_t offset_for_time(const std::string& topic, int32_t partition, int64_t ms) = 0;
  // The group's committed offsets (none: empty).
  virtual std::map<TopicPartition, int64_t> committed_offsets(const std::string& group) = 0;
  // Commits `offsets` for the group as an admin (no member), as Kafka's AlterConsumerGroupOffsets.
  virtual void alter_offsets(const std::string& group,
                             const std::map<TopicPartition, int64_t>& offsets) = 0;
  virtual void delete_group(const std::string& group) = 0;
};

class Backend : public std::enable_shared_from_this<Backend> {
 public:
  virtual ~Backend() = default;
  virtual const std::string& url() const = 0;
  // As resolved when the client was made (URL and environment applied).
  virtual const ClientOptions& options() const = 0;
  virtual const Offset& default_offset() const = 0;
  virtual std::shared_ptr<ProducerCore> make_producer(const std::string& topic,
                                                      const ProducerOptions& options,
                                                      bool async) = 0;
  virtual std::shared_ptr<ConsumerCore> make_consumer(ConsumerSettings settings) = 0;
  virtual std::shared_ptr<AdminCore> make_admin() = 0;
  // The transactional producer of `options.transactional_id` (set), created (and registered
  // with the coordinator, fencing any earlier one) on first use, then kept.
  virtual std::shared_ptr<TransactionCore> transaction_core(const TransactionOptions& options) = 0;
  // Every record of `topic`, partition by partition, in offset order (MockClient::messages).
  virtual std::vector<Record> read_topic(const std::string& topic) = 0;
  virtual void close() = 0;
};

// Resolves options and environment to a backend (throws ConfigError for an unusable URL).
std::shared_ptr<Backend> make_backend(const ClientOptions& options);

}  // namespace kafka::detail
