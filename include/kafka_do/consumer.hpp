#pragma once
// Consuming: Consumer (an input range of Records: `for (kafka::Record& r : consumer)`, composes
// with std::views::filter / transform / take) and BatchConsumer (each_batch).
//
// Views: `consumer | std::views::take(n)` stops after n records without waiting for more. A
// std::views::filter looks ahead for its next match when advanced (that is how the standard view
// works), so `consumer | filter(f) | take(n)` returns after the n-th match only once an (n+1)-th
// arrives or the consumer is stopped; put take() first, or use a stop_token, for finite runs.
//
// A consumer is a member of a consumer group: the group's members split the topic's partitions
// between them and rebalance when one joins, leaves, closes or stops polling for longer than
// session_timeout. Where a partition starts: the group's committed offset if it has one, else
// `offset` (earliest, latest, or the first record at or after a time).
//
// Iteration blocks waiting for new records (a consumer is a stream, it does not end when it
// catches up) without busy-waiting, and ends when stop() is called (from any thread), the
// stop_token in the options is triggered, or close() is called. A consumer far behind reads ahead
// only a bounded amount (max_poll_records records per poll, fetch_max_bytes per partition).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "kafka_do/duration.hpp"
#include "kafka_do/error.hpp"
#include "kafka_do/record.hpp"

namespace kafka {

// Where a consumer starts in a partition its group has no committed offset for.
class Offset {
 public:
  enum class Kind { earliest, latest, timestamp };
  static const Offset earliest;
  static const Offset latest;
  // The first record whose timestamp is at or after `time` (latest if there is none).
  static Offset at(std::chrono::system_clock::time_point time) {
    return Offset(Kind::timestamp, time);
  }

  Kind kind() const { return kind_; }
  std::chrono::system_clock::time_point time() const { return time_; }
  bool operator==(const Offset&) const = default;

 private:
  constexpr explicit Offset(Kind kind, std::chrono::system_clock::time_point time = {})
      : kind_(kind), time_(time) {}
  Kind kind_;
  std::chrono::system_clock::time_point time_;
};
inline const Offset Offset::earliest{Offset::Kind::earliest};
inline const Offset Offset::latest{Offset::Kind::latest};

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// What a consumer sees of transactions (Kafka's isolation.level).
enum class Isolation {
  read_committed,    // only committed records; stops at the first still-open transaction
  read_uncommitted,  // every record, also of aborted and open transactions
};

// A partition a consumer reads by manual assignment (ConsumerOptions::assign).
struct PartitionStart {
  std::string topic;
  int32_t partition = 0;
  // Where to start (clamped to the log); unset: the group's committed offset when there is a
  // group and it has one, else ConsumerOptions::offset.
  std::optional<int64_t> offset;
};

struct ConsumerOptions {
  // The consumer group this consumer joins; required unless `assign` is set.
  std::string group;
  // Manual assignment (Kafka's assign()): when not empty, the consumer reads exactly these
  // partitions (the topics passed to Client::consumer are ignored), joins no group and never
  // rebalances. Commits go to `group` when one is named; without a group nothing is committed
  // (auto_commit is off and commit() throws ConfigError).
  std::vector<PartitionStart> assign;
  // Where to start without a committed offset; unset = the client's default_offset (latest for
  // a Client, as Kafka's auto.offset.reset; earliest for a MockClient, so seeded records are read).
  std::optional<Offset> offset;
  // Commit the offsets of records the application has moved past, every auto_commit_interval
  // (and at close). With false, call Record::commit / Consumer::commit.
  bool auto_commit = true;
  Duration auto_commit_interval = std::chrono::seconds(5);
  int max_poll_records = 500;
  // A member that does not poll for this long is removed from the group (its partitions move).
  Duration session_timeout = std::chrono::seconds(30);
  Duration heartbeat_interval = std::chrono::seconds(3);
  // A poll waits until at least fetch_min_bytes are available or fetch_max_wait passed.
  int fetch_min_bytes = 1;
  Duration fetch_max_wait = std::chrono::milliseconds(500);
  // Upper bound of bytes read ahead per partition per fetch.
  int fetch_max_bytes = 1 << 20;
  // Iteration ends when this is triggered.
  std::stop_token stop;
  // Shown for this member by Admin::describe_group.
  std::string client_id = "kafka-do";
  Isolation isolation = Isolation::read_committed;
};

namespace detail {
class ConsumerCore;
class RecordFeed;
}  // namespace detail
class Transaction;

class Consumer {
 public:
  // The range's iterator. Moving it (++) is cheap; the wait for the next record happens when it
  // is compared with end() or dereferenced, so `| std::views::take(n)` never blocks for record
  // n + 1.
  class iterator {
   public:
    using value_type = Record;
    using difference_type = std::ptrdiff_t;
    using reference = Record&;
    using iterator_concept = std::input_iterator_tag;

    iterator() = default;
    explicit iterator(Consumer* consumer) : consumer_(consumer) {}
    Record& operator*() const;
    Record* operator->() const { return &**this; }
    iterator& operator++();
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.at_end(); }

