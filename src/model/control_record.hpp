#pragma once
// Transaction markers: the control batches that end a transaction in every partition it wrote
// to (Kafka's EndTransactionMarker). A marker is a batch of one record with the transactional
// and control attribute bits set, the producer's id and epoch, and no sequence; it takes an
// offset like any batch, so a partition's high watermark counts its markers.
//
//   key   = version i16 (0), type i16 (0 = abort, 1 = commit)
//   value = version i16 (0), coordinator epoch i32
//
// Big-endian, as every Kafka field. Readers skip control batches; a read_committed reader uses an
// abort marker to stop skipping the aborted producer's batches.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace kafka_do::model {

enum class ControlType : int16_t { abort = 0, commit = 1 };

struct TransactionMarker {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  ControlType type = ControlType::abort;
  int32_t coordinator_epoch = 0;
};

// The whole marker batch (base offset 0: the log assigns it), timestamped `timestamp_ms`.
Result<std::string> build_marker_batch(const TransactionMarker& marker, int64_t timestamp_ms);

// The type of a control batch's (first) record; Errc::corruption when the key is not a control
// key, Errc::unsupported for a control type other than abort/commit (Kafka reserves more).
Result<ControlType> control_type(std::string_view control_batch);

}  // namespace kafka_do::model
