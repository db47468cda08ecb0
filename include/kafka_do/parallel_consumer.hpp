#pragma once
// kafka::ParallelConsumer: one consumer whose records are processed on N worker threads, without
// ever committing past a record that is still being processed (Client::parallel_consumer).
//
//   auto pc = kafka.parallel_consumer("orders", {.group = "billing"},
//                                     {.concurrency = 8, .ordering = kafka::Ordering::key});
//   pc.each([](kafka::Record& r) { charge(r.value()); });  // on 8 threads; returns when stopped
//
// - Commits: a record counts as finished when its handler returns; each partition's committed
//   offset advances to the contiguous low watermark of finished records (Record::commit's rule),
//   so a crash redelivers what was in flight and never skips a record.
// - In flight: at most `max_in_flight` records are handed out and not yet committed. That bounds
//   memory and what a crash or a rebalance redelivers.
// - Order: `key` runs the records of one key (within a partition) one at a time in offset order,
//   `partition` those of one partition, `none` any record on any free worker.
// - Rebalance: records of revoked partitions that have not started are dropped, those running
//   finish, and none of them is committed (the new owner reads them from the last commit).
// - A handler that throws stops the consumer: each() waits for the running handlers, commits what
//   finished, and rethrows the first exception; the failed record is redelivered.

#include <functional>
#include <memory>
#include <vector>

#include "kafka_do/consumer.hpp"

namespace kafka {

enum class Ordering { key, partition, none };

struct ParallelOptions {
  int concurrency = 4;                // worker threads
  Ordering ordering = Ordering::key;  // what runs one at a time
  int max_in_flight = 0;              // handed out and not committed; 0 = 64 per worker
};

class ParallelConsumer {
 public:
  ParallelConsumer(std::shared_ptr<detail::ConsumerCore> core, ParallelOptions options);
  ParallelConsumer(ParallelConsumer&&) noexcept;
  ParallelConsumer& operator=(ParallelConsumer&&) noexcept;
  ~ParallelConsumer();

  // Runs `handler` for every record on the workers until stop(), the options' stop token, or a
  // handler's exception (rethrown here). Returns after the running handlers ended and what they
  // finished was committed.
  void each(const std::function<void(Record&)>& handler);
  // Makes each() return (thread-safe).
  void stop();
  // Commits what finished, leaves the group and releases. Idempotent.
  void close();
  std::vector<TopicPartition> assignment() const;

 private:
  std::shared_ptr<detail::ConsumerCore> core_;
  ParallelOptions options_;
};

}  // namespace kafka
