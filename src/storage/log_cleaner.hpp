#pragma once
// Log compaction: keeps the latest record of every key of a `cleanup.policy=compact` partition.
//
// One pass over a partition (Kafka's LogCleaner, in the same steps):
//   1. Dirty range: from the cleaner checkpoint (first offset not yet indexed) to the first
//      uncleanable segment: the active one, or the first whose newest record is younger than
//      min.compaction.lag.ms.
//   2. Index: key -> highest offset for the dirty range into the OffsetMap, batch by batch, until
//      the range ends or the map is full (the range then ends there; the next pass goes on).
//   3. Rewrite every sealed segment below the indexed end, in groups that fit segment.bytes: a
//      record survives unless a later offset has its key, it lies below the log start, it has no
//      key, or it is a tombstone whose batch's delete horizon has passed. Batches keep their base
//      and last offsets (offsets are never renumbered); a batch that keeps a tombstone gets a
//      delete horizon of now + delete.retention.ms the first time it is cleaned (KIP-534).
//   4. Swap each rewritten group in (PartitionLog::install_cleaned; crash-safe, see
//      docs/format/compaction.md), then persist the new checkpoint.
// Never touches the active segment. Control batches are copied as they are.
//
// Thread safety: a LogCleaner is used by one thread at a time; it takes the partition's
// cleaning lock for a pass, so it may run beside appends, reads, retention and topic deletion.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "storage/offset_map.hpp"
#include "storage/partition_log.hpp"

namespace kafka_do::storage {

struct CleanResult {
  std::string topic;
  int32_t partition = 0;
  bool cleaned = false;  // false: nothing was cleanable
  int64_t dirty_start = 0;
  int64_t dirty_end = 0;      // offsets [dirty_start, dirty_end) were indexed by this pass
  uint64_t bytes_before = 0;  // of the segments rewritten
  uint64_t bytes_after = 0;
  int64_t records_kept = 0;
  int64_t records_removed = 0;
  int64_t tombstones_removed = 0;
  size_t segments_before = 0;
  size_t segments_after = 0;
  size_t keys_indexed = 0;
  std::chrono::microseconds duration{0};
  // One line for the log: partition, bytes before/after, records removed, duration.
  std::string summary() const;
};

// How much of a partition waits for the cleaner.
struct Cleanability {
  uint64_t clean_bytes = 0;  // sealed bytes below the checkpoint
  uint64_t dirty_bytes = 0;  // sealed, cleanable bytes at or above it
  bool due = false;          // dirty ratio reached, or the oldest dirty record past max lag
  double dirty_ratio() const {
    const uint64_t total = clean_bytes + dirty_bytes;
    return total == 0 ? 0.0 : double(dirty_bytes) / double(total);
  }
};

class LogCleaner {
 public:
  // `map_bytes`: the memory of the key -> offset map (Kafka's log.cleaner.dedupe.buffer.size).
  explicit LogCleaner(size_t map_bytes);

  // Whether `log` compacts and how dirty it is (never due for a non-compacted topic).
  static Cleanability assess(const PartitionLog& log, int64_t now_ms);
  // One pass over `log` (see above); cleaned = false when there was nothing to index.
  // Errors: closed (the log closed mid-pass; nothing was swapped half way), corruption (a
  // segment failed its checks: the pass stops before touching it), io_error.
  Result<CleanResult> clean(PartitionLog& log, int64_t now_ms);

  size_t map_bytes() const { return map_bytes_; }

 private:
  OffsetMap& map();
  const size_t map_bytes_;
  std::unique_ptr<OffsetMap> map_;  // allocated on first use, reused by every pass
};

}  // namespace kafka_do::storage
