#pragma once
// Records of the internal `__consumer_offsets` topic: committed offsets, their tombstones, and the
// markers that frame a snapshot. Layout and replay rules: docs/format/state_format.md. These bytes
// are persisted: never renumber a record type or reorder a field.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.hpp"

namespace kafka_do::coordinator {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  bool operator==(const TopicPartition&) const = default;
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;  // -1 = unknown
  std::optional<std::string> metadata;
  int64_t commit_timestamp = -1;  // ms since the epoch
  bool operator==(const CommittedOffset&) const = default;
};

namespace offset_record {

// The int16 at the front of every key.
enum class Type : int16_t {
  offset_commit = 1,   // value = OffsetValue, or null (tombstone)
  snapshot_begin = 2,  // value = SnapshotMarker
  snapshot_entry = 3,  // value = OffsetValue; counts only inside a complete snapshot
  snapshot_end = 4,    // value = SnapshotMarker
};

inline constexpr int16_t kValueFormat = 0;
// Longest group id or topic name a key can carry (int16 length).
inline constexpr size_t kMaxNameBytes = 32767;

struct OffsetKey {
  std::string group;
  TopicPartition partition;
};
struct SnapshotMarker {
  int64_t snapshot_id = 0;
  int64_t entry_count = 0;
};

std::string encode_offset_key(Type type, const std::string& group, const TopicPartition& tp);
std::string encode_offset_value(const CommittedOffset& offset);
std::string encode_marker_key(Type type, int64_t snapshot_id);
std::string encode_marker_value(const SnapshotMarker& marker);

// A decoded key. `type` is kept raw so that replay can skip (and report) types it does not know.
struct DecodedKey {
  int16_t type = 0;
  OffsetKey offset;         // offset_commit, snapshot_entry
  int64_t snapshot_id = 0;  // snapshot_begin, snapshot_end
};

// Errors: corruption when the bytes are short, have trailing garbage or a negative length.
Result<DecodedKey> decode_key(std::string_view key);
// Unknown value formats are Errc::unsupported (replay skips them).
Result<CommittedOffset> decode_offset_value(std::string_view value);
Result<SnapshotMarker> decode_marker_value(std::string_view value);

}  // namespace offset_record
}  // namespace kafka_do::coordinator
