#pragma once
// Kafka record batches v2: the unit the engine stores, byte for byte as the wire carries it.
//   BatchHeader  - a parsed view of the 61-byte header (no allocation, no decompression)
//   BatchBuilder - encodes records into a batch (optionally compressed), CRC included
//   decode_batch - verifies and decodes a batch into records (decompressing as needed)
// Format: docs/format/log_format.md and record_batch_format.hpp.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "model/compression.hpp"
#include "model/record_batch_format.hpp"

namespace kafka_do::model {

inline constexpr int64_t kNoTimestamp = -1;
inline constexpr int64_t kNoProducerId = -1;
inline constexpr int16_t kNoProducerEpoch = -1;
inline constexpr int32_t kNoSequence = -1;

// Record header: key is never null on the wire, value may be.
struct RecordHeader {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const RecordHeader&) const = default;
};

struct Record {
  int64_t offset = 0;
  int64_t timestamp = kNoTimestamp;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<RecordHeader> headers;
  bool operator==(const Record&) const = default;
};

struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = batch_format::kMagic;
  uint32_t crc = 0;
  uint16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = kNoTimestamp;
  int64_t max_timestamp = kNoTimestamp;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  int32_t record_count = 0;

  Compression compression() const {
    return Compression(attributes & batch_format::kCompressionMask);
  }
  bool log_append_time() const { return attributes & batch_format::kTimestampTypeBit; }
  bool transactional() const { return attributes & batch_format::kTransactionalBit; }
  bool control() const { return attributes & batch_format::kControlBit; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  int64_t next_offset() const { return last_offset() + 1; }
  // Whole batch size including base_offset and batch_length.
  size_t total_size() const { return batch_format::kLogOverhead + size_t(batch_length); }
};

// Parses the header at the front of `bytes` (which may hold more than one batch). Checks magic
// and that batch_length is at least a header; does not check the CRC or that the whole batch is
// present (compare total_size() with what you hold).
Result<BatchHeader> parse_batch_header(std::string_view bytes);

// True when the stored CRC matches bytes 21..total_size(). REQUIRES: bytes holds the whole batch.
bool crc_matches(std::string_view batch);

// Rewrites base_offset in place (not CRC-covered).
void set_base_offset(char* batch, int64_t base_offset);
// Rewrites max_timestamp and sets the LogAppendTime bit, recomputing the CRC.
void set_log_append_time(char* batch, size_t size, int64_t append_time);

// Full validation of a batch received from outside: header sane, whole batch present, CRC,
// and (when check_records) every record parses and the count and offset deltas agree with the
// header. Compressed batches are decompressed for that check (bounded by max_record_bytes).
Status validate_batch(std::string_view batch, bool check_records, size_t max_record_bytes);

struct BatchOptions {
  Compression compression = Compression::none;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  bool transactional = false;
  bool control = false;
};

class BatchBuilder {
 public:
  explicit BatchBuilder(BatchOptions options = {}) : options_(options) {}

  // Appends one record. The timestamp is milliseconds since the epoch (CreateTime).
  void add(int64_t timestamp, std::optional<std::string_view> key,
           std::optional<std::string_view> value, std::span<const RecordHeader> headers = {});

  int32_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Bytes of the batch if built uncompressed now.
  size_t uncompressed_size() const {
    return std::max(buffer_.size(), size_t(batch_format::kHeaderSize));
  }
  // Room for `bytes` of batch (header included) without reallocating while adding.
  void reserve(size_t bytes) { buffer_.reserve(bytes); }

  // Encodes the batch with the given base offset (the log overwrites it on append).
  Result<std::string> build(int64_t base_offset = 0) const;
  // build(), leaving the builder empty; an uncompressed batch is finished in place and moved
  // out, so its records are not copied again (a producer's batches).
  Result<std::string> take(int64_t base_offset = 0);
  void clear();

 private:
  // The header (kHeaderSize bytes, filled in by build) followed by the encoded records.
  std::string_view records() const {
    return buffer_.size() > batch_format::kHeaderSize
               ? std::string_view(buffer_).substr(batch_format::kHeaderSize)
               : std::string_view();
  }
  // Writes the header into `batch`, whose records follow the header's bytes.
  Status finish(std::string& batch, int64_t base_offset) const;

  BatchOptions options_;
  std::string buffer_;
  int32_t count_ = 0;
  int64_t base_timestamp_ = kNoTimestamp;
  int64_t max_timestamp_ = kNoTimestamp;
};

// Decodes every record of one batch (verifying the CRC first). Control batches decode like any
// other; callers that serve applications skip them. max_bytes bounds decompression.
Result<std::vector<Record>> decode_batch(std::string_view batch, size_t max_bytes = 256u << 20);

// One record of a batch with its key, value and headers viewing the batch's record section
// (the batch itself, or its decompressed bytes): what a consumer hands out without copying.
struct HeaderRef {
  std::string_view key;
  std::optional<std::string_view> value;
};
struct RecordRef {
  int64_t offset = 0;
  int64_t timestamp = kNoTimestamp;  // the batch's append time for a LogAppendTime batch
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<HeaderRef> headers;
  int32_t batch_records = 0;  // the batch's record count
};
// Calls `visit` for every record of one batch (CRC verified first). The views point into `batch`,
// or, for a compressed batch, into `decompressed`, which this fills: keep whichever one holds
// them alive as long as the views (a caller that keeps them moves nothing: the string's buffer
// must stay where it is).
Status for_each_record_ref(std::string_view batch, std::string& decompressed,
                           const std::function<void(const RecordRef&)>& visit,
                           size_t max_bytes = 256u << 20);

// Timestamp and offset of each record, without materialising keys and values: what the time
// index lookup needs to find the first record at or after a timestamp.
struct RecordPosition {
  int64_t offset;
  int64_t timestamp;
};
Result<std::vector<RecordPosition>> record_positions(std::string_view batch,
                                                     size_t max_bytes = 256u << 20);

// One record of a batch as stored, without copying anything: what a reader that only looks at
// keys (compaction, key checks) or copies records through unchanged needs.
struct RecordView {
  int64_t offset = 0;
  int64_t timestamp = kNoTimestamp;  // CreateTime of the record (base timestamp + delta)
  int32_t offset_delta = 0;
  std::optional<std::string_view> key;
  bool null_value = false;  // a tombstone
  // The record's bytes after its timestamp delta: offset delta, key, value, headers.
  std::string_view after_timestamp;
};
// Walks whole batches laid back to back (what a log read or a fetch returns) and calls
// visit(header, batch) for each, stopping at the first error it returns. A partial batch at the
// end — reads cut at a byte limit — ends the walk; a malformed header is Errc::corruption. The
// CRC is the visitor's to check.
Status for_each_batch(std::string_view batches,
                      const std::function<Status(const BatchHeader&, std::string_view)>& visit);

// Calls `visit` for every record of one batch (CRC verified first, decompressing as needed).
Status for_each_record(std::string_view batch, const std::function<void(const RecordView&)>& visit,
                       size_t max_bytes = 256u << 20);

// The delete horizon a compacted batch carries (KIP-534: attribute bit 6 set, base timestamp
// holds the horizon), or nullopt.
std::optional<int64_t> delete_horizon(const BatchHeader& h);

// Valid Kafka topic name: 1..249 chars of [a-zA-Z0-9._-], not "." or "..".
Status validate_topic_name(std::string_view name);

}  // namespace kafka_do::model
