#pragma once
// Per-partition state of idempotent and transactional producers (Kafka's ProducerStateManager):
// for each producer id its epoch and its last few batches' sequence ranges, so that a retried
// batch is recognised and answered with its original offsets instead of being written twice, and
// a gap in the sequence is refused; and, for a transactional producer, the first offset of the
// transaction it has open in this partition, which holds the last stable offset back.
//
// Rules (as Kafka's):
//   - a batch with a lower epoch than the producer's current one is refused (fenced);
//   - a higher epoch starts over: its first sequence must be 0;
//   - same epoch: a batch whose sequence range equals one of the retained batches is a
//     duplicate; otherwise its first sequence must follow the last one (wrapping after
//     INT32_MAX), or it is out of sequence;
//   - an unknown producer id is accepted at any sequence: its state may have been lost with the
//     segment that held it (retention), and refusing would wedge the producer;
//   - a transaction marker (written by the coordinator) ends the producer's open transaction and
//     raises its epoch to the marker's: a coordinator that fenced a producer writes the abort
//     with the bumped epoch, so the fenced instance's later batches are refused here too;
//   - a producer not heard from for producer.id.expiration.ms is forgotten (expire()), unless it
//     has a transaction open.
//
// Persistence: when a segment rolls, the table is snapshotted next to the new segment
// (<base>.producers, docs/format/log_format.md); on open the latest snapshot is loaded and the
// active segment's batch headers are replayed on top of it.
//
// Not thread-safe: PartitionLog uses it under its append lock.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::storage {

// An aborted transaction of one partition: its producer, its first data offset and the offset of
// its abort marker (Kafka's AbortedTxn; `last_stable_offset` is the partition's LSO once the
// marker was written).
struct AbortedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  int64_t last_stable_offset = 0;
  bool operator==(const AbortedTxn&) const = default;
};

// What a marker did to its producer's transaction in this partition.
struct CompletedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;  // -1: the producer had nothing open here
  int64_t marker_offset = 0;
};

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

  // Whether `header` (a tracked batch, see tracks()) may be appended. Returns the original batch
  // for a duplicate, nullopt for a batch to append, or an error (Errc::fenced,
  // Errc::out_of_sequence).
  Result<std::optional<ProducerBatch>> check(const model::BatchHeader& header) const;
  // Records an appended tracked batch (its header carries the assigned base offset); a
  // transactional one opens the producer's transaction here if none is open. Returns true when it
  // did.
  bool record(const model::BatchHeader& header);
  // Errc::fenced when a marker of `epoch` is older than the producer's epoch.
  Status check_marker(int64_t producer_id, int16_t epoch) const;
  // Applies a marker written at `marker_offset`: closes the producer's open transaction.
  CompletedTxn complete(int64_t producer_id, int16_t epoch, int64_t marker_offset,
                        int64_t timestamp_ms);
  // Forgets producers without an open transaction whose last write is older than `max_age_ms`
  // (by its batch timestamps); returns how many.
  size_t expire(int64_t now_ms, int64_t max_age_ms);

  // First offsets of the open transactions (the lowest holds the last stable offset back).
  std::vector<int64_t> open_transactions() const;
  size_t producer_count() const { return producers_.size(); }

  // The snapshot file's bytes, and back (Errc::corruption for a damaged file).
  std::string encode() const;
  static Result<ProducerStateTable> decode(std::string_view bytes);

  // The sequence number of the last record of `header`'s batch.
  static int32_t last_sequence(const model::BatchHeader& header);
  static bool is_idempotent(const model::BatchHeader& header) {
    return header.producer_id >= 0 && header.base_sequence >= 0 && !header.control();
  }
  // Batches whose producer state is kept: idempotent ones, and transactional ones without a
  // sequence (the coordinator's own transactional offset commits).
  static bool tracks(const model::BatchHeader& header) {
    return header.producer_id >= 0 && !header.control() &&
           (header.base_sequence >= 0 || header.transactional());
  }

 private:
  struct Producer {
    int16_t epoch = 0;
    std::deque<ProducerBatch> batches;  // oldest first
    int64_t txn_first_offset = -1;      // the open transaction's first offset here, or -1
    int64_t last_timestamp = -1;        // max timestamp of its last batch or marker (ms)
  };
  Producer& producer(int64_t id);
  std::unordered_map<int64_t, Producer> producers_;
};

}  // namespace kafka_do::storage
