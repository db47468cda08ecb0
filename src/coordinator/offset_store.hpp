#pragma once
// Committed consumer-group offsets, durable in the engine itself: every change is one record batch
// appended to the internal topic `__consumer_offsets` (one partition), and the in-memory map is
// rebuilt by replaying that partition at open. To bound the partition, once enough bytes were
// appended since the last snapshot the store writes a snapshot (every live offset, framed by begin
// and end markers) and moves the log start to the snapshot's first batch, so whole old segments
// are deleted. Only a complete snapshot supersedes what precedes it; a snapshot cut short by a
// crash is ignored at replay. Encoding and replay rules: docs/format/state_format.md.
//
// Durability follows the engine's flush policy: a change is acknowledged when the partition's
// append returns (so it survives kill -9 under every policy, and power loss under every_batch).
//
// Thread safety: every method may be called from any thread. Changes are serialised (one append
// at a time), which keeps the in-memory map in the same order as the log.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/offset_record.hpp"
#include "storage/log_manager.hpp"

namespace kafka_do::coordinator {

struct OffsetStoreOptions {
  std::string topic = "__consumer_offsets";
  // Write a snapshot once this many bytes were appended since the last one (and at least as many
  // as the last snapshot took, so a large live set does not snapshot on every commit).
  uint64_t snapshot_threshold_bytes = 16ull << 20;
  // Target size of one snapshot batch.
  size_t snapshot_batch_bytes = 512u << 10;
  // max.message.bytes of the topic when the store creates it: bounds one commit's batch.
  int32_t max_batch_bytes = 64 << 20;
};

struct OffsetStoreStats {
  size_t groups = 0;
  size_t offsets = 0;
  uint64_t bytes_since_snapshot = 0;
  uint64_t last_snapshot_bytes = 0;
  int64_t last_snapshot_id = 0;    // 0 = none yet
  uint64_t snapshots_written = 0;  // by this instance
  std::optional<std::string> last_snapshot_error;
};

class OffsetStore {
 public:
  using Offsets = std::map<TopicPartition, CommittedOffset>;

  // Opens the store over `logs`, creating the topic on first use (retention off: the store trims
  // it itself) and replaying it. Errors: corruption when a record cannot be decoded, or whatever
  // the log reports.
  static Result<std::unique_ptr<OffsetStore>> open(storage::LogManager& logs,
                                                   OffsetStoreOptions options = {});
  OffsetStore(const OffsetStore&) = delete;
  OffsetStore& operator=(const OffsetStore&) = delete;

  // Stores `offsets` for `group` as one batch (all or nothing). Errors: invalid_argument for a
  // name longer than a key can hold, too_large when the batch exceeds the topic's limit, closed
  // when the engine was closed, io_error.
  Status commit(const std::string& group,
                const std::vector<std::pair<TopicPartition, CommittedOffset>>& offsets);
  // Deletes the given partitions' offsets of `group` (tombstones); returns how many existed.
  Result<size_t> remove(const std::string& group, const std::vector<TopicPartition>& partitions);
  // Deletes every offset of `group`; returns how many existed.
  Result<size_t> remove_group(const std::string& group);
  // Deletes every offset (of any group) for which `doomed(group, partition)` is true.
  Result<size_t> remove_if(
      const std::function<bool(const std::string&, const TopicPartition&)>& doomed);

  std::optional<CommittedOffset> get(const std::string& group, const TopicPartition& tp) const;
  Offsets offsets(const std::string& group) const;
  bool has_group(const std::string& group) const;
  // Groups that have at least one committed offset, sorted.
  std::vector<std::string> groups() const;

  // Writes a snapshot now and trims the log before it (normally automatic).
  Status snapshot();
  OffsetStoreStats stats() const;
  // What replay found worth reporting: abandoned snapshots, skipped records (one line each).
  const std::vector<std::string>& recovery_report() const { return report_; }
  const std::shared_ptr<storage::PartitionLog>& log() const { return log_; }

 private:
  OffsetStore(std::shared_ptr<storage::PartitionLog> log, OffsetStoreOptions options);
  Status replay();
  // REQUIRES: mu_ held. Appends the records as one batch and accounts for its size.
  Status append_locked(
      const std::vector<std::pair<std::string, std::optional<std::string>>>& records);
  Status snapshot_locked();
  void maybe_snapshot_locked();
  Result<size_t> remove_locked(const std::vector<std::pair<std::string, TopicPartition>>& doomed);

  const OffsetStoreOptions options_;
  const std::shared_ptr<storage::PartitionLog> log_;
  std::vector<std::string> report_;

  mutable std::mutex mu_;
  std::map<std::string, Offsets> groups_;
  uint64_t bytes_since_snapshot_ = 0;
  uint64_t last_snapshot_bytes_ = 0;
  int64_t last_snapshot_id_ = 0;
  uint64_t snapshots_written_ = 0;
  std::optional<std::string> last_snapshot_error_;
};

}  // namespace kafka_do::coordinator
