#pragma once
// Rewrites a record batch keeping only some of its records: what log compaction does to every
// batch it copies. The batch keeps its identity: base offset, last offset delta (so it still ends
// where it ended and offsets are never renumbered), leader epoch, producer id, epoch and base
// sequence, max timestamp, codec, timestamp type and the transactional and control bits. Only the
// record count, the records, the CRC and (with a delete horizon) the base timestamp change.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::model {

struct FilteredBatch {
  std::string bytes;  // the rewritten batch; empty when no record was kept or nothing changed
  int32_t kept = 0;
  int32_t removed = 0;
  bool unchanged = false;  // every record kept and the horizon as it was: use the original bytes
};

// `delete_horizon`: when set, the batch is marked with it (KIP-534: attribute bit 6, base
// timestamp = horizon; record timestamp deltas are re-encoded so every record keeps its
// timestamp). When unset, the batch's own horizon (if any) stays.
Result<FilteredBatch> filter_batch(std::string_view batch,
                                   const std::function<bool(const RecordView&)>& keep,
                                   std::optional<int64_t> delete_horizon = std::nullopt);

}  // namespace kafka_do::model