   private:
    bool at_end() const;
    Consumer* consumer_ = nullptr;
  };

  explicit Consumer(std::shared_ptr<detail::ConsumerCore> core);
  Consumer(Consumer&&) noexcept;
  Consumer& operator=(Consumer&&) noexcept;
  ~Consumer();

  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

  // Calls fn for every record until the consumer is stopped or closed.
  void each(const std::function<void(Record&)>& fn);
  // The next record (waits for one). Throws kafka::Error when the consumer is stopped or closed
  // first, or TimeoutError when `timeout` passes.
  Record first(std::optional<Duration> timeout = std::nullopt);
  // Up to max_poll_records records, waiting at most `timeout` for the first one. They all count
  // as consumed (what auto_commit commits) when they are returned.
  std::vector<Record> poll(Duration timeout);
  // Iteration with a bound on each wait (for a caller that must regain control, such as a
  // language binding checking for interrupts): the next record, or nullopt when none came within
  // `timeout` or the consumer was stopped. As with iteration, the record returned before counts
  // as consumed only once this is called again.
  std::optional<Record> next(Duration timeout);
  // Whether stop() or close() ended iteration (or the options' stop token was triggered).
  bool stopped() const;
  // Commits the position after every record returned so far, for every assigned partition.
  void commit();
  // Commits these next offsets, per partition (Kafka's commitSync(offsets)); records below them
  // count as finished for Record::commit. Throws RebalanceInProgressError for a partition this
  // consumer no longer owns.
  void commit(const std::map<TopicPartition, int64_t>& next_offsets);
  // Makes iteration end (thread-safe; callable from another thread or a signal-safe context no).
  void stop();
  // Commits (when auto_commit), leaves the group and releases. Idempotent.
  void close();
  // The partitions currently assigned to this member.
  std::vector<TopicPartition> assignment() const;
  // Per assigned partition, how many records are there to read that this consumer has not
  // returned yet (up to the last stable offset under read_committed); -1 while not known (the
  // kafka:// backend learns the end of a partition from its first fetch). 0 everywhere means
  // caught up.
  std::map<TopicPartition, int64_t> lag() const;
  // Polls (buffering any records for iteration) until the group gave this member partitions;
  // false when `timeout` passed first. Useful before producing to a consumer at Offset::latest.
  bool wait_for_assignment(Duration timeout);

 private:
  friend class iterator;
  friend class Transaction;  // send_offsets: the core, and the current record counts as consumed
  friend class detail::RecordFeed;  // wakes its consumer's poll for a commit, keeps it alive
  // Makes `current_` hold an unconsumed record, waiting as needed (until `deadline`). False when
  // iteration ended (or the deadline passed).
  bool advance(std::chrono::steady_clock::time_point deadline =
                   std::chrono::steady_clock::time_point::max());
  void consume_current();

  std::shared_ptr<detail::ConsumerCore> core_;
  std::deque<Record> buffer_;
  std::optional<Record> current_;
};

// How a BatchConsumer cuts the records it reads into batches (the consumer's own options, group
// and offsets and fetch limits, are the ConsumerOptions beside it).
struct BatchOptions {
  // A batch is handed over when it holds `size` records or `timeout` passed since its first
  // record, whichever comes first. Empty batches are never handed over.
  int size = 100;
  Duration timeout = std::chrono::seconds(5);
};

// A batch of records; commit() commits, per partition, the offset after its last record.
class Batch {
 public:
  Batch(std::vector<Record> records, std::shared_ptr<detail::ConsumerCore> core)
      : records_(std::move(records)), core_(std::move(core)) {}
  auto begin() { return records_.begin(); }
  auto end() { return records_.end(); }
  auto begin() const { return records_.begin(); }
  auto end() const { return records_.end(); }
  size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  const std::vector<Record>& records() const { return records_; }
  // Throws RebalanceInProgressError when a partition of the batch moved to another member.
  void commit();

 private:
  std::vector<Record> records_;
  std::shared_ptr<detail::ConsumerCore> core_;
};

class BatchConsumer {
 public:
  BatchConsumer(std::shared_ptr<detail::ConsumerCore> core, BatchOptions batch);
  BatchConsumer(BatchConsumer&&) noexcept;
  BatchConsumer& operator=(BatchConsumer&&) noexcept;
  ~BatchConsumer();

  // Calls fn with every batch until stopped or closed.
  void each_batch(const std::function<void(Batch&)>& fn);
  // The next batch, or nullopt once stopped or closed, or when `wait` (unset: no limit) passed
  // before its first record arrived.
  std::optional<Batch> next_batch(std::optional<Duration> wait = std::nullopt);
  void stop();
  void close();

 private:
  // The batch handed out last counts as processed (what auto_commit and commit() commit) once
  // the next one is asked for, or its each_batch callback returned: not when it is handed out,
  // so a callback that throws leaves its batch uncommitted.
  void settle_handed_over();

  std::shared_ptr<detail::ConsumerCore> core_;
  BatchOptions batch_;
  std::deque<Record> buffer_;
  std::map<TopicPartition, Record> handed_over_;  // per partition, the last record of that batch
};

}  // namespace kafka
