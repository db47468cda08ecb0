#pragma once
// The record-batch checks both fuzz targets run: what the broker does with a Produce request's
// `records` bytes (PartitionLog::append validates the batch, then assigns its base offset), then
// what the read path does with a stored batch (decode_batch for ListOffsets, record_positions for
// the time index), with the properties that must tie them together.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::fuzz {

// Decompression bound: small enough that a compression bomb cannot exhaust the fuzzer's memory.
inline constexpr size_t kMaxRecordBytes = 1u << 20;

struct BatchCheckOptions {
  // Emulate a topic with message.timestamp.type=LogAppendTime (the log rewrites max_timestamp).
  bool log_append_time = false;
};

inline void check_record_batch(std::string_view batch, BatchCheckOptions options = {}) {
  const auto header = model::parse_batch_header(batch);
  const Status shallow = model::validate_batch(batch, /*check_records=*/false, kMaxRecordBytes);
  const Status valid = model::validate_batch(batch, /*check_records=*/true, kMaxRecordBytes);
  if (valid) FUZZ_CHECK(shallow, "a batch valid with its records is invalid without them");
  if (!valid) return;
  FUZZ_CHECK(header, "validate_batch accepted a batch whose header does not parse");
  FUZZ_CHECK(header->total_size() == batch.size(), "validated batch length");

  // As PartitionLog::append stores it.
  std::string stored(batch);
  model::set_base_offset(stored.data(), 0);
  if (options.log_append_time) {
    model::set_log_append_time(stored.data(), stored.size(), 1'700'000'000'000);
  }
  FUZZ_CHECK(model::validate_batch(stored, true, kMaxRecordBytes),
             "a stored batch no longer validates");

  const auto records = model::decode_batch(stored, kMaxRecordBytes);
  FUZZ_CHECK(records, "validated batch does not decode: " + records.error().to_string());
  FUZZ_CHECK(records->size() == size_t(header->record_count), "decoded record count");
  const auto positions = model::record_positions(stored, kMaxRecordBytes);
  FUZZ_CHECK(positions, "validated batch has no record positions: " +
                            positions.error().to_string());
  FUZZ_CHECK(positions->size() == records->size(), "record_positions count");
  for (size_t i = 0; i < records->size(); ++i) {
    FUZZ_CHECK((*records)[i].offset == int64_t(i), "record offset");
    FUZZ_CHECK((*positions)[i].offset == (*records)[i].offset, "record_positions offset");
    FUZZ_CHECK((*positions)[i].timestamp == (*records)[i].timestamp, "record_positions timestamp");
  }
}

}  // namespace kafka_do::fuzz
