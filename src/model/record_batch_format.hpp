#pragma once
// Constants of the Kafka record batch v2 ("magic 2") layout. Prose spec, worked example and
// recovery rules: docs/format/log_format.md. All integers are big-endian.
//
//   offset size field
//        0    8 base_offset             (assigned by the log; not covered by the CRC)
//        8    4 batch_length            (bytes after this field = total - 12)
//       12    4 partition_leader_epoch  (not covered by the CRC)
//       16    1 magic                   (= 2)
//       17    4 crc                     (CRC-32C of bytes 21..end)
//       21    2 attributes
//       23    4 last_offset_delta
//       27    8 base_timestamp
//       35    8 max_timestamp
//       43    8 producer_id
//       51    2 producer_epoch
//       53    4 base_sequence
//       57    4 record_count
//       61    - records (compressed as one stream when attributes say so)

#include <cstddef>
#include <cstdint>

namespace kafka_do::model::batch_format {

inline constexpr size_t kBaseOffsetPos = 0;
inline constexpr size_t kLengthPos = 8;
inline constexpr size_t kLeaderEpochPos = 12;
inline constexpr size_t kMagicPos = 16;
inline constexpr size_t kCrcPos = 17;
inline constexpr size_t kAttributesPos = 21;
inline constexpr size_t kLastOffsetDeltaPos = 23;
inline constexpr size_t kBaseTimestampPos = 27;
inline constexpr size_t kMaxTimestampPos = 35;
inline constexpr size_t kProducerIdPos = 43;
inline constexpr size_t kProducerEpochPos = 51;
inline constexpr size_t kBaseSequencePos = 53;
inline constexpr size_t kRecordCountPos = 57;
inline constexpr size_t kRecordsPos = 61;

inline constexpr size_t kHeaderSize = kRecordsPos;       // 61
inline constexpr size_t kLogOverhead = kLeaderEpochPos;  // base_offset + batch_length = 12
inline constexpr size_t kCrcCoveredFrom = kAttributesPos;
inline constexpr int8_t kMagic = 2;

// Attribute bits.
inline constexpr uint16_t kCompressionMask = 0x07;
inline constexpr uint16_t kTimestampTypeBit = 0x08;  // 0 CreateTime, 1 LogAppendTime
inline constexpr uint16_t kTransactionalBit = 0x10;
inline constexpr uint16_t kControlBit = 0x20;
inline constexpr uint16_t kDeleteHorizonBit = 0x40;

static_assert(kHeaderSize == 61, "record batch v2 header is 61 bytes");
static_assert(kRecordCountPos + 4 == kRecordsPos);

}  // namespace kafka_do::model::batch_format
