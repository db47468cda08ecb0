#pragma once
// Committed consumer-group offsets, durable in the engine itself: every change is one record batch
// appended to the internal topic `__consumer_offsets` (one partition, cleanup.policy=compact), and
// the in-memory map is rebuilt by replaying that partition at open. Each record is keyed by
// (group, topic, partition) and a deletion is a tombstone, so the log cleaner keeps the partition
// at about one record per live offset: a restart replays what is live plus the uncleaned tail,
// however many commits were made. Encoding and replay rules: docs/format/state_format.md (which
// also covers the snapshots earlier versions wrote; replay still reads them, and a data directory
// of such a version is rewritten once, on first open, into a compacted partition).
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
#include "model/record_batch.hpp"
#include "storage/log_manager.hpp"

namespace kafka_do::coordinator {

struct OffsetStoreOptions {
  std::string topic = "__consumer_offsets";
  // segment.bytes of the topic when the store creates it: the cleaner compacts sealed segments,
  // so this bounds the uncompacted tail a restart replays.
  int64_t segment_bytes = 16ll << 20;
  // Target size of one batch of tombstones (or of rewritten offsets when migrating).
  size_t batch_bytes = 512u << 10;
  // max.message.bytes of the topic when the store creates it: bounds one commit's batch.
  int32_t max_batch_bytes = 64 << 20;
};

struct OffsetStoreStats {
  size_t groups = 0;
  size_t offsets = 0;
  // What the replay at open read: proportional to live offsets plus the uncleaned tail.
  uint64_t records_replayed = 0;
  uint64_t bytes_replayed = 0;
  bool migrated = false;  // the partition was rewritten from an earlier version's format at open
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
  // Stores `offsets` for `group` as part of the transaction of `producer_id` (TxnOffsetCommit):
  // written now, pending until complete_transaction() (or a marker found at replay) decides.
  Status commit_transactional(
      const std::string& group,
      const std::vector<std::pair<TopicPartition, CommittedOffset>>& offsets, int64_t producer_id,
      int16_t producer_epoch);
  // Writes the transaction marker of `producer_id` and makes its pending offsets count (commit)
  // or drops them (abort). A no-op when the producer has nothing pending here.
  Status complete_transaction(int64_t producer_id, int16_t producer_epoch, bool commit);
  // Whether an open transaction has an offset pending for `tp` (or any partition) of `group`:
  // OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT then.
  bool has_pending(const std::string& group, const TopicPartition& tp) const;
  bool has_pending(const std::string& group) const;

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

  OffsetStoreStats stats() const;
  // What replay found worth reporting: abandoned snapshots, skipped records (one line each).
  const std::vector<std::string>& recovery_report() const { return report_; }
  const std::shared_ptr<storage::PartitionLog>& log() const { return log_; }

 private:
  OffsetStore(std::shared_ptr<storage::PartitionLog> log, OffsetStoreOptions options);
  Status replay();
  // Writes every live offset as a commit record, drops the history before them and turns on
  // compaction: the one-time upgrade of a partition written by a version without compaction.
  Status migrate_to_compaction(storage::LogManager& logs);
  // REQUIRES: mu_ held. Appends the records as one batch and accounts for its size.
  Status append_locked(
      const std::vector<std::pair<std::string, std::optional<std::string>>>& records,
      const model::BatchOptions& options = {});
  // REQUIRES: mu_ held.
  void finish_pending_locked(int64_t producer_id, bool commit);
  Result<size_t> remove_locked(const std::vector<std::pair<std::string, TopicPartition>>& doomed);

  const OffsetStoreOptions options_;
  const std::shared_ptr<storage::PartitionLog> log_;
  std::vector<std::string> report_;

  mutable std::mutex mu_;
  std::map<std::string, Offsets> groups_;
  // Offsets of open transactions, by producer id, then group.
  std::map<int64_t, std::map<std::string, Offsets>> pending_;
  uint64_t records_replayed_ = 0;
  uint64_t bytes_replayed_ = 0;
  bool migrated_ = false;
};

}  // namespace kafka_do::coordinator
