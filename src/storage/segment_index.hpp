#pragma once
// The sparse offset index and the time index of one segment (see segment_format.hpp).
//
// An entry is added for a batch when at least `interval_bytes` of log were written since the
// previous entry (and always for the first batch). The active segment keeps its entries in memory
// (a crash rebuilds them from the log, so they are never synced while active); sealing writes
// both files once and later lookups read them through a read-only mapping, so a sealed segment's
// index costs page cache, not heap.
//
// Thread safety: add() from the single appender; lookups from any thread.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/file_system.hpp"

namespace kafka_do::storage {

class SegmentIndex {
 public:
  SegmentIndex(int64_t base_offset, size_t interval_bytes)
      : base_offset_(base_offset), interval_bytes_(interval_bytes) {}

  // Records the batch starting at `offset` and file `position`. max_timestamp_before is the
  // largest timestamp of every batch before this one in the segment (kNoTimestamp if none).
  void add(int64_t offset, uint32_t position, int64_t max_timestamp_before);

  // File position of the last indexed batch whose base offset is <= offset (0 if none).
  uint32_t position_for_offset(int64_t offset) const;
  // Offset of the last indexed batch before which every timestamp is < timestamp, i.e. a safe
  // place to start scanning for the first record at or after `timestamp`.
  int64_t scan_start_for_timestamp(int64_t timestamp) const;

  // Writes both files (replacing any), syncs them, and switches to mapped lookups. The time
  // index gets a final entry (segment max timestamp, next offset) so that a reopened sealed
  // segment knows both without reading its log.
  Status seal(fs::FileSystem& fs, const std::string& index_path, const std::string& time_index_path,
              int64_t next_offset, int64_t max_timestamp);
  struct Loaded {
    int64_t next_offset;
    int64_t max_timestamp;
  };
  // Loads both files of a sealed segment (mapped). Fails with Errc::corruption when a file is
  // missing, has a partial entry, is out of order, or points past `log_size`; the caller then
  // rebuilds the index from the log.
  Result<Loaded> load(fs::FileSystem& fs, const std::string& index_path,
                      const std::string& time_index_path, uint64_t log_size);
  // Drops every entry at or after `position` (used when a torn tail is truncated).
  void truncate_to_position(uint32_t position);
  void clear();

  size_t entry_count() const;
  size_t memory_bytes() const;

 private:
  struct OffsetEntry {
    uint32_t relative_offset;
    uint32_t position;
  };
  struct TimeEntry {
    int64_t timestamp;
    uint32_t relative_offset;
  };
  OffsetEntry offset_entry(size_t i) const;
  TimeEntry time_entry(size_t i) const;
  size_t offset_count() const;
  size_t time_count() const;

  const int64_t base_offset_;
  const size_t interval_bytes_;
  mutable std::mutex mu_;
  uint32_t last_position_ = 0;
  bool has_last_ = false;
  std::vector<OffsetEntry> offsets_;
  std::vector<TimeEntry> times_;
  // Sealed: lookups go to these mappings instead of the vectors.
  std::unique_ptr<fs::MappedRegion> offset_map_;
  std::unique_ptr<fs::MappedRegion> time_map_;
};

}  // namespace kafka_do::storage
