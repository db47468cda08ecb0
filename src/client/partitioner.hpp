#pragma once
// Where a producer's record goes, the one rule every SDK producer shares (embedded, kafka://,
// transactional): the record's explicit partition; else murmur2 of its key, as Kafka's Java client
// and librdkafka's murmur2_random compute it, so a key lands on the same partition whichever
// client wrote it; else the sticky partition — keyless records fill one partition's batch, and
// when that batch is done the sticky partition moves to another one at random (Kafka's sticky
// partitioner, KIP-480), which keeps batches full without starving a partition.
//
// Not thread-safe: one per producer, under the producer's lock.

#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace kafka_do::client {

class Partitioner {
 public:
  // REQUIRES: partitions > 0.
  explicit Partitioner(int32_t partitions);

  int32_t partitions() const { return partitions_; }
  // The topic grew (partitions only ever grow).
  void set_partitions(int32_t partitions);

  // The record's partition. An explicit one is returned as is: its range is the caller's to check
  // (against a partition count it may first refresh).
  int32_t choose(const std::optional<int32_t>& partition,
                 const std::optional<std::string_view>& key) const;
  int32_t sticky() const { return sticky_; }
  // The batch on `partition` is done (sent or full): when it held the keyless records, they move
  // to another partition.
  void batch_done(int32_t partition);

 private:
  int32_t partitions_;
  std::mt19937 rng_;
  int32_t sticky_;
};

}  // namespace kafka_do::client
