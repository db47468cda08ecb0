#pragma once
// A group consumer on the kafka:// backend: one librdkafka consumer handle that subscribes to the
// topics and takes part in the group with Kafka's own protocol (range/roundrobin, eager).
//
// Offsets are the SDK's, not librdkafka's: auto-commit and offset store are off, and this class
// commits what the application moved past (mark_consumed), as the embedded backend does — every
// auto_commit_interval, before partitions are revoked, and at close. Where a newly assigned
// partition starts is decided in the rebalance callback, before the assignment takes effect (the
// committed offset, else earliest / latest / the first record at a time), so a producer that
// writes after wait_for_assignment() returned is never skipped by a lazily resolved "latest".
//
// Thread safety: poll() from one thread at a time (the Consumer's; the rebalance callback runs
// inside it); commits, stop() and mark_consumed() from any thread.

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>

#include "client/backend.hpp"
#include "client/finished_offsets.hpp"
#include "client/kafka/rdkafka_util.hpp"

namespace kafka_do::client {

class KafkaBackend;

class KafkaConsumer final : public kafka::detail::ConsumerCore {
 public:
  KafkaConsumer(std::shared_ptr<KafkaBackend> backend, kafka::detail::ConsumerSettings settings);
  ~KafkaConsumer() override;
  // Creates the handle and subscribes (after construction: callbacks need the finished object).
  void start();

  std::vector<kafka::Record> poll(std::chrono::milliseconds timeout, size_t max_records) override;
  void mark_consumed(std::span<const kafka::Record> records) override;
  void commit_consumed() override;
  void finish(const kafka::Record& record, uint64_t epoch) override;
  uint64_t assignment_epoch() const override;
  std::map<kafka::TopicPartition, int64_t> commit_finished() override;
  void keep_alive() override;
  void wake() override;
  void commit_offsets(const std::map<kafka::TopicPartition, int64_t>& offsets) override;
  void commit(const std::string& topic, int32_t partition, int64_t next_offset) override;
  void stop() override;
  bool stopped() const override { return stopped_; }
  void close() override;
  std::vector<kafka::TopicPartition> assignment() const override;
  std::map<kafka::TopicPartition, int64_t> consumed_offsets() const override;
  const kafka::detail::ConsumerSettings& settings() const override { return settings_; }
  std::map<kafka::TopicPartition, int64_t> lag() override;
  // The group's generation and member as librdkafka has them (for
  // rd_kafka_send_offsets_to_transaction); the caller destroys it.
  rd_kafka_consumer_group_metadata_t* group_metadata() const;
  const KafkaBackend* backend() const { return backend_.get(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct PartitionState {
    int64_t consumed = -1;     // next offset after what the application moved past (-1: nothing)
    int64_t committed = -1;    // the group's committed offset as this member last saw it
    int64_t start = -1;        // where reading started, when it was an offset (not "beginning")
    FinishedOffsets finished;  // what Record::commit / finish may commit
  };

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  void assign(rd_kafka_topic_partition_list_t* partitions);
  void revoke();
  // ConsumerSettings::assign: assigns the partitions (no group membership).
  void assign_manually();
  // Sets each partition's start offset (committed, else the offset policy). Returns committed ones.
  std::map<kafka::TopicPartition, int64_t> position(rd_kafka_topic_partition_list_t* partitions);
  // The offsets consumed past what was committed. REQUIRES: mu_.
  std::map<kafka::TopicPartition, int64_t> uncommitted() const;
  // What to commit before partitions move or the consumer closes: the finished watermarks, and
  // with auto_commit what the application moved past. REQUIRES: mu_.
  std::map<kafka::TopicPartition, int64_t> handover_offsets() const;
  // REQUIRES: mu_. Throws kafka::Error.
  void commit_locked(const std::map<kafka::TopicPartition, int64_t>& offsets);
  void maybe_auto_commit();
  rd_kafka_t* live() const;  // REQUIRES: mu_; throws when closed
  void yield_poll();         // what stop() and wake() do to a consumer_poll() in progress

  uint64_t epoch_ = 0;  // assignment_epoch(); REQUIRES: mu_
  const std::shared_ptr<KafkaBackend> backend_;
  const kafka::detail::ConsumerSettings settings_;
  rdk::Handle rk_;

  mutable std::mutex mu_;  // partitions_, closed_, rk_ (for commits)
  std::mutex yield_mu_;    // rk_ for stop(), which must not wait for a commit in progress
  // rd_kafka_consumer_close began: no queue reference may be taken (it must have none left).
  bool closing_ = false;  // REQUIRES: yield_mu_
  bool closed_ = false;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> woken_{false};  // wake(): the current or next poll returns without waiting
  std::map<kafka::TopicPartition, PartitionState> partitions_;
  Clock::time_point last_auto_commit_ = Clock::now();
  std::exception_ptr callback_error_;  // thrown by poll() after the callback returned
  // A record keep_alive() polled, returned by the next poll() unless the assignment changed
  // since. Only the polling thread touches these.
  struct Held {
    rdk::Message message;
    uint64_t epoch;
  };
  std::deque<Held> held_;
  Clock::time_point last_poll_ = Clock::now();  // of rd_kafka_consumer_poll
  std::optional<std::stop_callback<std::function<void()>>> stop_callback_;
};

}  // namespace kafka_do::client
