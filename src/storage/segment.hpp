#pragma once
// One segment of a partition: a .log file of record batches v2 plus its SegmentIndex.
//
// Lifecycle: created empty as the active segment (or reopened), appended to by the partition's
// single appender, sealed when the partition rolls (index files written, log synced), read by any
// number of readers throughout, and finally removed by retention. Readers hold a shared_ptr, so a
// segment removed while being read stays readable until they let go.
//
// Thread safety: append/sync/seal/truncate from the appender (PartitionLog serialises them);
// every const method from any thread. A reader passes a `limit` (bytes of the file it may see),
// which is how the partition keeps unpublished batches invisible.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/file_system.hpp"
#include "model/record_batch.hpp"
#include "storage/segment_index.hpp"

namespace kafka_do::storage {

// What recovery found in a segment's tail.
struct SegmentRecovery {
  uint64_t valid_bytes = 0;      // the log now ends here
  uint64_t truncated_bytes = 0;  // removed as torn or corrupt
  std::string reason;            // why the scan stopped early; empty when the file was whole
  int64_t batches = 0;
};

class Segment {
 public:
  // Creates a new empty segment file (must not exist).
  static Result<std::shared_ptr<Segment>> create(std::shared_ptr<fs::FileSystem> fs,
                                                 const std::string& dir, int64_t base_offset,
                                                 size_t index_interval_bytes);
  // Opens an existing segment. A sealed segment loads its index files, or rebuilds them from the
  // log when missing or stale (which also validates every batch). An unsealed (active) segment
  // is always scanned: its index lives in memory only.
  static Result<std::shared_ptr<Segment>> open(std::shared_ptr<fs::FileSystem> fs,
                                               const std::string& dir, int64_t base_offset,
                                               size_t index_interval_bytes, bool active,
                                               SegmentRecovery* recovery);

  int64_t base_offset() const { return base_offset_; }
  int64_t next_offset() const { return next_offset_.load(std::memory_order_acquire); }
  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  int64_t max_timestamp() const { return max_timestamp_.load(std::memory_order_acquire); }
  bool empty() const { return size() == 0; }
  bool sealed() const { return sealed_.load(std::memory_order_acquire); }
  const std::string& log_path() const { return log_path_; }
  std::chrono::steady_clock::time_point created() const { return created_; }
  size_t index_memory_bytes() const { return index_.memory_bytes(); }

  // Appends one whole batch whose base offset is already set; `h` is its parsed header.
  Status append(std::string_view batch, const model::BatchHeader& h);
  Status sync();
  // Seals: syncs the log, writes and syncs the index files. No appends afterwards.
  Status seal();
  // Scans the whole log from the start, validating every batch (length, magic, CRC, dense
  // offsets), truncates at the first bad one and rebuilds the index.
  Result<SegmentRecovery> recover();
  // Deletes the segment's files (open handles keep working until released).
  Status remove_files();

  // Position of the first batch that ends at or after `offset` (the one holding it, or the next
  // one when `offset` fell into a compaction gap), or nullopt when no batch below `limit` does.
  Result<std::optional<uint64_t>> find_batch(int64_t offset, uint64_t limit) const;
  // Reads whole batches starting at `position`: at least one batch (even if larger than
  // max_bytes, unless `first_may_exceed` is false), then more while they fit in max_bytes, never
  // past `limit` or past a batch whose base offset is >= end_offset. CRC-checks each batch; a bad
  // one ends the read, and when it is the first it is reported as Errc::corruption naming the file
  // and position.
  Result<std::string> read(uint64_t position, size_t max_bytes, uint64_t limit, int64_t end_offset,
                           bool first_may_exceed = true) const;
  // The first offset whose record timestamp is >= timestamp, or nullopt when none below limit.
  Result<std::optional<int64_t>> find_offset_for_timestamp(int64_t timestamp, uint64_t limit) const;
  // Calls `visit` with every whole batch, in order, stopping at the first error it returns; a
  // malformed batch is Errc::corruption. The batch's CRC is the visitor's to check.
  Status for_each_batch(
      const std::function<Status(const model::BatchHeader&, std::string_view)>& visit) const;
  // Calls `visit` with the header of every batch, in order (reads headers only).
  Status for_each_batch_header(const std::function<void(const model::BatchHeader&)>& visit) const;

 private:
  Segment(std::shared_ptr<fs::FileSystem> fs, std::string dir, int64_t base_offset,
          size_t index_interval_bytes);
  using BatchVisitor = std::function<bool(const model::BatchHeader&, uint64_t position,
                                          std::string_view whole_batch)>;
  // Walks batches from `position` to `limit`; when `whole` is set the visitor gets each full
  // batch (else only the header bytes). Stops at a malformed or incomplete batch and reports why.
  Status scan(uint64_t position, uint64_t limit, bool whole, const BatchVisitor& visit,
              std::string* stop_reason) const;

  std::shared_ptr<fs::FileSystem> fs_;
  std::string dir_;
  std::string log_path_;
  std::string index_path_;
  std::string time_index_path_;
  const int64_t base_offset_;
  std::unique_ptr<fs::File> log_;
  SegmentIndex index_;
  std::atomic<int64_t> next_offset_;
  std::atomic<uint64_t> size_{0};
  std::atomic<int64_t> max_timestamp_{model::kNoTimestamp};
  std::atomic<bool> sealed_{false};
  std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
};

}  // namespace kafka_do::storage
