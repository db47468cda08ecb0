#pragma once
// Per-partition state of idempotent producers (Kafka's ProducerStateManager, minus transactions):
// for each producer id its epoch and its last few batches' sequence ranges, so that a retried
// batch is recognised and answered with its original offsets instead of being written twice, and
// a gap in the sequence is refused.
//
// Rules (as Kafka's):
//   - a batch with a lower epoch than the producer's current one is refused (fenced);
//   - a higher epoch starts over: its first sequence must be 0;
//   - same epoch: a batch whose sequence range equals one of the retained batches is a
//     duplicate; otherwise its first sequence must follow the last one (wrapping after
//     INT32_MAX), or it is out of sequence;
//   - an unknown producer id is accepted at any sequence: its state may have been lost with the
//     segment that held it (retention), and refusing would wedge the producer.
//
// Persistence: when a segment rolls, the table is snapshotted next to the new segment
// (<base>.producers, docs/format/log_format.md); on open the latest snapshot is loaded and the
// active segment's batch headers are replayed on top of it.
//
// Not thread-safe: PartitionLog uses it under its append lock.

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

#include "base/result.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::storage {

struct ProducerBatch {
  int32_t first_sequence = 0;
  int32_t last_sequence = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
};

class ProducerStateTable {
 public:
  // How many recent batches per producer are remembered for duplicate detection (Kafka keeps 5,
  // which is also the most in-flight requests an idempotent producer may have).
  static constexpr size_t kRetainedBatches = 5;
  // Producers remembered per partition. Every producer restart brings a new id, so without a cap
  // a long-running broker would remember them forever; past the cap the one that wrote longest
  // ago is forgotten (it counts as new if it ever comes back).
  static constexpr size_t kMaxProducers = 10'000;

  // Whether `header` (an idempotent batch: producer id and base sequence set) may be appended.
  // Returns the original batch for a duplicate, nullopt for a batch to append, or an error
  // (Errc::fenced, Errc::out_of_sequence).
  Result<std::optional<ProducerBatch>> check(const model::BatchHeader& header) const;
  // Records an appended batch (its header carries the assigned base offset).
  void record(const model::BatchHeader& header);

  size_t producer_count() const { return producers_.size(); }

  // The snapshot file's bytes, and back (Errc::corruption for a damaged file).
  std::string encode() const;
  static Result<ProducerStateTable> decode(std::string_view bytes);

  // The sequence number of the last record of `header`'s batch.
  static int32_t last_sequence(const model::BatchHeader& header);
  static bool is_idempotent(const model::BatchHeader& header) {
    return header.producer_id >= 0 && header.base_sequence >= 0 && !header.control();
  }

 private:
  struct Producer {
    int16_t epoch = 0;
    std::deque<ProducerBatch> batches;  // oldest first
  };
  std::unordered_map<int64_t, Producer> producers_;
};

}  // namespace kafka_do::storage
